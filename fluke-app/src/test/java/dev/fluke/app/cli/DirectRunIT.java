package dev.fluke.app.cli;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fluke.api.TargetKind;
import dev.fluke.http.ApiAuth;
import dev.fluke.http.ApiErrors;
import dev.fluke.http.ApiJson;
import dev.fluke.http.HttpApi;
import dev.fluke.http.TestFleetApi;
import dev.fluke.http.ui.LiveStreamRoutes;
import dev.fluke.http.ui.TestLiveFeed;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The everyday questions run without picocli ({@link DirectRun}) when their command line is plain,
 * and then print exactly what picocli's run of the same command prints, with the same exit code:
 * each command line below runs both ways against the real HTTP API (fluke-http, in-memory {@link
 * TestFleetApi}, a free loopback port). Every other command line is left to picocli untouched.
 */
class DirectRunIT {
  private static final ActorTestKit testKit = ActorTestKit.create();
  private static final Instant NOW = Instant.parse("2025-03-01T13:00:10Z");
  private static final String TOKEN = "s3cret-token";
  private static final List<ServerBinding> bindings = new ArrayList<>();
  private static String open;
  private static String guarded;

  @BeforeAll
  static void serve() throws Exception {
    TestFleetApi fleet = new TestFleetApi();
    fleet
        .suspend(TargetKind.AGENT, "web-01", "alice", "disk swap", Duration.ofHours(2))
        .toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
    open = bind(fleet, Set.of());
    guarded = bind(new TestFleetApi(), Set.of(TOKEN));
  }

  private static String bind(TestFleetApi fleet, Set<String> tokens) throws Exception {
    ObjectMapper mapper = ApiJson.create();
    ApiErrors errors = new ApiErrors(mapper);
    var stream =
        new LiveStreamRoutes(
                new TestLiveFeed(),
                mapper,
                new ApiAuth(tokens, errors),
                errors,
                Duration.ofMillis(200))
            .routes();
    ServerBinding binding =
        HttpApi.bind(testKit.system(), "127.0.0.1", 0, HttpApi.routes(fleet, tokens, stream))
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
    bindings.add(binding);
    return "http://127.0.0.1:" + binding.localAddress().getPort();
  }

