package dev.fluke.app.bench;

import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The CPU time this process (the benchmark's server) has used, read from the process itself: the
 * JVM's {@code OperatingSystemMXBean} (user + system time of all its threads, GC included), so that
 * a figure does not depend on the simulated agents, which run in other processes on the same cores.
 * Also the part of it its JIT compiler threads used ({@code /proc/self/task/TID/stat} of the
 * threads named {@code C1/C2 CompilerThread…}): compiling is a start-up cost that a long-running
 * server pays once, so unit costs are given without it. Compiler threads that ended between two
 * samples take their CPU time with them (they count as the server's own then): a JVM starts and
 * stops them as the compile queue grows and shrinks.
 */
final class ServerCpu {
  /** Linux's USER_HZ: the unit of the times in /proc/PID/stat. */
  private static final long NANOS_PER_TICK = 10_000_000L;

  private final com.sun.management.OperatingSystemMXBean os =
      (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

  /** CPU time used so far, all of it and the JIT compilers' part, and when it was read. */
  record Sample(long cpuNanos, long jitNanos, long wallNanos) {
    /** CPU milliseconds from {@code earlier} to this sample, without the JIT compilers'. */
    double cpuMillisSince(Sample earlier) {
      return ((cpuNanos - earlier.cpuNanos) - Math.max(0, jitNanos - earlier.jitNanos)) / 1e6;
    }

    /** The JIT compilers' CPU milliseconds from {@code earlier} to this sample. */
    double jitMillisSince(Sample earlier) {
      return Math.max(0, jitNanos - earlier.jitNanos) / 1e6;
    }

    double wallSecondsSince(Sample earlier) {
      return (wallNanos - earlier.wallNanos) / 1e9;
    }
  }

  Sample sample() {
    return new Sample(os.getProcessCpuTime(), compilerThreadsNanos("self"), System.nanoTime());
  }

  /**
   * User + system time of the live JIT compiler threads of process {@code pid} ({@code self}: this
   * one), 0 where there is no /proc.
   */
  static long compilerThreadsNanos(String pid) {
    File[] tasks = new File("/proc/" + pid + "/task").listFiles();
    if (tasks == null) {
      return 0;
    }
    long nanos = 0;
    for (File task : tasks) {
      try {
        String stat = Files.readString(task.toPath().resolve("stat"), StandardCharsets.UTF_8);
        String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
        if (!name.startsWith("C1 Compiler") && !name.startsWith("C2 Compiler")) {
          continue;
        }
        nanos += cpuNanos(stat);
      } catch (IOException | RuntimeException gone) {
        // the thread ended meanwhile
      }
    }
    return nanos;
  }

  /**
   * User + system time of the process or thread whose {@code /proc/.../stat} is at {@code stat}.
   */
  static long cpuNanos(Path stat) throws IOException {
    return cpuNanos(Files.readString(stat, StandardCharsets.UTF_8));
  }

  /**
   * User + system time of the children that the process whose {@code /proc/.../stat} is at {@code
   * stat} has waited for (cutime + cstime): for an agent, the commands it ran.
   */
  static long childrenCpuNanos(Path stat) throws IOException {
    return childrenCpuNanos(Files.readString(stat, StandardCharsets.UTF_8));
  }

  /** Children's user + system time (cutime + cstime) in a {@code /proc/.../stat} line. */
  static long childrenCpuNanos(String stat) {
    String[] f = fields(stat);
    return (Long.parseLong(f[13]) + Long.parseLong(f[14])) * NANOS_PER_TICK;
  }

  /** User + system time in a {@code /proc/.../stat} line. */
  static long cpuNanos(String stat) {
    String[] f = fields(stat);
    return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * NANOS_PER_TICK;
  }

  /**
   * The fields after "pid (comm) ": state ppid pgrp session tty tpgid flags minflt cminflt majflt
   * cmajflt utime stime cutime cstime ...
   */
  private static String[] fields(String stat) {
    return stat.substring(stat.lastIndexOf(')') + 2).split(" ");
  }
}
