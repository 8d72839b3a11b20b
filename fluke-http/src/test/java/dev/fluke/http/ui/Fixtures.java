package dev.fluke.http.ui;

import dev.fluke.api.CyclePhase;
import dev.fluke.api.Dto;
import dev.fluke.api.Status;
import dev.fluke.events.Event;
import dev.fluke.hcl.SourcePos;
import dev.fluke.manifest.ManifestError;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A small, realistic fleet for the UI tests and the screenshots in docs/images. */
final class Fixtures {
  static final String COMMIT = "4be1c9e07d2f6a8b13c5e9f0a7d4b2c8e6f1a3d5";
  static final String BAD_COMMIT = "9a8b7c6d5e4f32109a8b7c6d5e4f32109a8b7c6d";

  private Fixtures() {}

  static Instant ago(long seconds) {
    return Instant.now().minusSeconds(seconds);
  }

  static Dto.AgentSummary agent(
      String name, Map<String, String> labels, boolean connected, long lastSeenAgo) {
    return new Dto.AgentSummary(
        name,
        labels,
        "0.1.0",
        connected,
        ago(86_400 * 2),
        ago(lastSeenAgo),
        CyclePhase.IDLE,
        ago(lastSeenAgo + 20),
        Dto.StatusCounts.EMPTY,
        0);
  }

  static Dto.TaskStatus status(
      String task, String word, String policy, String message, Dto.ExecutorStatus... executors) {
    Status status = Status.parse(word).orElseThrow();
    return new Dto.TaskStatus(
        task,
        status,
        policy,
        status == Status.DRIFTED && policy.contains("alert"),
        ago(40),
        status == Status.SATISFIED ? ago(3_600 * 5) : null,
        message,
        List.of(executors));
  }

  static Dto.ExecutorStatus exec(
      String type,
      String name,
      String status,
      String phase,
      int exit,
      String output,
      String message) {
    return new Dto.ExecutorStatus(
        name, type, Status.parse(status).orElseThrow(), phase, exit, output, message, ago(40));
  }

  static Dto.TaskSummary task(
      String name,
      String description,
      String policy,
      Map<String, String> selector,
      String file,
      String... executors) {
    return new Dto.TaskSummary(
        name, description, policy, selector, List.of(executors), file, 0, Dto.StatusCounts.EMPTY);
  }

