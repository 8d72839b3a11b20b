package dev.fluke.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.fluke.exec.ExecSettings;
import dev.fluke.manifest.ManifestError;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code agent.hcl}: happy paths, defaults, and every rule with its position. */
class AgentConfigTest {
  private static final Map<String, String> NO_ENV = Map.of();

  @TempDir Path dir;

  private final ConfigLoader loader = new ConfigLoader(() -> "web-01.example.org");

  private AgentConfig parse(String content, Map<String, String> env) throws ConfigException {
    return loader.parseAgent("agent.hcl", content, env);
  }

  private List<String> errors(String content, Map<String, String> env) {
    ConfigException e = assertThrows(ConfigException.class, () -> parse(content, env));
    return e.errors().stream().map(ManifestError::format).toList();
  }

  @Test
  void theSmallestAgentGetsEveryDefault() throws Exception {
    AgentConfig c =
        parse(
            """
        agent {
          server_url = "grpc://control:7070"
          token      = "agent-secret"
        }
        """,
            NO_ENV);
    assertEquals(List.of(new AgentConfig.ServerUrl("control", 7070, false)), c.serverUrls());
    assertEquals("agent-secret", c.token());
    assertEquals("web-01.example.org", c.name(), "defaults to the host name");
    assertEquals(Map.of(), c.labels());
    assertEquals(Path.of("/var/lib/fluke-agent"), c.stateDir());
    assertEquals(new AgentConfig.Tls(Optional.empty(), false), c.tls());
    assertEquals(
        new AgentConfig.Execution(
            "/bin/bash", Duration.ofMinutes(5), "systemctl", "mise", "sudo", 16384),
        c.execution());
    assertEquals(LogConfig.defaults(), c.log());
  }

  @Test
  void everyKeyIsRead() throws Exception {
    Files.writeString(dir.resolve("ca.pem"), "-----BEGIN CERTIFICATE-----\n");
    Path config = dir.resolve("agent.hcl");
    Files.writeString(
        config,
        """
        agent {
          server_url = "grpcs://control.example.org:8443"
          token      = env("AGENT_TOKEN")
          name       = "web-01"
          labels     = { role = "web", env = "prod" }
          state_dir  = "state"
          tls { ca_file = "ca.pem"  insecure_skip_verify = false }
          execution {
            default_shell     = "/bin/sh"
            command_timeout   = "90s"
            systemctl_path    = "/usr/bin/systemctl"
            mise_path         = "/usr/local/bin/mise"
            sudo_path         = "/usr/bin/sudo"
            output_tail_bytes = 4096
            check_concurrency = 3
          }
          log { level = "warn"  format = "json" }
        }
        """);
    AgentConfig c = loader.loadAgent(config, Map.of("AGENT_TOKEN", "t0k3n"));
    assertEquals(
        List.of(new AgentConfig.ServerUrl("control.example.org", 8443, true)), c.serverUrls());
    assertEquals("grpcs://control.example.org:8443", c.serverUrls().get(0).toString());
    assertEquals("t0k3n", c.token());
    assertEquals("web-01", c.name());
    assertEquals(Map.of("role", "web", "env", "prod"), c.labels());
    assertEquals(dir.resolve("state"), c.stateDir(), "relative to the config file");
    assertEquals(new AgentConfig.Tls(Optional.of(dir.resolve("ca.pem")), false), c.tls());
    assertEquals(
        new AgentConfig.Execution(
            "/bin/sh",
            Duration.ofSeconds(90),
            "/usr/bin/systemctl",
            "/usr/local/bin/mise",
            "/usr/bin/sudo",
            4096,
            3),
        c.execution());
    assertEquals(3, c.execSettings(Map.of()).checkConcurrency());
    assertEquals(new LogConfig(LogConfig.Level.WARN, LogConfig.Format.JSON), c.log());
    assertFalse(c.toString().contains("t0k3n"), c.toString());
  }

