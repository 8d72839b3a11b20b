package dev.fluke.app;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * On a host with two CPUs the JDK runs every default-executor async completion on a thread of its
 * own; Pekko's Java {@code ask} completes that way. {@link Main} sizes the common pool first, so
 * the completion runs on a pooled thread. The JVMs here are told they have two CPUs.
 */
class AsyncPoolTest {
  @Test
  void onTwoCpusAnAskCompletesOnANewThreadUnlessThePoolIsSized() throws Exception {
    assertTrue(
        probe(List.of()).matches("completed on Thread-\\d+"),
        "without sizing, the JDK's thread per task (the problem this guards against)");
    assertTrue(
        probe(List.of("sized")).matches("completed on ForkJoinPool\\.commonPool-worker-\\d+"),
        "sized as Main does: the common pool");
  }

  @Test
  void theOperatorsChoiceStandsAndHostsWithThreeOrMoreCpusKeepTheJdksDefault() {
    assertEquals("2", AsyncPool.parallelism(null, 1));
    assertEquals("2", AsyncPool.parallelism(null, 2));
    assertNull(AsyncPool.parallelism(null, 3), "the JDK's own 2");
    assertNull(AsyncPool.parallelism(null, 16));
    assertNull(AsyncPool.parallelism("1", 2), "-D...common.parallelism=1 is the operator's choice");
  }

  private static String probe(List<String> args) throws IOException, InterruptedException {
    List<String> command =
        new ArrayList<>(
            List.of(
                ProcessHandle.current().info().command().orElse("java"),
                "-XX:ActiveProcessorCount=2",
                "-cp",
                System.getProperty("java.class.path"),
                AsyncPoolProbe.class.getName()));
    command.addAll(args);
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), out);
    assertEquals(0, p.exitValue(), out);
    return out.lines()
        .filter(l -> l.startsWith("completed on "))
        .findFirst()
        .orElseThrow(() -> new AssertionError(out));
  }
}