  static Dto.ExecutorDefinition def(String type, String name, String onFailure, Object... kv) {
    Map<String, Object> attrs = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      attrs.put((String) kv[i], kv[i + 1]);
    }
    return new Dto.ExecutorDefinition(type, name, attrs, onFailure);
  }

  static Event event(
      long agoSeconds,
      String kind,
      String agent,
      String task,
      String executor,
      String outcome,
      int exit,
      long millis,
      String output,
      String message) {
    return new Event(
        ago(agoSeconds), kind, agent, task, executor, outcome, exit, millis, output, message);
  }

  static Dto.AgentSummary web01() {
    return agent("web-01", Map.of("role", "web", "env", "prod", "dc", "fra1"), true, 4);
  }

  static List<Dto.TaskStatus> web01Tasks(String deployStatus) {
    return List.of(
        status(
            "base_packages",
            "satisfied",
            "remediate",
            "",
            exec("shell", "packages", "satisfied", "check", 0, "", "check passed")),
        status(
            "deploy_app",
            deployStatus,
            "remediate_and_alert",
            deployStatus.equals("drifted") ? "release 2.4.1 is not deployed (check exited 1)" : "",
            exec(
                "mise",
                "deploy",
                deployStatus,
                "check",
                deployStatus.equals("drifted") ? 1 : 0,
                deployStatus.equals("drifted")
                    ? "[check] deployed: 2.4.0\n[check] wanted:   2.4.1\n"
                    : "",
                deployStatus.equals("drifted") ? "check exited 1" : "check passed"),
            exec(
                "systemd",
                "app",
                "satisfied",
                "check",
                0,
                "",
                "app.service is active and enabled")),
        status(
            "nginx",
            "satisfied",
            "remediate",
            "",
            exec(
                "systemd",
                "nginx",
                "satisfied",
                "check",
                0,
                "",
                "nginx.service is active and enabled")));
  }

  /** Tasks, their definitions and every agent but web-01 (which the tests add live). */
  static void seedTasks(ScriptedFleet fleet) {
    fleet.putTask(
        task(
            "base_packages",
            "Packages every host needs",
            "remediate",
            Map.of(),
            "base.fluke.hcl",
            "shell \"packages\""),
        List.of(
            def(
                "shell",
                "packages",
                "abort",
                "check",
                "dpkg -s curl jq rsync",
                "command",
                "apt-get install -y curl jq rsync")));
    fleet.putTask(
        task(
            "deploy_app",
            "Deploy the web app from its release repo",
            "remediate_and_alert",
            Map.of("role", "web", "env", "prod"),
            "apps/web.fluke.hcl",
            "mise \"deploy\"",
            "systemd \"app\""),
        List.of(
            def(
                "mise",
                "deploy",
                "abort",
                "working_dir",
                "/opt/app",
                "check_task",
                "check",
                "apply_task",
                "apply",
                "git",
                Map.of("url", "https://git.example.org/ops/app.git", "branch", "main")),
            def(
                "systemd",
                "app",
                "abort",
                "unit",
                "app.service",
                "state",
                "running",
                "enabled",
                true)));
    fleet.putTask(
        task(
            "nginx",
            "Front proxy",
            "remediate",
            Map.of("role", "web"),
            "apps/web.fluke.hcl",
            "systemd \"nginx\""),
        List.of(
            def(
                "systemd",
                "nginx",
                "abort",
                "unit",
                "nginx.service",
                "state",
                "running",
                "enabled",
                true)));
    fleet.putTask(
        task(
            "postgres_backup",
            "Nightly base backup timer",
            "alert_only",
            Map.of("role", "db"),
            "db/backup.fluke.hcl",
            "shell \"backup_timer\""),
        List.of(
            def(
                "shell",
                "backup_timer",
                "continue",
                "check",
                "systemctl is-active pg-backup.timer",
                "command",
                "/usr/local/sbin/install-pg-backup",
                "run_as",
                "postgres")));
    fleet.manifest(ScriptedFleet.manifestStatus(COMMIT, COMMIT, ago(1_800), List.of(), 4));
  }

  static void seedOtherAgents(ScriptedFleet fleet) {
    fleet.putAgent(
        agent("web-02", Map.of("role", "web", "env", "prod", "dc", "fra1"), true, 7),
        List.of(
            status(
                "base_packages",
                "satisfied",
                "remediate",
                "",
                exec("shell", "packages", "satisfied", "check", 0, "", "check passed")),
            status(
                "deploy_app",
                "satisfied",
                "remediate_and_alert",
                "",
                exec("mise", "deploy", "satisfied", "check", 0, "", "check passed")),
            status(
                "nginx",
                "satisfied",
                "remediate",
                "",
                exec("systemd", "nginx", "satisfied", "check", 0, "", "active"))));
    fleet.putAgent(
        agent("db-01", Map.of("role", "db", "env", "prod", "dc", "fra1"), true, 11),
        List.of(
            status(
                "base_packages",
                "satisfied",
                "remediate",
                "",
                exec("shell", "packages", "satisfied", "check", 0, "", "check passed")),
            status(
                "postgres_backup",
                "failed",
                "alert_only",
                "apply exited 2",
                exec(
                    "shell",
                    "backup_timer",
                    "failed",
                    "apply",
                    2,
                    "Created symlink /etc/systemd/system/timers.target.wants/pg-backup.timer\nJob for pg-backup.timer failed.\n",
                    "apply exited 2"))));
    fleet.putAgent(
        agent("edge-01", Map.of("role", "edge", "env", "staging"), false, 5_400),
        List.of(
            status(
                "base_packages",
                "error",
                "remediate",
                "sudo: a password is required",
                exec(
                    "shell",
                    "packages",
                    "error",
                    "check",
                    -1,
                    "",
                    "sudo: a password is required"))));
    fleet.addEvent(
        event(
            5_400,
            "agent",
            "edge-01",
            "",
            "",
            "disconnected",
            -1,
            0,
            "",
            "stream closed by the agent"));
    fleet.addEvent(
        event(
            5_460,
            "check",
            "edge-01",
            "base_packages",
            "shell \"packages\"",
            "error",
            -1,
            12,
            "",
            "sudo: a password is required"));
    fleet.addEvent(
        event(
            600,
            "apply",
            "db-01",
            "postgres_backup",
            "shell \"backup_timer\"",
            "failed",
            2,
            2_310,
            "Job for pg-backup.timer failed.\n",
            "apply exited 2"));
    fleet.addEvent(
        event(
            660,
            "check",
            "db-01",
            "postgres_backup",
            "shell \"backup_timer\"",
            "drifted",
            3,
            45,
            "",
            "check exited 3"));
    fleet.addEvent(
        event(
            120,
            "check",
            "web-02",
            "deploy_app",
            "mise \"deploy\"",
            "satisfied",
            0,
            850,
            "",
            "check passed"));
  }

  static void seedWeb01Events(ScriptedFleet fleet) {
    fleet.addEvent(
        event(
            3_600 * 3,
            "agent",
            "web-01",
            "",
            "",
            "connected",
            -1,
            0,
            "",
            "registered with labels dc=fra1, env=prod, role=web"));
    fleet.addEvent(
        event(
            45,
            "check",
            "web-01",
            "base_packages",
            "shell \"packages\"",
            "satisfied",
            0,
            96,
            "",
            "check passed"));
    fleet.addEvent(
        event(
            42,
            "check",
            "web-01",
            "deploy_app",
            "mise \"deploy\"",
            "drifted",
            1,
            1_240,
            "[check] deployed: 2.4.0\n[check] wanted:   2.4.1\n",
            "check exited 1"));
    fleet.addEvent(
        event(
            41,
            "alert",
            "web-01",
            "deploy_app",
            "",
            "sent",
            -1,
            0,
            "",
            "drift_detected sent to alert_webhook"));
  }

  static List<ManifestError> manifestErrors() {
    return List.of(
        new ManifestError(
            new SourcePos("apps/web.fluke.hcl", 14, 5),
            "unknown attribute \"comand\" in shell \"migrate\"; expected one of: check, command, env, on_failure, run_as, working_dir"),
        new ManifestError(
            new SourcePos("db/backup.fluke.hcl", 3, 1),
            "task \"postgres_backup\" has no selector block; every task needs exactly one"));
  }
}
