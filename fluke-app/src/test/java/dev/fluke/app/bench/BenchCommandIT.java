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
 * {@code fluke bench} end to end, small: a real server in this JVM, simulated agents in a child
 * process over loopback gRPC. Asserts what the run did (every agent connected, cycled, got the new
 * commit, and drifted blocks were applied), never how fast.
 */
class BenchCommandIT {

  @Test
  void aSmallFleetConnectsCyclesAndTakesANewCommit() {
    String report =
        BenchRun.of(
                "bench",
                "--agents",
                "12",
                "--tasks",
                "2",
                "--executors",
                "2",
                "--drift",
                "0.5",
                "--connect-rate",
                "100",
                "--timeout",
                "2m")
            .report();
    assertTrue(
        report.startsWith("fluke bench: 12 agents, 2 tasks x 2 shell blocks, drift 50%"), report);
    for (String figure :
        new String[] {
          "connect (all agents registered",
          "first cycle done on every agent",
          "server heap per connected agent",
          "server threads",
          "HTTP GET /api/v1/agents",
          "new commit checked by every agent",
          "server restart: every agent back / cycled again"
        }) {
      assertTrue(report.contains(figure), figure + " missing in:\n" + report);
    }
    Matcher hosts = Pattern.compile("checks=(\\d+) applies=(\\d+)").matcher(report);
    assertTrue(hosts.find(), report);
    // 12 agents x 4 blocks, checked at connect and after the commit (plus verifies): at least 96
    // checks;
    // half of the pairs start drifted and half drift again with the new commit: some applies.
    assertTrue(Long.parseLong(hosts.group(1)) >= 96, report);
    assertTrue(Long.parseLong(hosts.group(2)) > 0, report);
  }

  @Test
  void badNumbersAreAUsageError() {
    var cli = FlukeCommand.commandLine(Map.of(), Clock.systemUTC());
    cli.setErr(new PrintWriter(new StringWriter(), true));
    assertEquals(2, cli.execute("bench", "--agents", "0"));
    assertEquals(2, cli.execute("bench", "--drift", "1.5"));
  }
}
