package dev.fluke.exec;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A process tree, and the one place that reads Linux's {@code /proc} about processes and kills
 * trees. Two users:
 *
 * <ul>
 *   <li>{@link ProcessRunner} kills the tree of a run it started on timeout or cancellation ({@link
 *       #ProcessTree(Process, boolean, String)}).
 *   <li>The agent finds the command of an apply that a previous agent process started and left
 *       running when it died ({@link #find(Identity)}), waits for it, and kills its tree past a
 *       grace ({@link #of(ProcessHandle)}).
 * </ul>
 *
 * <p>A tree is: the process itself, its descendants, every process whose environment still holds
 * the run's {@value ProcessRunner#RUN_ID_VARIABLE} (daemonised grandchildren, even those that left
 * the process group) and, when the process leads its own process group, every member of that group
 * (Linux does not hand out a pid that is still some group's id, so while the group exists its id
 * cannot belong to anyone else). Never this JVM, never the agent's own group. Where there is no
 * /proc, only the process and its descendants are found.
 *
 * <p>A pid alone does not name a process: once a process is gone its pid can be given to another
 * one. So a process found again later is recognised by its pid together with its start time, as
 * {@code /proc/PID/stat} gives it (clock ticks since boot, which no change of the wall clock
 * moves): {@link Identity}.
 */
public final class ProcessTree {
  private static final Logger log = LoggerFactory.getLogger(ProcessTree.class);

  /** How often the members of a killed tree are looked at while they get their grace. */
  private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

  /**
   * What {@code /proc/PID/stat} says about a process.
   *
   * @param state R, S, D, Z (zombie), X (dead), …
   * @param startTicks when it started, in clock ticks since boot
   */
  public record Stat(char state, long ppid, long pgrp, long startTicks) {
    /** Not a zombie (a killed orphan may stay one where PID 1 does not reap) and not dead. */
    public boolean running() {
      return state != 'Z' && state != 'X';
    }
  }

  /**
   * A process as a journal records it, to find it again after a restart: {@code startTicks} is -1
   * where /proc is not available, then {@code startedAt} (the JDK's view) identifies it.
   */
  public record Identity(long pid, long startTicks, Instant startedAt) {
    public static Identity of(ProcessHandle p) {
      Optional<Stat> stat = stat(p.pid());
      return new Identity(
          p.pid(),
          stat.map(Stat::startTicks).orElse(-1L),
          p.info().startInstant().orElse(Instant.EPOCH));
    }
  }

  private final ProcessHandle root;
  private final Process child;
  private final boolean leader;
  private final String runId;

  /**
   * The tree of a run {@link ProcessRunner} started.
   *
   * @param leader whether {@code process} leads its own process group (then that group is part of
   *     the tree; otherwise its group is the agent's own, and never is)
   * @param runId the run's {@value ProcessRunner#RUN_ID_VARIABLE}
   */
  ProcessTree(Process process, boolean leader, String runId) {
    this(process.toHandle(), process, leader, runId);
  }

  private ProcessTree(ProcessHandle root, Process child, boolean leader, String runId) {
    this.root = root;
    this.child = child;
    this.leader = leader;
    this.runId = runId;
  }

  /**
   * The tree of a process this JVM did not start (found with {@link #find}): its process group when
   * it leads one, and the {@value ProcessRunner#RUN_ID_VARIABLE} its environment holds, when this
   * user may read it.
   */
  public static ProcessTree of(ProcessHandle process) {
    boolean leads = stat(process.pid()).map(s -> s.pgrp() == process.pid()).orElse(false);
    return new ProcessTree(process, null, leads, runIdOf(process.pid()).orElse(null));
  }

  /**
   * SIGTERM to the whole tree, {@code grace} for it to go, then SIGKILL for whatever is left (and
   * for what was started meanwhile). Descendants are collected before anything dies, since orphans
   * are re-parented and would no longer show up as descendants. Blocks for up to about twice {@code
   * grace}. Returns how many processes got SIGTERM.
   */
  public int kill(Duration grace) {
    Set<ProcessHandle> targets = members();
    int signalled = targets.size();
    for (ProcessHandle h : targets) {
      h.destroy();
    }
    long graceEnd = System.nanoTime() + grace.toNanos();
    try {
      while (targets.stream().anyMatch(ProcessTree::isRunning)) {
        long left = graceEnd - System.nanoTime();
        if (left <= 0) {
          break;
        }
        if (child != null && child.isAlive()) {
          child.waitFor(Math.min(left, POLL_NANOS), TimeUnit.NANOSECONDS);
        } else {
          // the others are not our children: nothing notifies their end
          TimeUnit.NANOSECONDS.sleep(Math.min(left, POLL_NANOS));
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    targets.addAll(members());
    for (ProcessHandle h : targets) {
      if (isRunning(h)) {
        h.destroyForcibly();
      }
    }
    if (child != null) {
      try {
        if (!child.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
          log.warn("process {} did not exit after SIGKILL", child.pid());
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    return signalled;
  }

  /**
   * The process (while it runs), its descendants, the run's marked processes and (for a leader) its
   * group.
   */
  public Set<ProcessHandle> members() {
    Set<ProcessHandle> all = new LinkedHashSet<>();
    if (child != null || isRunning(root)) {
      all.add(root);
      root.descendants().forEach(all::add);
    }
    all.addAll(scan(leader ? root.pid() : -1, runId));
    all.remove(ProcessHandle.current());
    return all;
  }

  /** The process of {@code id} if it still runs (not a zombie) and is the same process. */
  public static Optional<ProcessHandle> find(Identity id) {
    Optional<ProcessHandle> handle = ProcessHandle.of(id.pid());
    if (handle.isEmpty()) {
      return Optional.empty();
    }
    Optional<Stat> stat = stat(id.pid());
    if (stat.isPresent() && id.startTicks() >= 0) {
      return stat.get().running() && stat.get().startTicks() == id.startTicks()
          ? handle
          : Optional.empty();
    }
    Optional<Instant> started = handle.get().info().startInstant();
    return handle.get().isAlive() && started.isPresent() && started.get().equals(id.startedAt())
        ? handle
        : Optional.empty();
  }

  /**
   * Processes in /proc that are members of process group {@code pgid} (none when it is -1) or whose
   * environment holds {@code RUN_ID_VARIABLE=runId} (none when it is null), zombies left out.
   * Environments this user may not read are skipped: those processes could not be signalled either.
   * Empty where there is no /proc.
   */
  static List<ProcessHandle> scan(long pgid, String runId) {
    List<ProcessHandle> found = new ArrayList<>();
    if (pgid <= 0 && runId == null) {
      return found;
    }
    File[] entries = new File("/proc").listFiles();
    if (entries == null) {
      return found;
    }
    byte[] marker =
        runId == null
            ? null
            : (ProcessRunner.RUN_ID_VARIABLE + "=" + runId).getBytes(StandardCharsets.UTF_8);
    for (File e : entries) {
      String name = e.getName();
      if (name.isEmpty() || !Character.isDigit(name.charAt(0))) {
        continue;
      }
      long pid;
      try {
        pid = Long.parseLong(name);
      } catch (NumberFormatException notAPid) {
        continue;
      }
      Optional<Stat> stat = stat(pid);
      if (stat.isEmpty() || !stat.get().running()) {
        continue;
      }
      boolean member = pgid > 0 && stat.get().pgrp() == pgid;
      if (!member && marker != null) {
        member = environHolds(pid, marker);
      }
      if (member) {
        ProcessHandle.of(pid).ifPresent(found::add);
      }
    }
    return found;
  }

  /** Whether /proc/PID/environ holds {@code entry} as one whole NUL-separated entry. */
  static boolean environHolds(long pid, byte[] entry) {
    byte[] environ = environ(pid);
    if (environ == null) {
      return false;
    }
    int last = environ.length - entry.length;
    outer:
    for (int i = 0; i <= last; i++) {
      if (i > 0 && environ[i - 1] != 0) {
        continue;
      }
      for (int j = 0; j < entry.length; j++) {
        if (environ[i + j] != entry[j]) {
          continue outer;
        }
      }
      int end = i + entry.length;
      if (end == environ.length || environ[end] == 0) {
        return true;
      }
    }
    return false;
  }

  /**
   * The {@value ProcessRunner#RUN_ID_VARIABLE} in the environment the process started with, or
   * empty when it has none, is gone, or belongs to another user.
   */
  public static Optional<String> runIdOf(long pid) {
    byte[] environ = environ(pid);
    if (environ == null) {
      return Optional.empty();
    }
    String prefix = ProcessRunner.RUN_ID_VARIABLE + "=";
    for (String entry : new String(environ, StandardCharsets.UTF_8).split("\0")) {
      if (entry.startsWith(prefix) && entry.length() > prefix.length()) {
        return Optional.of(entry.substring(prefix.length()));
      }
    }
    return Optional.empty();
  }

  private static byte[] environ(long pid) {
    try {
      return Files.readAllBytes(Path.of("/proc", Long.toString(pid), "environ"));
    } catch (IOException | RuntimeException e) {
      return null; // gone, a kernel thread, or another user's
    }
  }

  /** {@code /proc/PID/stat}, or empty when the process is gone or there is no /proc. */
  public static Optional<Stat> stat(long pid) {
    try {
      String s =
          Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.UTF_8);
      // "pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime
      // stime cutime cstime priority nice threads itrealvalue starttime ...": comm may hold spaces.
      String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
      return Optional.of(
          new Stat(
              f[0].charAt(0), Long.parseLong(f[1]), Long.parseLong(f[2]), Long.parseLong(f[19])));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /** Alive and not a zombie waiting to be reaped. */
  public static boolean isRunning(ProcessHandle h) {
    if (!h.isAlive()) {
      return false;
    }
    Optional<Stat> stat = stat(h.pid());
    if (stat.isEmpty()) {
      // gone meanwhile where there is /proc; where there is none, the JDK's view is all there is
      return !Files.isDirectory(Path.of("/proc/self")) && h.isAlive();
    }
    return stat.get().running();
  }
}
