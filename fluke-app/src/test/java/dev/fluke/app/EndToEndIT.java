package dev.fluke.app;

import static dev.fluke.app.Fleet.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fluke.api.Dto;
import dev.fluke.events.EventQuery;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fluke end to end: a real server and real agents (separate actor systems) over loopback gRPC, a
 * real manifest Git repository, real processes and the real mise, observed through the real HTTP
 * API.
 */
class EndToEndIT {
  @TempDir Path tmp;
  private Fleet fleet;

  @AfterEach
  void stop() {
    if (fleet != null) {
      fleet.close();
    }
  }

  private String marker(String name) {
    return tmp.resolve("host").resolve(name).toString();
  }

  private String fileTask(String task, String file, String extra) {
    return """
        task "%s" {
          %s
          selector { match_labels = { role = "web" } }
          shell "file" {
            check   = "test -f %s"
            command = "mkdir -p $(dirname %s) && echo applied > %s"
          }
        }
        """
        .formatted(task, extra, file, file, file);
  }

  @Test
  void newCommitIsAppliedAndHandMadeDriftIsRemediatedOnTheNextCycle() throws IOException {
    fleet =
        Fleet.start(
            tmp, Map.of("web.fluke.hcl", fileTask("motd", marker("motd"), "")), "remediate");
    fleet.startAgent("web-01", "{ role = \"web\" }");

    fleet.awaitStatus("web-01", "motd", "satisfied");
    assertTrue(Files.exists(Path.of(marker("motd"))));

    // a new commit adds a task: it is applied without anyone asking
    String commit = fleet.commit("more.fluke.hcl", fileTask("banner", marker("banner"), ""));
    fleet.awaitStatus("web-01", "banner", "satisfied");
    assertTrue(Files.exists(Path.of(marker("banner"))));
    assertEquals(commit, fleet.api.manifest().value().commit());

    // drift made by hand is put back by the next interval cycle
    Files.delete(Path.of(marker("motd")));
    await(
        "motd is recreated",
        Duration.ofSeconds(30),
        () -> Files.exists(Path.of(marker("motd"))),
        () -> "");
    fleet.awaitStatus("web-01", "motd", "satisfied");
    assertFalse(
        fleet.api.events(new EventQuery("web-01", "motd", "applied", 10)).value().isEmpty());
  }

  @Test
  void alertOnlyPostsDriftDetectedAppliesNothingUntilAManualReconcile() throws IOException {
    fleet =
        Fleet.start(
            tmp,
            Map.of(
                "a.fluke.hcl",
                fileTask("cert", marker("cert"), "drift { policy = \"alert_only\" }")),
            "remediate");
    fleet.startAgent("web-01", "{ role = \"web\", env = \"prod\" }");

    fleet.awaitStatus("web-01", "cert", "drifted");
    await(
        "drift_detected is posted",
        Duration.ofSeconds(20),
        () -> !fleet.alerts("drift_detected").isEmpty(),
        () -> fleet.alerts);
    JsonNode alert = fleet.alerts("drift_detected").get(0);
    assertEquals("web-01", alert.path("agent").path("name").asText());
    assertEquals("prod", alert.path("agent").path("labels").path("env").asText());
    assertEquals("cert", alert.path("task").asText());
    assertEquals("alert_only", alert.path("policy").asText());
    assertFalse(alert.path("timestamp").asText().isEmpty());
    assertFalse(alert.path("remediation_status").asText().isEmpty());

    // several more cycles: still not applied, and the alert fired once for this drift episode
    Dto.AgentSummary before = fleet.agent("web-01").orElseThrow().agent();
    await(
        "two more cycles ran",
        Duration.ofSeconds(20),
        () -> {
          Dto.AgentSummary now = fleet.agent("web-01").orElseThrow().agent();
          return now.lastCycleEndedAt() != null
              && before.lastCycleEndedAt() != null
              && now.lastCycleEndedAt().isAfter(before.lastCycleEndedAt().plusSeconds(3));
        },
        () -> fleet.agent("web-01"));
    assertFalse(Files.exists(Path.of(marker("cert"))), "alert_only must not apply");
    assertEquals(1, fleet.alerts("drift_detected").size(), "one alert per drift episode");

    // a manual reconcile always applies
    Dto.ReconcileAccepted accepted = fleet.api.reconcile(Dto.ReconcileTarget.task("cert")).value();
    assertTrue(accepted.accepted());
    assertEquals(java.util.List.of("web-01"), accepted.agents());
    fleet.awaitStatus("web-01", "cert", "satisfied");
    assertTrue(Files.exists(Path.of(marker("cert"))));
  }

