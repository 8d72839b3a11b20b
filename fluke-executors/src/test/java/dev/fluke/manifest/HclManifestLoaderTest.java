package dev.fluke.manifest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fluke.hcl.SourcePos;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class HclManifestLoaderTest {
  private final HclManifestLoader loader = HclManifestLoader.builtin();

  /** Parses files given as path, content, path, content, … */
  private ManifestSet parse(String... pathsAndContents) {
    TreeMap<String, String> files = new TreeMap<>();
    for (int i = 0; i < pathsAndContents.length; i += 2) {
      files.put(pathsAndContents[i], pathsAndContents[i + 1]);
    }
    return loader.parse(files);
  }

  private static List<String> errors(ManifestSet set) {
    return set.errors().stream().map(ManifestError::format).toList();
  }

  private static ManifestSet ok(ManifestSet set) {
    assertEquals(List.of(), errors(set));
    assertTrue(set.ok());
    return set;
  }

  private static SourcePos at(String file, int line, int column) {
    return new SourcePos(file, line, column);
  }

  private static final String SPEC_EXAMPLE =
      """
      locals { app_dir = "/opt/app" }

      task "deploy_app" {
        description = "Shown in the UI and CLI"
        drift { policy = "alert_only" }            # optional override
        selector { match_labels = { role = "web", env = "prod" } }   # exactly one, required

        mise "deploy" {
          working_dir = local.app_dir             # required; holds .mise.toml
          check_task  = "check"                   # default "check"
          apply_task  = "apply"                   # default "apply"
          git { url = "https://example.org/app.git"  branch = "main" }   # optional
        }
        systemd "app" {
          unit    = "app.service"                 # required
          state   = "running"                     # running | stopped (default running)
          enabled = true                          # default true
        }
        shell "marker" {
          check       = "test -f /opt/app/.deployed"   # required: no check, no task
          command     = "/opt/app/deploy.sh"           # required
          working_dir = "/opt/app"
          run_as      = "deploy"                       # via sudo -u
          env         = { APP_ENV = "production" }
          on_failure  = "abort"                        # abort (stop this task) | continue (next block)
        }
      }
      """;

  @Test
  void theSpecExampleBecomesTheDocumentedTask() {
    ManifestSet set = ok(parse("app.fluke.hcl", SPEC_EXAMPLE));
    TaskSpec expected =
        new TaskSpec(
            "deploy_app",
            "Shown in the UI and CLI",
            Optional.of(DriftPolicy.ALERT_ONLY),
            new Selector(Map.of("role", "web", "env", "prod")),
            List.of(
                new ExecutorSpec(
                    "mise",
                    "deploy",
                    Map.of(
                        "working_dir",
                        "/opt/app",
                        "check_task",
                        "check",
                        "apply_task",
                        "apply",
                        "git",
                        Map.of("url", "https://example.org/app.git", "branch", "main")),
                    OnFailure.ABORT,
                    at("app.fluke.hcl", 8, 3)),
                new ExecutorSpec(
                    "systemd",
                    "app",
                    Map.of("unit", "app.service", "state", "running", "enabled", true),
                    OnFailure.ABORT,
                    at("app.fluke.hcl", 14, 3)),
                new ExecutorSpec(
                    "shell",
                    "marker",
                    Map.of(
                        "check",
                        "test -f /opt/app/.deployed",
                        "command",
                        "/opt/app/deploy.sh",
                        "working_dir",
                        "/opt/app",
                        "run_as",
                        "deploy",
                        "env",
                        Map.of("APP_ENV", "production")),
                    OnFailure.ABORT,
                    at("app.fluke.hcl", 19, 3))),
            at("app.fluke.hcl", 3, 1));
    assertEquals(List.of(expected), set.tasks());
    assertEquals(List.of("app.fluke.hcl"), set.files());
  }

  @Test
  void executorsRunInDeclarationOrderAcrossTypes() {
    ManifestSet set =
        ok(
            parse(
                "a.fluke.hcl",
                """
        task "mixed" {
          selector { match_labels = {} }
          shell "first" {
            check   = "true"
            command = "true"
          }
          mise "second" { working_dir = "/srv" }
          shell "third" {
            check   = "true"
            command = "true"
          }
          systemd "fourth" { unit = "x.service" }
        }
        """));
    List<String> order = set.tasks().get(0).executors().stream().map(ExecutorSpec::label).toList();
    assertEquals(
        List.of("shell \"first\"", "mise \"second\"", "shell \"third\"", "systemd \"fourth\""),
        order);
  }

  @Test
  void defaultsAreFilledIn() {
    ManifestSet set =
        ok(
            parse(
                "a.fluke.hcl",
                """
        task "defaults" {
          selector { match_labels = { role = "web" } }
          mise "m" { working_dir = "/srv/app" }
          systemd "s" { unit = "app.service" }
          shell "sh" {
            check   = "test -f /x"
            command = "touch /x"
          }
        }
        """));
    TaskSpec task = set.tasks().get(0);
    assertEquals("", task.description());
    assertEquals(Optional.empty(), task.driftPolicy());
    assertEquals(DriftPolicy.REMEDIATE, task.effectivePolicy(DriftPolicy.REMEDIATE));
    ExecutorSpec mise = task.executors().get(0);
    assertEquals(
        Map.of("working_dir", "/srv/app", "check_task", "check", "apply_task", "apply"),
        mise.attributes());
    assertEquals(null, mise.block("git"), "no git block: nothing is synced");
    ExecutorSpec systemd = task.executors().get(1);
    assertEquals(
        Map.of("unit", "app.service", "state", "running", "enabled", true), systemd.attributes());
    ExecutorSpec shell = task.executors().get(2);
    assertEquals(
        Map.of("check", "test -f /x", "command", "touch /x", "env", Map.of()), shell.attributes());
    assertEquals(OnFailure.ABORT, shell.onFailure());
  }

  @Test
  void aGitBlockGetsItsDefaultBranch() {
    ManifestSet set =
        ok(
            parse(
                "a.fluke.hcl",
                """
        task "t" {
          selector { match_labels = {} }
          mise "m" {
            working_dir = "/srv/app"
            git { url = "https://example.org/app.git" }
          }
        }
        """));
    assertEquals(
        Map.of("url", "https://example.org/app.git", "branch", "main"),
        set.tasks().get(0).executors().get(0).block("git"));
  }

  @Test
  void onFailureIsTheSpecsFieldNotAnAttribute() {
    ManifestSet set =
        ok(
            parse(
                "a.fluke.hcl",
                """
        task "t" {
          selector { match_labels = {} }
          systemd "a" {
            unit       = "a.service"
            on_failure = "continue"
          }
        }
        """));
    ExecutorSpec spec = set.tasks().get(0).executors().get(0);
    assertEquals(OnFailure.CONTINUE, spec.onFailure());
    assertFalse(spec.attributes().containsKey("on_failure"));
  }

  @Test
  void anEmptySelectorMatchesEveryHost() {
    ManifestSet set =
        ok(
            parse(
                "a.fluke.hcl",
                """
        task "everywhere" {
          selector { match_labels = {} }
          systemd "chrony" { unit = "chrony.service" }
        }
        """));
    Selector selector = set.tasks().get(0).selector();
    assertTrue(selector.matches(Map.of()));
    assertTrue(selector.matches(Map.of("role", "db")));
  }

  @Test
  void tasksComeInPathOrderThenDeclarationOrder() {
    String task =
        """
        task "%s" {
          selector { match_labels = {} }
          systemd "s" { unit = "x.service" }
        }
        """;
    ManifestSet set =
        ok(
            parse(
                "b.fluke.hcl", task.formatted("b1") + task.formatted("b2"),
                "a/x.fluke.hcl", task.formatted("ax"),
                "a.fluke.hcl", task.formatted("a")));
    assertEquals(List.of("a", "ax", "b1", "b2"), set.tasks().stream().map(TaskSpec::name).toList());
    assertEquals(List.of("a.fluke.hcl", "a/x.fluke.hcl", "b.fluke.hcl"), set.files());
  }

  @Test
  void localsAreSharedByAllFilesAndWorkWithInterpolationAndFunctions() {
    ManifestSet set =
        ok(
            parse(
                "00-locals.fluke.hcl",
                    """
            locals {
              env   = "prod"
              flags = ["--fast", "--quiet"]
              base  = { APP_ENV = local.env }
            }
            """,
                "web.fluke.hcl",
                    """
            locals { role = "web" }

            task "deploy_web" {
              selector { match_labels = { role = local.role, env = local.env } }
              shell "deploy" {
                check   = format("test -f /srv/%s/.done", local.role)
                command = "deploy ${upper(local.env)} ${join(" ", local.flags)}"
                env     = merge(local.base, { ROLE = local.role })
              }
            }
            """));
    ExecutorSpec shell = set.tasks().get(0).executors().get(0);
    assertEquals("test -f /srv/web/.done", shell.string("check"));
    assertEquals("deploy PROD --fast --quiet", shell.string("command"));
    assertEquals(Map.of("APP_ENV", "prod", "ROLE", "web"), shell.stringMap("env"));
    assertEquals(Map.of("role", "web", "env", "prod"), set.tasks().get(0).selector().matchLabels());
  }

  // ---- errors

  @Test
  void aTaskNameUsedInTwoFilesNamesBothPlaces() {
    String task =
        """
        task "deploy" {
          selector { match_labels = {} }
          systemd "s" { unit = "x.service" }
        }
        """;
    ManifestSet set = parse("apps/web.fluke.hcl", task, "base.fluke.hcl", "\n" + task);
    assertEquals(
        List.of(
            "base.fluke.hcl:2:1: duplicate task \"deploy\": already defined at apps/web.fluke.hcl:1:1;"
                + " task names must be unique across all manifest files"),
        errors(set));
    assertEquals(List.of(), set.tasks());
  }

  @Test
  void aLocalDefinedTwiceNamesBothPlaces() {
    ManifestSet set =
        parse(
            "a.fluke.hcl", "locals { dir = \"/a\" }\n",
            "b.fluke.hcl", "locals {\n  dir = \"/b\"\n}\n");
    assertEquals(
        List.of("b.fluke.hcl:2:3: duplicate local \"dir\": already defined at a.fluke.hcl:1:10"),
        errors(set));
  }

  @Test
  void eachTaskNeedsExactlyOneSelectorAndAnExecutor() {
    ManifestSet set =
        parse(
            "a.fluke.hcl",
            """
        task "no_selector" {
          systemd "s" { unit = "x.service" }
        }
        task "two_selectors" {
          selector { match_labels = {} }
          selector { match_labels = { a = "b" } }
          systemd "s" { unit = "x.service" }
        }
        task "empty_selector" {
          selector {}
          systemd "s" { unit = "x.service" }
        }
        task "no_executor" {
          selector { match_labels = {} }
        }
        """);
    assertEquals(
        List.of(
            "a.fluke.hcl:1:1: missing required block \"selector\" in task \"no_selector\": add selector { … }",
            "a.fluke.hcl:6:3: duplicate block \"selector\" in task \"two_selectors\": only one is allowed, the first is at"
                + " a.fluke.hcl:5:3",
            "a.fluke.hcl:10:3: missing required attribute \"match_labels\" in selector in task \"empty_selector\""
                + " (labels a host must all have; {} matches every host)",
            "a.fluke.hcl:13:1: task \"no_executor\" has no executor block: add at least one of mise, shell, systemd,"
                + " e.g. shell \"name\" { check = \"…\"  command = \"…\" }"),
        errors(set));
  }

  @Test
  void executorBlocksNeedOneUniqueValidName() {
    ManifestSet set =
        parse(
            "a.fluke.hcl",
            """
        task "t" {
          selector { match_labels = {} }
          systemd { unit = "x.service" }
          systemd "app" { unit = "a.service" }
          mise "app" { working_dir = "/srv" }
          shell "has space" {
            check   = "true"
            command = "true"
          }
        }
        task "bad/name" {
          selector { match_labels = {} }
          systemd "s" { unit = "x.service" }
        }
        """);
    assertEquals(
        List.of(
            "a.fluke.hcl:3:3: block \"systemd\" needs exactly 1 label, got 0: write systemd \"name\" { … } (the executor's name)",
            "a.fluke.hcl:5:3: duplicate executor name \"app\" in task \"t\": systemd \"app\" at a.fluke.hcl:4:3 has it"
                + " already; executor names must be unique within a task",
            "a.fluke.hcl:6:9: bad executor name \"has space\": use letters, digits, '_', '-' and '.' (names appear in URLs,"
                + " CLI arguments and events)",
            "a.fluke.hcl:11:6: bad task name \"bad/name\": use letters, digits, '_', '-' and '.' (names appear in URLs,"
                + " CLI arguments and events)"),
        errors(set));
  }

  @Test
  void unknownNamesListWhatWasExpected() {
    ManifestSet set =
        parse(
            "a.fluke.hcl",
            """
        locals { x = 1 }
        name = "top"
        tasks "t" {}
        task "t" {
          descripton = "typo"
          selector { match_labels = {} }
          shel "s" {}
          systemd "s" {
            unit  = "x.service"
            state = "runing"
            restart = true
          }
          drift { policy = "sometimes" }
        }
        """);
    assertEquals(
        List.of(
            "a.fluke.hcl:2:1: unexpected attribute \"name\" at the top level of a manifest; expected a block:"
                + " locals { … } or task \"name\" { … }",
            "a.fluke.hcl:3:1: unknown block \"tasks\" at the top level of a manifest (did you mean \"task\"?);"
                + " expected a block: locals, task",
            "a.fluke.hcl:5:3: unknown attribute \"descripton\" in task \"t\" (did you mean \"description\"?);"
                + " expected an attribute (description, depends_on) or a block (drift, rollout, selector, window, mise, shell, systemd)",
            "a.fluke.hcl:7:3: unknown block \"shel\" in task \"t\" (did you mean \"shell\"?); expected an attribute"
                + " (description, depends_on) or a block (drift, rollout, selector, window, mise, shell, systemd)",
            "a.fluke.hcl:10:13: bad value \"runing\" for \"state\" in systemd \"s\" in task \"t\" (did you mean \"running\"?):"
                + " expected one of \"running\", \"stopped\"",
            "a.fluke.hcl:11:5: unknown attribute \"restart\" in systemd \"s\" in task \"t\"; expected one of: unit, state,"
                + " enabled, on_failure",
            "a.fluke.hcl:13:20: bad value \"sometimes\" for \"policy\" in drift in task \"t\": expected one of \"remediate\","
                + " \"remediate_and_alert\", \"alert_only\""),
        errors(set));
  }

  @Test
  void envIsNotAvailableInManifests() {
    ManifestSet set = parse("a.fluke.hcl", "locals { home = env(\"HOME\") }\n");
    assertEquals(
        List.of(
            "a.fluke.hcl:1:17: function env() is not available here: manifests come from Git and must"
                + " not depend on the server's environment (env() works in server.hcl and agent.hcl only)"),
        errors(set));
  }

  @Test
  void anyErrorRejectsTheWholeSet() {
    String good =
        """
        task "good" {
          selector { match_labels = {} }
          systemd "s" { unit = "x.service" }
        }
        """;
    String bad =
        """
        task "bad" {
          selector { match_labels = {} }
          systemd "s" { unit = 5 }
        }
        """;
    ManifestSet set = parse("a.fluke.hcl", good, "b.fluke.hcl", bad);
    assertFalse(set.ok());
    assertEquals(List.of(), set.tasks(), "nothing half-parsed is ever applied");
    assertEquals(
        List.of(
            "b.fluke.hcl:3:24: \"unit\" in systemd \"s\" in task \"bad\" must be a string, got number"
                + " (for the string, write \"5\")"),
        errors(set));
    assertEquals(List.of("a.fluke.hcl", "b.fluke.hcl"), set.files());
  }

  @Test
  void reportsEveryErrorOfTheSetAtOnceInFileAndPositionOrder() {
    ManifestSet set =
        parse(
            "b.fluke.hcl",
                """
            task "b" {
              selector { match_labels = {} }
              shell "s" {
                check   = "true"
                check   = "false"
                command = uppercase("x")
              }
            }
            }
            """,
            "a.fluke.hcl",
                """
            task "a" {
              selector { match_labels = { role = "web" } }
              systemd "s" {
                enabled = "yes"
              }
              mise "m" {
                working_dir = "/srv"
            """);
    assertEquals(
        List.of(
            "a.fluke.hcl:1:10: unclosed block task \"a\": expected '}' to close the '{' opened here, found the end of the file",
            "a.fluke.hcl:3:3: missing required attribute \"unit\" in systemd \"s\" in task \"a\" (unit name, e.g. app.service)",
            "a.fluke.hcl:4:15: \"enabled\" in systemd \"s\" in task \"a\" must be a bool (true or false), got string",
            "a.fluke.hcl:6:12: unclosed block mise \"m\": expected '}' to close the '{' opened here, found the end of the file",
            "b.fluke.hcl:5:5: duplicate attribute \"check\" in shell \"s\" in task \"b\": already set at b.fluke.hcl:4:5",
            "b.fluke.hcl:6:15: unknown function \"uppercase\"", // the list of functions follows
            "b.fluke.hcl:9:1: unexpected '}': there is no open block to close here"),
        errors(set).stream()
            .map(e -> e.contains("available functions") ? e.substring(0, e.indexOf(';')) : e)
            .toList());
  }

  @Test
  void anInterpolatedTaskNameIsOneError() {
    ManifestSet set =
        parse(
            "a.fluke.hcl",
            """
        task "deploy_${local.x}" {
          selector { match_labels = {} }
          systemd "s" { unit = "x.service" }
        }
        """);
    assertEquals(
        List.of("a.fluke.hcl:1:6: a block label must be a plain string, without ${…} or %{…}"),
        errors(set));
  }

  @Test
  void aTaskThatCouldNotBeParsedReportsOnlyItsSyntaxError() {
    ManifestSet set =
        parse(
            "a.fluke.hcl",
            """
        task "t" {
          selector { match_labels = {} }
          shell "s" {
            check = "true"
            what is this
          }
        }
        """);
    assertEquals(
        List.of(
            "a.fluke.hcl:5:17: expected '{' to open block what \"is\" \"this\", found end of line"),
        errors(set),
        "no 'missing command' noise from the half-read block");
  }
}