  @Test
  void checkConcurrencyDefaultsToTheCoresAtMostFourAndMustBeAWholeNumberFromOneTo64()
      throws Exception {
    AgentConfig defaults =
        parse(
            """
        agent {
          server_url = "grpc://control"
          token      = "t"
        }
        """,
            NO_ENV);
    assertEquals(
        Math.min(Runtime.getRuntime().availableProcessors(), 4),
        defaults.execSettings(Map.of()).checkConcurrency());
    assertEquals(
        1,
        parse(
                """
        agent {
          server_url = "grpc://control"
          token      = "t"
          execution { check_concurrency = 1 }
        }
        """,
                NO_ENV)
            .execSettings(Map.of())
            .checkConcurrency());
    for (String bad : List.of("0", "65", "2.5", "-1")) {
      assertEquals(
          List.of(
              "agent.hcl:4:35: \"check_concurrency\" in execution in agent must be a whole number"
                  + " from 1 to 64, got "
                  + bad),
          errors(
              """
          agent {
            server_url = "grpc://control"
            token      = "t"
            execution { check_concurrency = %s }
          }
          """
                  .formatted(bad),
              NO_ENV),
          bad);
    }
  }

  @Test
  void executorSettingsComeFromTheExecutionBlock() throws Exception {
    AgentConfig c =
        parse(
            """
        agent {
          server_url = "grpc://control"
          token      = "t"
          state_dir  = "/srv/fluke"
          execution { systemctl_path = "/opt/fake/systemctl"  command_timeout = "2s" }
        }
        """,
            NO_ENV);
    assertEquals(7070, c.serverUrls().get(0).port(), "the port defaults to 7070");
    ExecSettings s = c.execSettings(Map.of("PATH", "/usr/bin"));
    assertEquals(
        new ExecSettings(
            "/bin/bash",
            Duration.ofSeconds(2),
            16384,
            Map.of("PATH", "/usr/bin"),
            "/opt/fake/systemctl",
            "mise",
            "sudo",
            Path.of("/srv/fluke")),
        s);
  }

  @Test
  void stopGraceDefaultsToTwoMinutesAndMustBeAPositiveDuration() throws Exception {
    String base = "agent {\n  server_url = \"grpc://control\"\n  token = \"t\"\n";
    assertEquals(Duration.ofMinutes(2), parse(base + "}\n", NO_ENV).stopGrace());
    assertEquals(
        Duration.ofSeconds(90), parse(base + "  stop_grace = \"90s\"\n}\n", NO_ENV).stopGrace());
    assertEquals(
        List.of("agent.hcl:4:16: \"stop_grace\" in agent must be greater than 0"),
        errors(base + "  stop_grace = \"0s\"\n}\n", NO_ENV));
  }

  @Test
  void theTokenMayComeFromTheEnvironment() throws Exception {
    String noToken = "agent {\n  server_url = \"grpc://control:7070\"\n}\n";
    assertEquals("from-env", parse(noToken, Map.of("FLUKE_TOKEN", "from-env")).token());
    String sameToken = "agent {\n  server_url = \"grpc://control:7070\"\n  token = \"same\"\n}\n";
    assertEquals("same", parse(sameToken, Map.of("FLUKE_TOKEN", "same")).token());
  }

  @Test
  void aMissingOrConflictingTokenIsAnError() {
    assertEquals(
        List.of(
            "agent.hcl:1:1: no agent token: set token = \"…\" in agent or the environment variable"
                + " FLUKE_TOKEN"),
        errors("agent {\n  server_url = \"grpc://control:7070\"\n}\n", NO_ENV));
    assertEquals(
        List.of(
            "agent.hcl:3:11: the token is set both here and in the environment variable FLUKE_TOKEN,"
                + " with different values: set it in one place"),
        errors(
            "agent {\n  server_url = \"grpc://control:7070\"\n  token = \"file\"\n}\n",
            Map.of("FLUKE_TOKEN", "env")));
  }