  @Test
  void remediateAndAlertAppliesThenPostsDriftRemediated() throws IOException {
    fleet =
        Fleet.start(
            tmp,
            Map.of(
                "a.fluke.hcl",
                fileTask("conf", marker("conf"), "drift { policy = \"remediate_and_alert\" }")),
            "remediate");
    fleet.startAgent("web-01", "{ role = \"web\" }");

    fleet.awaitStatus("web-01", "conf", "satisfied");
    assertTrue(Files.exists(Path.of(marker("conf"))));
    await(
        "drift_remediated is posted",
        Duration.ofSeconds(20),
        () -> !fleet.alerts("drift_remediated").isEmpty(),
        () -> fleet.alerts);
    JsonNode alert = fleet.alerts("drift_remediated").get(0);
    assertEquals("conf", alert.path("task").asText());
    assertEquals("web-01", alert.path("agent").path("name").asText());
    assertFalse(alert.path("outcome").asText().isEmpty());
  }

  @Test
  void brokenManifestCommitKeepsTheLastGoodStateAndShowsTheError() throws IOException {
    fleet =
        Fleet.start(
            tmp, Map.of("web.fluke.hcl", fileTask("motd", marker("motd"), "")), "remediate");
    fleet.startAgent("web-01", "{ role = \"web\" }");
    fleet.awaitStatus("web-01", "motd", "satisfied");
    String good = fleet.api.manifest().value().commit();

    String bad =
        fleet.commit(
            "broken.fluke.hcl",
            """
        task "broken" {
          selector { match_labels = { role = "web" } }
          shell "x" {
            check   = "true"
            command = upper_case("nope")
          }
        }
        """);
    await(
        "the bad commit is rejected",
        Duration.ofSeconds(20),
        () ->
            bad.equals(fleet.api.manifest().value().candidateCommit())
                && !fleet.api.manifest().value().errors().isEmpty(),
        () -> fleet.api.manifest().value());
    Dto.ManifestStatus status = fleet.api.manifest().value();
    assertEquals(good, status.commit(), "the last good commit stays in force");
    assertEquals("broken.fluke.hcl", status.errors().get(0).pos().file());
    assertEquals(5, status.errors().get(0).pos().line());
    assertTrue(status.errors().get(0).message().contains("upper_case"), status.errors().toString());

    // the last good desired state is still enforced
    Files.delete(Path.of(marker("motd")));
    await(
        "motd is recreated",
        Duration.ofSeconds(30),
        () -> Files.exists(Path.of(marker("motd"))),
        () -> "");
    assertEquals("absent", fleet.status("web-01", "broken"));
  }

  @Test
  void agentWithAWrongOrMissingTokenIsRefusedAndNeverRegistered() throws IOException {
    fleet =
        Fleet.start(
            tmp, Map.of("web.fluke.hcl", fileTask("motd", marker("motd"), "")), "remediate");
    fleet.startAgent("intruder", "{ role = \"web\" }", "not-the-token");
    fleet.startAgent("good", "{ role = \"web\" }");
    fleet.awaitStatus("good", "motd", "satisfied");
    assertTrue(fleet.agent("intruder").isEmpty(), "a refused agent is never registered");
    assertTrue(fleet.api.agents().value().stream().noneMatch(a -> a.name().equals("intruder")));
  }

  @Test
  void executorOrderIsKeptAcrossTypesShellMiseShell() throws IOException {
    Path app = tmp.resolve("app");
    Files.createDirectories(app);
    Path log = tmp.resolve("order.log");
    Files.writeString(
        app.resolve(".mise.toml"),
        """
        [tasks.check]
        run = "grep -q mise %s"
        [tasks.apply]
        run = "echo mise >> %s"
        """
            .formatted(log, log));
    fleet =
        Fleet.start(
            tmp,
            Map.of(
                "order.fluke.hcl",
                """
        task "ordered" {
          selector { match_labels = { role = "web" } }
          shell "first" {
            check   = "grep -q first %1$s"
            command = "echo first >> %1$s"
          }
          mise "middle" {
            working_dir = "%2$s"
          }
          shell "last" {
            check   = "grep -q last %1$s"
            command = "echo last >> %1$s"
          }
        }
        """
                    .formatted(log, app)),
            "remediate");
    fleet.startAgent("web-01", "{ role = \"web\" }");

    fleet.awaitStatus("web-01", "ordered", "satisfied");
    assertEquals("first\nmise\nlast\n", Files.readString(log));
    Dto.TaskStatus status = fleet.taskStatus("web-01", "ordered").orElseThrow();
    assertEquals(
        java.util.List.of("first", "middle", "last"),
        status.executors().stream().map(Dto.ExecutorStatus::name).toList());
  }

