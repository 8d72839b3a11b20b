package dev.fluke.app.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fluke.app.cli.FlukeCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Clock;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@code fluke bench agent} end to end, small: no-op checks in this JVM, then a real server here
 * and a real agent process (this class path's {@code fluke agent}) on loopback. Asserts what the
 * run reports (every figure, an agent that was really measured), never how fast.
 */
class AgentBenchCommandIT {

  @Test
  void measuresChecksInProcessAndThroughARealAgent() {
    String report =
        BenchRun.of(
                System.getenv(),
                "bench",
                "agent",
                "--checks",
                "4",
                "--rounds",
                "2",
                "--warmup",
                "1",
                "--settle",
                "1s")
            .report();
    assertTrue(
        report.startsWith("fluke bench agent: 4 no-op shell checks (/bin/sh -c true)"), report);
    for (String figure :
        new String[] {
          "bare spawn from this JVM",
          "no-op check through the shell executor",
          "per-check overhead over the spawn",
          "reconcile -> agent idle, 4 checks",
          "the same checks from a shell loop",
          "reconcile -> idle over the shell loop",
          "agent's CPU per reconcile",
          "its checks' processes' CPU per reconcile",
          "agent started as"
        }) {
      assertTrue(report.contains(figure), figure + " missing in:\n" + report);
    }
    Matcher idle =
        Pattern.compile("idle agent after the rounds\\s+RSS (\\d+\\.\\d) MiB, (\\d+) threads")
            .matcher(report);
    assertTrue(idle.find(), report);
    assertTrue(Double.parseDouble(idle.group(1)) > 0, report);
    assertTrue(Integer.parseInt(idle.group(2)) > 1, report);
  }

  @Test
  void badNumbersAreAUsageError() {
    var cli = FlukeCommand.commandLine(System.getenv(), Clock.systemUTC());
    cli.setErr(new PrintWriter(new StringWriter(), true));
    assertEquals(2, cli.execute("bench", "agent", "--checks", "0"));
    assertEquals(2, cli.execute("bench", "agent", "--shell", "/no/such/shell"));
  }
}
