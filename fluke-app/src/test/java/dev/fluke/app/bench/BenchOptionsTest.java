package dev.fluke.app.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fluke.api.CyclePhase;
import dev.fluke.api.Dto;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

/**
 * {@code fluke bench} and {@code fluke bench server} share their fleet options ({@link
 * FleetOptions}) and the test of a cycled agent.
 */
class BenchOptionsTest {
  private static BenchCommand bench(String... args) {
    BenchCommand command = new BenchCommand();
    new CommandLine(command).parseArgs(args);
    return command;
  }

  private static ServerCostsCommand server(String... args) {
    ParseResult parsed = new CommandLine(new BenchCommand()).parseArgs(args);
    return (ServerCostsCommand) parsed.subcommand().commandSpec().userObject();
  }

  @Test
  void theJvmOptionsOfTheNodesAndOfTheSimulatorAreSplitAtSpaces() {
    BenchCommand bench =
        bench(
            "--server-java-opts",
            " -Xss1m  -XX:+UseSerialGC ",
            "--agents-java-opts",
            "-XX:TieredStopAtLevel=1");
    assertEquals(
        List.of("-Xss1m", "-XX:+UseSerialGC"), BenchCommand.javaOpts(bench.serverJavaOpts));
    assertEquals(List.of("-XX:TieredStopAtLevel=1"), BenchCommand.javaOpts(bench.agentsJavaOpts));
    assertEquals(List.of(), BenchCommand.javaOpts(bench().agentsJavaOpts));
  }

  @Test
  void bothCommandsHaveTheDocumentedDefaults() {
    BenchCommand bench = bench();
    assertEquals(1000, bench.fleet.agents);
    assertEquals(10, bench.fleet.tasks);
    assertEquals(3, bench.fleet.executors);
    assertEquals(Duration.ofMinutes(15), bench.fleet.timeout);
    assertEquals(500, bench.connectRate);

    ServerCostsCommand server = server("server");
    assertEquals(1000, server.fleet.agents);
    assertEquals(10, server.fleet.tasks);
    assertEquals(3, server.fleet.executors);
    assertEquals(Duration.ofMinutes(15), server.fleet.timeout);
    assertEquals(150, server.connectRate);
  }

  @Test
  void bothCommandsReadTheSharedOptionsByTheirNames() {
    List<String> args =
        List.of("--agents", "7", "--tasks", "2", "--executors", "4", "--timeout", "90s");
    BenchCommand bench = bench(args.toArray(String[]::new));
    ServerCostsCommand server =
        server(
            java.util.stream.Stream.concat(java.util.stream.Stream.of("server"), args.stream())
                .toArray(String[]::new));
    for (FleetOptions fleet : List.of(bench.fleet, server.fleet)) {
      assertEquals(7, fleet.agents);
      assertEquals(2, fleet.tasks);
      assertEquals(4, fleet.executors);
      assertEquals(Duration.ofSeconds(90), fleet.timeout);
    }
  }

  @Test
  void aFleetWithoutAgentsTasksOrBlocksIsNotValid() {
    assertTrue(bench().fleet.valid());
    assertFalse(bench("--agents", "0").fleet.valid());
    assertFalse(server("server", "--tasks", "0").fleet.valid());
    assertFalse(server("server", "--executors", "0").fleet.valid());
  }

  @Test
  void aPhaseThatTakesTooLongSaysWhatItWaitedFor() {
    assertEquals(
        "bench: gave up waiting for every agent's apply after 90s",
        bench("--timeout", "90s").fleet.gaveUp("every agent's apply").getMessage());
  }

  @Test
  void anAgentCountsAsCycledOnlyWhenConnectedAndIdleAfterACycleThatEndedLater() {
    Instant since = Instant.parse("2026-12-05T10:00:00Z");
    Instant after = since.plusSeconds(1);
    List<Dto.AgentSummary> list =
        List.of(
            summary("a", true, CyclePhase.IDLE, after),
            summary("b", true, CyclePhase.APPLYING, after),
            summary("c", false, CyclePhase.IDLE, after),
            summary("d", true, CyclePhase.IDLE, since),
            summary("e", true, CyclePhase.IDLE, null),
            summary("f", true, CyclePhase.IDLE, after));
    assertEquals(2, BenchCommand.cycledSince(list, since));
  }

  private static Dto.AgentSummary summary(
      String name, boolean connected, CyclePhase phase, Instant lastCycleEnd) {
    return new Dto.AgentSummary(
        name, Map.of(), "1", connected, null, null, phase, lastCycleEnd, null, 0);
  }
}