  @Test
  void onFailureContinueRunsTheNextBlockAndAbortStopsTheTask() throws IOException {
    fleet =
        Fleet.start(
            tmp,
            Map.of(
                "f.fluke.hcl",
                """
        task "goes_on" {
          selector { match_labels = { role = "web" } }
          shell "broken" {
            check      = "false"
            command    = "exit 3"
            on_failure = "continue"
          }
          shell "after" {
            check   = "test -f %1$s"
            command = "touch %1$s"
          }
        }
        task "stops" {
          selector { match_labels = { role = "web" } }
          shell "broken" {
            check   = "false"
            command = "exit 3"
          }
          shell "after" {
            check   = "test -f %2$s"
            command = "touch %2$s"
          }
        }
        """
                    .formatted(tmp.resolve("continued"), tmp.resolve("aborted"))),
            "remediate");
    fleet.startAgent("web-01", "{ role = \"web\" }");

    await(
        "both tasks applied once",
        Duration.ofSeconds(30),
        () ->
            "failed".equals(fleet.status("web-01", "goes_on"))
                && "failed".equals(fleet.status("web-01", "stops")),
        () -> fleet.agent("web-01"));
    assertTrue(Files.exists(tmp.resolve("continued")), "continue: the next block ran");
    assertFalse(Files.exists(tmp.resolve("aborted")), "abort: the next block did not run");
  }

  @Test
  void aCheckThatTimesOutIsAnExecutionErrorAndIsNeverApplied() throws IOException {
    fleet =
        Fleet.start(
            tmp,
            Map.of(
                "t.fluke.hcl",
                """
        task "slow" {
          selector { match_labels = { role = "web" } }
          shell "hangs" {
            check   = "sleep 30"
            command = "touch %s"
          }
        }
        """
                    .formatted(tmp.resolve("applied"))),
            "remediate");
    fleet.startAgent("web-01", "{ role = \"web\" }");

    fleet.awaitStatus("web-01", "slow", "error");
    Dto.TaskStatus status = fleet.taskStatus("web-01", "slow").orElseThrow();
    assertTrue(status.executors().get(0).message().contains("timed out"), status.toString());
    assertFalse(Files.exists(tmp.resolve("applied")), "an execution error never leads to an apply");
  }

  @Test
  void agentKilledMidApplyIsNoticedAndRecheckedWhenItReturns() throws IOException {
    Path started = tmp.resolve("started");
    Path done = tmp.resolve("done");
    fleet =
        Fleet.start(
            tmp,
            Map.of(
                "k.fluke.hcl",
                """
        task "slow_apply" {
          selector { match_labels = { role = "web" } }
          shell "deploy" {
            check   = "test -f %2$s"
            command = "touch %1$s && sleep 2.5 && touch %2$s"
          }
        }
        """
                    .formatted(started, done)),
            "remediate");
    AgentNode agent = fleet.startAgent("web-01", "{ role = \"web\" }");
    await(
        "the apply started",
        Duration.ofSeconds(30),
        () -> Files.exists(started),
        () -> fleet.agent("web-01"));

    // Stopped mid-apply; with the fleet's 1 s stop_grace the apply is killed with its process tree.
    fleet.stopAgent(agent);
    await(
        "the server notices the agent is gone",
        Duration.ofSeconds(20),
        () -> !fleet.agent("web-01").orElseThrow().agent().connected(),
        () -> fleet.agent("web-01"));
    assertFalse(Files.exists(done));

    fleet.startAgent("web-01", "{ role = \"web\" }");
    fleet.awaitStatus("web-01", "slow_apply", "satisfied");
    assertTrue(Files.exists(done), "re-checked and applied after the agent returned");
  }
}
