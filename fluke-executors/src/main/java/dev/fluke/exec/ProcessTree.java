package dev.fluke.exec;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The processes of one run of {@link ProcessRunner}, and how they are killed on timeout or
 * cancellation: the process itself, its descendants, every process whose environment still holds
 * the run's {@value ProcessRunner#RUN_ID_VARIABLE} (daemonised grandchildren, even those that left
 * the process group) and, when the process leads its own process group, every member of that group.
 * Processes are found in /proc; where there is none, only the process and its descendants are.
 */
final class ProcessTree {
  private static final Logger log = LoggerFactory.getLogger(ProcessTree.class);

  /** How often the members of a killed tree are looked at while they get their grace. */
  private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

  private final Process process;
  private final boolean leader;
  private final String runId;

  /**
   * @param leader whether {@code process} leads its own process group (then that group is part of
   *     the tree; otherwise its group is the agent's own, and never is)
   * @param runId the run's {@value ProcessRunner#RUN_ID_VARIABLE}
   */
  ProcessTree(Process process, boolean leader, String runId) {
    this.process = process;
    this.leader = leader;
    this.runId = runId;
  }

  /**
   * SIGTERM to the whole tree, {@code grace} for it to go, then SIGKILL for whatever is left (and
   * for what was started meanwhile). Descendants are collected before anything dies, since orphans
   * are re-parented and would no longer show up as descendants.
   */
  void kill(Duration grace) {
    Set<ProcessHandle> targets = members();
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
        if (process.isAlive()) {
          process.waitFor(Math.min(left, POLL_NANOS), TimeUnit.NANOSECONDS);
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
    try {
      if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
        log.warn("process {} did not exit after SIGKILL", process.pid());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The process, its descendants, the run's marked processes and (for a leader) its group. */
  Set<ProcessHandle> members() {
    ProcessHandle root = process.toHandle();
    Set<ProcessHandle> all = new LinkedHashSet<>();
    all.add(root);
    root.descendants().forEach(all::add);
    all.addAll(scan(leader ? root.pid() : -1, runId));
    all.remove(ProcessHandle.current());
    return all;
  }

  /**
   * Processes in /proc that are members of process group {@code pgid} (none when it is -1) or whose
   * environment holds {@code RUN_ID_VARIABLE=runId} (none when it is null). Environments this user
   * may not read are skipped: those processes could not be signalled either. Empty where there is
   * no /proc.
   */
  static List<ProcessHandle> scan(long pgid, String runId) {
    List<ProcessHandle> found = new ArrayList<>();
    File[] entries = new File("/proc").listFiles();
    if (entries == null) {
      return found;
    }
    byte[] marker =
        runId == null
            ? null
            : (ProcessRunner.RUN_ID_VARIABLE + "=" + runId).getBytes(StandardCharsets.UTF_8);
    String group = Long.toString(pgid);
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
      boolean member = false;
      if (pgid > 0) {
        String[] fields = procStatFields(pid);
        // fields after "pid (comm)": state ppid pgrp ...
        member = fields != null && fields.length > 2 && fields[2].equals(group);
      }
      if (!member && marker != null) {
        member = environHolds(pid, marker);
      }
      if (member) {
        ProcessHandle.of(pid).ifPresent(found::add);
      }
    }
    return found;
  }

  /** Members of process group {@code pgid}, read from /proc (empty where there is no /proc). */
  static List<ProcessHandle> processGroup(long pgid) {
    return scan(pgid, null);
  }

  /** Whether /proc/PID/environ holds {@code entry} as one whole NUL-separated entry. */
  static boolean environHolds(long pid, byte[] entry) {
    byte[] environ;
    try {
      environ = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "environ"));
    } catch (IOException | RuntimeException e) {
      return false; // gone, a kernel thread, or another user's
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

  /** The fields of /proc/PID/stat after the command name, or null if the process is gone. */
  static String[] procStatFields(long pid) {
    try {
      String stat =
          Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.UTF_8);
      int close = stat.lastIndexOf(')');
      return close < 0 ? null : stat.substring(close + 1).trim().split(" ");
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /** Alive and not a zombie (a killed orphan may stay a zombie where PID 1 does not reap). */
  static boolean isRunning(ProcessHandle h) {
    if (!h.isAlive()) {
      return false;
    }
    String[] fields = procStatFields(h.pid());
    if (fields == null) {
      return !Files.isDirectory(Path.of("/proc/self")) && h.isAlive();
    }
    return !(fields[0].equals("Z") || fields[0].equals("X"));
  }
}
