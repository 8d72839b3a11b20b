package dev.fluke.agent;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;

/**
 * A process tree the agent finds rather than supervises: the command of an apply that a previous
 * agent process started and left running when it died ({@link OrphanRecovery}). Read from Linux's
 * {@code /proc}.
 *
 * <p>A pid alone does not name a process: once a process is gone its pid can be given to another
 * one. So a process is recognised by its pid together with its start time, as {@code
 * /proc/PID/stat} gives it (clock ticks since boot, which no change of the wall clock moves), and
 * only a process that matches both is waited for or killed. Members of its process group (the
 * command leads its own group) are killed with it: Linux does not hand out a pid that is still some
 * group's id, so while the group exists its id cannot belong to anyone else.
 */
final class ProcessTree {

  /**
   * What {@code /proc/PID/stat} says about a process.
   *
   * @param state R, S, D, Z (zombie), X (dead), …
   * @param startTicks when it started, in clock ticks since boot
   */
  record Stat(char state, long ppid, long pgrp, long startTicks) {
    boolean running() {
      return state != 'Z' && state != 'X';
    }
  }

  /**
   * A process as the journal records it: {@code startTicks} is -1 where /proc is not available,
   * then {@code startedAt} (the JDK's view) identifies it.
   */
  record Identity(long pid, long startTicks, Instant startedAt) {
    static Identity of(ProcessHandle p) {
      Optional<Stat> stat = stat(p.pid());
      return new Identity(
          p.pid(),
          stat.map(Stat::startTicks).orElse(-1L),
          p.info().startInstant().orElse(Instant.EPOCH));
    }
  }

  private ProcessTree() {}

  /** The process of {@code id} if it still runs (not a zombie) and is the same process. */
  static Optional<ProcessHandle> find(Identity id) {
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

  /** Whether the process still runs: alive and not a zombie waiting to be reaped. */
  static boolean running(ProcessHandle p) {
    if (!p.isAlive()) {
      return false;
    }
    return stat(p.pid()).map(Stat::running).orElse(true);
  }

  /**
   * Kills the tree led by {@code leader} (found with {@link #find}): the process, its descendants
   * and the members of its process group get SIGTERM; what still runs after {@code grace} gets
   * SIGKILL. Blocks for up to {@code grace}. Returns how many processes were signalled.
   */
  static int kill(ProcessHandle leader, Duration grace) {
    Set<ProcessHandle> targets = tree(leader);
    targets.forEach(ProcessHandle::destroy);
    long end = System.nanoTime() + grace.toNanos();
    while (System.nanoTime() - end < 0 && targets.stream().anyMatch(ProcessTree::running)) {
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    Set<ProcessHandle> left = tree(leader);
    left.addAll(targets);
    left.stream().filter(ProcessTree::running).forEach(ProcessHandle::destroyForcibly);
    return targets.size();
  }

  /**
   * The leader, its descendants (collected before anything dies: orphans are re-parented) and the
   * members of its process group, never this JVM.
   */
  private static Set<ProcessHandle> tree(ProcessHandle leader) {
    Set<ProcessHandle> all = new LinkedHashSet<>();
    if (running(leader)) {
      all.add(leader);
      leader.descendants().forEach(all::add);
    }
    long pgid = leader.pid();
    try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
      for (Path p : procs) {
        long pid = Long.parseLong(p.getFileName().toString());
        if (stat(pid).filter(s -> s.pgrp() == pgid && s.running()).isPresent()) {
          ProcessHandle.of(pid).ifPresent(all::add);
        }
      }
    } catch (IOException | RuntimeException e) {
      // no /proc: the leader and its descendants are all that can be found
    }
    all.remove(ProcessHandle.current());
    return all;
  }

  /** {@code /proc/PID/stat}, or empty when the process is gone or there is no /proc. */
  static Optional<Stat> stat(long pid) {
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
}
