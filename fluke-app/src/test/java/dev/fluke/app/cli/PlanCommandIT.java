package dev.fluke.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fluke.api.PlanResult;
import dev.fluke.api.PlanResult.AgentCheck;
import dev.fluke.api.PlanResult.Change;
import dev.fluke.api.PlanResult.CheckResult;
import dev.fluke.hcl.SourcePos;
import dev.fluke.http.HttpApi;
import dev.fluke.http.TestFleetApi;
import dev.fluke.manifest.ManifestError;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code fluke plan} in-process against the real HTTP API over scripted plans: the table, the JSON
 * and the exit code of each verdict.
 */
class PlanCommandIT {
  private static final ActorTestKit testKit = ActorTestKit.create();
  private static final Instant T = Instant.parse("2026-12-05T08:00:00Z");
  private static final String COMMIT = "4be2c0ffee1234567890abcdef1234567890abcd";
  private static final String IN_FORCE = "9a8b7c6d5e4f30211234567890abcdef12345678";
  private static ServerBinding binding;
  private static volatile Duration askedTimeout;

  private static PlanResult result(String ref) {
    return switch (ref) {
      case "add-tls" ->
          new PlanResult(
              ref,
              COMMIT,
              IN_FORCE,
              PlanResult.Verdict.CHANGES,
              null,
              List.of(),
              List.of(
                  new PlanResult.PlanTask("deploy_app", Change.UNCHANGED, List.of()),
                  new PlanResult.PlanTask(
                      "tls_cert",
                      Change.NEW,
                      List.of(
                          new AgentCheck(
                              "web-01", CheckResult.WOULD_APPLY, "shell \"cert\": check exited 1"),
                          new AgentCheck("web-02", CheckResult.NO_CHANGE, ""))),
                  new PlanResult.PlanTask("old_cron", Change.REMOVED, List.of())),
              List.of(
                  new PlanResult.AgentChange(
                      "web-01", true, List.of("tls_cert"), List.of("old_cron")),
                  new PlanResult.AgentChange(
                      "web-02", true, List.of("tls_cert"), List.of("old_cron"))),
              T,
              T);
      case "docs" ->
          new PlanResult(
              ref,
              COMMIT,
              IN_FORCE,
              PlanResult.Verdict.NO_CHANGE,
              null,
              List.of(),
              List.of(new PlanResult.PlanTask("deploy_app", Change.UNCHANGED, List.of())),
              List.of(),
              T,
              T);
      default ->
          PlanResult.failed(
              ref,
              COMMIT,
              IN_FORCE,
              "the manifests of "
                  + ref
                  + " have 1 error(s); the first: web.fluke.hcl:7:3: unknown attribute \"comand\"",
              List.of(
                  new ManifestError(
                      new SourcePos("web.fluke.hcl", 7, 3), "unknown attribute \"comand\"")),
              T,
              T);
    };
  }

  @BeforeAll
  static void serve() throws Exception {
    TestFleetApi api =
        new TestFleetApi() {
          @Override
          public CompletionStage<PlanResult> plan(String ref, Duration timeout) {
            askedTimeout = timeout;
            return CompletableFuture.completedFuture(result(ref));
          }
        };
    binding =
        HttpApi.bind(testKit.system(), "127.0.0.1", 0, api, Set.of())
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
  }

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  private record Run(int exit, String out, String err) {}

  private Run fluke(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    var cli =
        FlukeCommand.commandLine(
            Map.of("FLUKE_SERVER", "http://127.0.0.1:" + binding.localAddress().getPort()),
            Clock.fixed(T, ZoneOffset.UTC));
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int exit = cli.execute(args);
    return new Run(exit, out.toString(), err.toString());
  }

  @Test
  void changesArePrintedPerTaskAndAgentAndExitTwo() {
    Run run = fluke("plan", "--ref", "add-tls", "--timeout", "90s");

    assertEquals(2, run.exit(), run.err());
    assertEquals(
        """
        Plan of add-tls (commit 4be2c0ffee) against 9a8b7c6d5e in force: changes

        TASK      CHANGE   AGENT   RESULT       MESSAGE
        tls_cert  new      web-01  would apply  shell "cert": check exited 1
        tls_cert  new      web-02  no change    -
        old_cron  removed  -       -            no longer reconciled
        1 task(s) unchanged (not checked).

        AGENT   CONNECTED  GAINS     LOSES
        web-01  yes        tls_cert  old_cron
        web-02  yes        tls_cert  old_cron
        """,
        run.out());
    assertEquals(Duration.ofSeconds(90), askedTimeout);
  }

  @Test
  void noChangeExitsZero() {
    askedTimeout = Duration.ZERO;
    Run run = fluke("plan", "--ref", "docs");

    assertEquals(0, run.exit(), run.err());
    assertTrue(run.out().startsWith("Plan of docs (commit 4be2c0ffee) against"), run.out());
    assertTrue(run.out().contains("No task is new, changed or removed."), run.out());
    assertEquals(null, askedTimeout, "no --timeout: the server's default");
  }

  @Test
  void aRefThatDoesNotLoadPrintsItsErrorsWithFileLineAndExitsOne() {
    Run run = fluke("plan", "--ref", "broken");

    assertEquals(1, run.exit(), run.err());
    assertTrue(run.out().contains(": errors"), run.out());
    assertTrue(run.out().contains("  web.fluke.hcl:7:3: unknown attribute \"comand\""), run.out());
  }

  @Test
  void jsonIsTheServersAnswerWithTheSameExitCode() throws Exception {
    Run run = fluke("plan", "--ref", "add-tls", "-o", "json");

    assertEquals(2, run.exit(), run.err());
    JsonNode plan = new ObjectMapper().readTree(run.out());
    assertEquals("changes", plan.path("verdict").asText());
    assertEquals(
        "would_apply", plan.path("tasks").get(1).path("agents").get(0).path("result").asText());
    assertEquals(2, fluke("plan").exit(), "--ref is required: a usage error");
  }
}