  @Test
  void ipv6ServerAddressesAreUnderstood() throws Exception {
    AgentConfig c =
        parse("agent {\n  server_url = \"grpcs://[fd00::1]:7443\"\n  token = \"t\"\n}\n", NO_ENV);
    assertEquals(List.of(new AgentConfig.ServerUrl("fd00::1", 7443, true)), c.serverUrls());
    assertEquals("grpcs://[fd00::1]:7443", c.serverUrls().get(0).toString());
  }

  @Test
  void everyRuleIsCheckedAndAllErrorsReported() {
    String config =
        """
        agent {
          server_url = "grpc://control:7070"
          token      = "t"
          name       = "web 01"
          labels     = { "" = "x" }
          tls { ca_file = "missing.pem" }
          execution {
            command_timeout   = "forever"
            output_tail_bytes = 0
            sudo_path         = ""
          }
          log { format = "yaml" }
          colour = "blue"
        }
        """;
    assertEquals(
        List.of(
            "agent.hcl:4:16: bad agent name \"web 01\": use letters, digits, '_', '-' and '.' (names appear in URLs,"
                + " CLI arguments and events)",
            "agent.hcl:5:16: label names in agent must not be empty",
            "agent.hcl:6:3: a tls block needs a grpcs:// server_url: with grpc://control:7070 the connection is plaintext"
                + " (use grpcs:// for TLS, or remove the tls block)",
            "agent.hcl:6:19: \"ca_file\" in tls in agent: no such file "
                + Path.of("missing.pem").toAbsolutePath(),
            "agent.hcl:8:25: bad duration for \"command_timeout\" in execution in agent: \"forever\" is not a duration"
                + " such as \"90s\", \"5m\", \"1h30m\" or \"500ms\" (units: ns, us, ms, s, m, h, d)",
            "agent.hcl:9:25: \"output_tail_bytes\" in execution in agent must be a whole number from 1 to 67108864, got 0",
            "agent.hcl:10:25: \"sudo_path\" in execution in agent must not be empty",
            "agent.hcl:12:18: bad value \"yaml\" for \"format\" in log in agent: expected one of \"text\", \"json\"",
            "agent.hcl:13:3: unknown attribute \"colour\" in agent; expected an attribute (server_url, server_urls, token,"
                + " name, labels, state_dir, stop_grace) or a block (tls, execution, log)"),
        errors(config, NO_ENV));
  }

  @Test
  void badServerUrlsAreReported() {
    for (String url :
        List.of("http://control:7070", "control:7070", "grpc://", "grpc://control:70000")) {
      assertEquals(
          List.of(
              "agent.hcl:2:16: bad server_url \""
                  + url
                  + "\": expected grpc://host:port (plaintext) or"
                  + " grpcs://host:port (TLS)"),
          errors("agent {\n  server_url = \"" + url + "\"\n  token = \"t\"\n}\n", NO_ENV),
          url);
    }
  }

