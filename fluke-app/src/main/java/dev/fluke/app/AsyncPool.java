package dev.fluke.app;

/**
 * The JVM's shared pool for asynchronous completions, sized before anything uses it.
 *
 * <p>{@code CompletableFuture}'s {@code *Async} methods without an executor run on the common
 * {@code ForkJoinPool}, but only when its parallelism is at least 2; below that the JDK starts a
 * <b>new thread for every such task</b> ({@code CompletableFuture.ThreadPerTaskExecutor}). The
 * common pool's parallelism is the number of CPUs less one, so a host with one or two CPUs gets a
 * thread per task. Every Pekko {@code ask} made through the Java API completes that way (Scala's
 * converted futures run their dependents asynchronously), so on a 2-CPU machine a server started
 * and ended thousands of threads a minute under load, and an agent one per result it sent
 * (docs/performance.md, "A thread per completion").
 */
final class AsyncPool {
  static final String PARALLELISM = "java.util.concurrent.ForkJoinPool.common.parallelism";

  private AsyncPool() {}

  /**
   * Sets the common pool's parallelism to at least 2 unless the operator chose one ({@code
   * -Djava.util.concurrent.ForkJoinPool.common.parallelism=N}); must run before anything touches
   * {@code ForkJoinPool} or {@code CompletableFuture}, i.e. first in {@code main}.
   */
  static void sizeCommonPool() {
    String chosen = System.getProperty(PARALLELISM);
    String size = parallelism(chosen, Runtime.getRuntime().availableProcessors());
    if (size != null) {
      System.setProperty(PARALLELISM, size);
    }
  }

  /**
   * The parallelism to set for a host with {@code cpus} CPUs, or null to leave the JDK's choice (an
   * operator's, or the JDK's default of {@code cpus - 1} when that is at least 2).
   */
  static String parallelism(String chosen, int cpus) {
    if (chosen != null || cpus - 1 >= 2) {
      return null;
    }
    return "2";
  }
}