  @AfterAll
  static void stop() throws Exception {
    for (ServerBinding b : bindings) {
      b.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
    testKit.shutdownTestKit();
  }

  record Run(int exit, String out, String err) {}

  private static Map<String, String> env() {
    Map<String, String> env = new HashMap<>();
    env.put("FLUKE_SERVER", open);
    return env;
  }

  private static Clock clock() {
    return Clock.fixed(NOW, ZoneOffset.UTC);
  }

  private static Run picocli(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    var cli = FlukeCommand.commandLine(env(), clock());
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int exit = cli.execute(args);
    return new Run(exit, out.toString(), err.toString());
  }

  private static Run direct(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit =
        DirectRun.run(args, env(), clock(), new PrintWriter(out, true), new PrintWriter(err, true));
    return new Run(exit, out.toString(), err.toString());
  }

  @Test
  void plainQuestionsPrintWhatPicocliPrintsWithTheSameExitCode() {
    List<String[]> plain =
        List.of(
            new String[] {"get", "agents"},
            new String[] {"get", "agents", "web"},
            new String[] {"get", "agents", "role=web", "drifted"},
            new String[] {"get", "agents", "no-such-agent"},
            new String[] {"get", "agents", "-o", "json"},
            new String[] {"get", "agents", "--output=JSON", "web-01"},
            new String[] {"get", "agents", "-o", "table", "--server", open},
            new String[] {"get", "agents", "--server=" + open},
            new String[] {"get", "tasks"},
            new String[] {"get", "tasks", "-o", "json"},
            new String[] {"get", "drift"},
            new String[] {"get", "manifest"},
            new String[] {"get", "suspensions"},
            new String[] {"get", "nodes"},
            new String[] {"get", "agents", "--server", guarded},
            new String[] {"get", "agents", "--server", guarded, "--token", "wrong"},
            new String[] {"get", "agents", "--server", guarded, "--token=" + TOKEN},
            new String[] {"get", "agents", "--server", "http://127.0.0.1:1"},
            new String[] {"describe", "agent", "web-01"},
            new String[] {"describe", "agent", "web-01", "-o", "json"},
            new String[] {"describe", "agent", "ghost"},
            new String[] {"describe", "task", "deploy_app"},
            new String[] {"describe", "task", "--server", open, "no_such_task"});
    for (String[] args : plain) {
      String what = String.join(" ", args);
      Run direct = direct(args);
      assertNotEquals(DirectRun.NOT_PLAIN, direct.exit(), what + " runs without picocli");
      Run picocli = picocli(args);
      assertEquals(picocli, direct, what);
      assertFalse(direct.out().isEmpty() && direct.err().isEmpty(), what + " printed something");
    }
    assertEquals(0, direct("get", "agents").exit());
    assertTrue(direct("get", "agents").out().contains("web-01  connected, suspended"));
    assertTrue(direct("get", "agents", "-o", "json").out().contains("\"name\" : \"web-01\""));
    assertEquals(1, direct("get", "agents", "--server", guarded).exit());
    assertTrue(
        direct("get", "agents", "--server", guarded).err().startsWith("error: "),
        "a failure is reported as picocli's run reports it");
  }

  /**
   * {@code fluke agent --config FILE} starts without picocli; an agent that cannot start (here: its
   * file is missing or broken) fails as picocli's run of it fails.
   */
  @Test
  void aPlainAgentCommandLineRunsWithoutPicocliAndFailsAsPicocliWould(@TempDir Path dir)
      throws Exception {
    Path broken = dir.resolve("agent.hcl");
    Files.writeString(broken, "agent {\n  name = \n}\n");
    String missing = dir.resolve("missing.hcl").toString();
    List<String[]> plain =
        List.of(
            new String[] {"agent", "--config", missing},
            new String[] {"agent", "-c", broken.toString()},
            new String[] {"agent", "--config=" + broken});
    for (String[] args : plain) {
      String what = String.join(" ", args);
      Run direct = direct(args);
      assertNotEquals(DirectRun.NOT_PLAIN, direct.exit(), what + " runs without picocli");
      assertEquals(picocli(args), direct, what);
      assertTrue(direct.err().startsWith("error: "), what + ": " + direct.err());
      assertNotEquals(0, direct.exit(), what);
    }
    assertTrue(direct("agent", "-c", broken.toString()).err().contains("agent.hcl:"));
  }

  @Test
  void everyOtherCommandLineIsLeftToPicocliWithNothingRun() {
    List<String[]> notPlain =
        List.of(
            new String[] {},
            new String[] {"get"},
            new String[] {"get", "bogus"},
            new String[] {"get", "agents", "--help"},
            new String[] {"get", "agents", "-h"},
            new String[] {"get", "agents", "-V"},
            new String[] {"get", "agents", "--bogus"},
            new String[] {"get", "agents", "--bogus=1"},
            new String[] {"get", "agents", "-o", "yaml"},
            new String[] {"get", "agents", "-ojson"},
            new String[] {"get", "agents", "-o=json"},
            new String[] {"get", "agents", "-o"},
            new String[] {"get", "agents", "--server"},
            new String[] {"get", "agents", "--server", "--token", "x"},
            new String[] {"get", "agents", "--server", open, "--server", open},
            new String[] {"get", "agents", "-o", "json", "--output", "table"},
            new String[] {"get", "agents", "--server", "ftp://x"},
            new String[] {"get", "agents", "@args.txt"},
            new String[] {"get", "agents", "--", "-x"},
            new String[] {"get", "agents", ""},
            new String[] {"get", "tasks", "web"},
            new String[] {"get", "events"},
            new String[] {"get", "rollout"},
            new String[] {"describe"},
            new String[] {"describe", "agent"},
            new String[] {"describe", "agent", "web-01", "web-02"},
            new String[] {"describe", "bogus", "x"},
            new String[] {"get", "describe", "agent"},
            new String[] {"version"},
            new String[] {"agent"},
            new String[] {"agent", "--help"},
            new String[] {"agent", "-c"},
            new String[] {"agent", "-cagent.hcl"},
            new String[] {"agent", "-c=agent.hcl"},
            new String[] {"agent", "--config", "--help"},
            new String[] {"agent", "--config", "a.hcl", "--config", "b.hcl"},
            new String[] {"agent", "--config", "@args.txt"},
            new String[] {"agent", "--config="},
            new String[] {"agent", "extra", "--config", "a.hcl"});
    for (String[] args : notPlain) {
      Run direct = direct(args);
      String what = String.join(" ", args);
      assertEquals(new Run(DirectRun.NOT_PLAIN, "", ""), direct, what + " is left to picocli");
    }
    Run usage = picocli("get", "agents", "-o", "yaml");
    assertEquals(2, usage.exit(), "picocli still reports a bad value as a usage error");
  }
}
