package dev.fluke.app.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fluke.app.cli.FlukeCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Clock;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@code fluke bench server} end to end, small and over TLS: a real server in this JVM with a
 * certificate made by openssl, simulated agents in a child process over grpcs://, the webhook over
 * https. Asserts what the run did (how many checks and applies the server counted in each phase,
 * every figure printed), never how fast.
 */
class ServerCostsCommandIT {

  @Test
  void aSmallFleetOverTlsIsMeasuredPhaseByPhase() {
    String report =
        BenchRun.of(
                "bench",
                "server",
                "--agents",
                "6",
                "--tasks",
                "2",
                "--executors",
                "2",
                "--tls",
                "--warmup",
                "0",
                "--idle",
                "1s",
                "--connect-rate",
                "50",
                "--timeout",
                "3m")
            .report();
    assertTrue(report.startsWith("fluke bench server: 6 agents, 2 tasks x 2 blocks, TLS"), report);
    for (String figure :
        new String[] {
          "server CPU while idle with the fleet",
          "server CPU per registration",
          "server CPU per check report (2 tasks)",
          "full-fleet check: webhook -> last report",
          "webhook -> apply result, 6 drifted agents"
        }) {
      assertTrue(report.contains(figure), figure + " missing in:\n" + report);
    }
    // every agent checked every block of the commit: 6 x 2 x 2
    Matcher checks = Pattern.compile("; (\\d+) block checks;").matcher(report);
    assertTrue(checks.find(), report);
    assertTrue(Long.parseLong(checks.group(1)) >= 24, report);
    // one task drifted on every agent, then every task: one apply each, then two each
    assertTrue(report.contains("one task drifted   "), report);
    assertTrue(report.contains("(6 apply steps;"), report);
    assertTrue(report.contains("(12 apply steps;"), report);
  }

  @Test
  void badNumbersAreAUsageError() {
    var cli = FlukeCommand.commandLine(Map.of(), Clock.systemUTC());
    cli.setErr(new PrintWriter(new StringWriter(), true));
    assertEquals(2, cli.execute("bench", "server", "--agents", "0"));
    assertEquals(2, cli.execute("bench", "server", "--warmup", "-1"));
  }
}