  @Test
  void aHostNameThatIsNoValidAgentNameAsksForAName() {
    ConfigLoader odd = new ConfigLoader(() -> "bad host");
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () ->
                odd.parseAgent(
                    "agent.hcl",
                    "agent {\n  server_url = \"grpc://c:1\"\n  token = \"t\"\n}\n",
                    NO_ENV));
    assertEquals(
        "agent.hcl:1:1: cannot use the host name \"bad host\" as the agent name: set name = \"…\" in agent"
            + " (letters, digits, '_', '-' and '.')",
        e.getMessage());
  }

  @Test
  void theServerUrlIsRequired() {
    assertEquals(
        List.of(
            "agent.hcl:1:1: missing server_url in agent: give server_url = \"grpcs://host:port\", or"
                + " server_urls = [\"grpcs://a:7070\", \"grpcs://b:7070\"] for several servers"),
        errors("agent {\n  token = \"t\"\n}\n", NO_ENV));
  }

  @Test
  void severalServersAreReadInTheirOrderAndTheTlsBlockAppliesToEveryOne() throws Exception {
    Files.writeString(dir.resolve("ca.pem"), "x");
    AgentConfig c =
        loader.loadAgent(
            Files.writeString(
                dir.resolve("agent.hcl"),
                """
                agent {
                  server_urls = ["grpcs://a.example.org:7070", "grpcs://b.example.org", "grpcs://[fd00::3]:7443"]
                  token       = "t"
                  tls {
                    ca_file = "ca.pem"
                  }
                }
                """),
            NO_ENV);

    assertEquals(
        List.of(
            new AgentConfig.ServerUrl("a.example.org", 7070, true),
            new AgentConfig.ServerUrl("b.example.org", 7070, true),
            new AgentConfig.ServerUrl("fd00::3", 7443, true)),
        c.serverUrls());
    assertEquals(Optional.of(dir.resolve("ca.pem")), c.tls().caFile());
  }

  @Test
  void serverUrlAndServerUrlsTogetherAreAnError() {
    assertEquals(
        List.of(
            "agent.hcl:3:17: give either server_url (one server) or server_urls (several) in agent,"
                + " not both"),
        errors(
            "agent {\n  server_url = \"grpc://a:7070\"\n  server_urls = [\"grpc://b:7070\"]\n"
                + "  token = \"t\"\n}\n",
            NO_ENV));
  }

  @Test
  void badServerUrlsListsAreReportedWithTheirPosition() {
    String head = "agent {\n  token = \"t\"\n  server_urls = ";
    assertEquals(
        List.of("agent.hcl:3:17: \"server_urls\" in agent must name at least one server"),
        errors(head + "[]\n}\n", NO_ENV));
    assertEquals(
        List.of(
            "agent.hcl:3:17: bad server_urls \"http://b:7070\": expected grpc://host:port"
                + " (plaintext) or grpcs://host:port (TLS)"),
        errors(head + "[\"grpc://a:7070\", \"http://b:7070\"]\n}\n", NO_ENV));
    assertEquals(
        List.of("agent.hcl:3:17: \"server_urls\" names grpc://a:7070 twice"),
        errors(head + "[\"grpc://a:7070\", \"grpc://a\"]\n}\n", NO_ENV));
    assertEquals(
        List.of(
            "agent.hcl:3:17: \"server_urls\" mixes grpc:// and grpcs:// (grpcs://a:7070,"
                + " grpc://b:7070): use one for every server (the tls block applies to all of them)"),
        errors(head + "[\"grpcs://a\", \"grpc://b\"]\n}\n", NO_ENV));
  }

  @Test
  void aTlsBlockNeedsGrpcsServerUrls() {
    assertEquals(
        List.of(
            "agent.hcl:4:3: a tls block needs a grpcs:// server_urls: with grpc://a:7070 the"
                + " connection is plaintext (use grpcs:// for TLS, or remove the tls block)"),
        errors(
            "agent {\n  token = \"t\"\n  server_urls = [\"grpc://a\", \"grpc://b\"]\n  tls {\n"
                + "    insecure_skip_verify = true\n  }\n}\n",
            NO_ENV));
  }

  @Test
  void anAgentPresentsItsClientCertificateWhenGivenCertAndKey() throws Exception {
    for (String f : List.of("web-01.crt", "web-01.key")) {
      java.nio.file.Files.writeString(dir.resolve(f), "x");
    }
    String both =
        """
        agent {
          server_url = "grpcs://control:7070"
          token      = "t"
          tls {
            cert_file = "%1$s/web-01.crt"
            key_file  = "%1$s/web-01.key"
          }
        }
        """
            .formatted(dir);
    assertEquals(
        new AgentConfig.Tls(
            Optional.empty(),
            false,
            Optional.of(dir.resolve("web-01.crt")),
            Optional.of(dir.resolve("web-01.key"))),
        parse(both, NO_ENV).tls());
    String certOnly = both.replace("    key_file  = \"%s/web-01.key\"\n".formatted(dir), "");
    assertEquals(
        List.of(
            "agent.hcl:4:3: a client certificate needs both cert_file and key_file in tls in agent"
                + " (only cert_file is set)"),
        errors(certOnly, NO_ENV));
  }
}
