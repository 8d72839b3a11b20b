package dev.fluke.app.bench;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@code fluke bench --nodes 2 --kill-node --no-cluster --phases a}, small: two real {@code fluke
 * server} processes without a cluster block, simulated agents that know both; the node holding most
 * is killed with {@code kill -9} and every one of its agents must register and cycle on the other
 * (the floor the cluster's failover is measured against, docs/performance.md). Asserts what
 * happened, never how fast.
 */
class NoClusterFailoverIT {
  /** Two independent servers and the kill (the options every run here shares). */
  private static final List<String> PLAIN =
      List.of("bench", "--nodes", "2", "--kill-node", "--no-cluster");

  @Test
  void theAgentsOfAKilledIndependentServerCycleOnTheOther() {
    String report =
        run("--phases", "a", "--agents", "16", "--connect-rate", "50", "--timeout", "2m").report();
    assertTrue(report.contains("--no-cluster (independent servers, no directory)"), report);
    Matcher killed =
        Pattern.compile("\\(a\\) kill -9 of a node holding (\\d+) agents").matcher(report);
    assertTrue(killed.find(), report);
    int held = Integer.parseInt(killed.group(1));
    assertTrue(held >= 8, "the node holding most holds at least half: " + report);
    assertTrue(
        Pattern.compile("cycled again on another node p50 .*\\(" + held + " agents\\)")
            .matcher(report)
            .find(),
        "every agent of the killed node cycled on the other: " + report);
    assertTrue(report.contains("every agent listed once: true"), report);
    assertTrue(report.contains("(independent servers: as the agents came)"), report);
  }

  @Test
  void withoutAClusterOnlyTheKillPhaseRuns() {
    BenchRun run = run("--phases", "a,b", "--agents", "4");
    assertNotEquals(0, run.exit());
    assertTrue(run.err().contains("--no-cluster runs phase a only"), run.err());
  }

  private static BenchRun run(String... more) {
    List<String> args = new ArrayList<>(PLAIN);
    args.addAll(List.of(more));
    return BenchRun.of(args.toArray(String[]::new));
  }
}
