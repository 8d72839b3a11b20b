package dev.fluke.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fluke.manifest.DriftPolicy;
import dev.fluke.manifest.ManifestError;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code server.hcl}: happy paths, defaults, and every rule with its position. */
class ServerConfigTest {
  private static final Map<String, String> NO_ENV = Map.of();

  @TempDir Path dir;

  private final ConfigLoader loader = new ConfigLoader(() -> "host-1");

  /** Loopback listeners and a token: the smallest valid server. */
  private static final String MINIMAL =
      """
      server {
        listen_grpc  = "127.0.0.1:7070"
        listen_http  = "localhost:7071"
        agent_tokens = ["agent-secret"]
        git { url = "https://example.org/fleet.git" }
      }
      """;

  private ServerConfig parse(String content, Map<String, String> env) throws ConfigException {
    return loader.parseServer("server.hcl", content, env);
  }

  private List<String> errors(String content, Map<String, String> env) {
    ConfigException e = assertThrows(ConfigException.class, () -> parse(content, env));
    return e.errors().stream().map(ManifestError::format).toList();
  }

  private List<String> errors(String content) {
    return errors(content, NO_ENV);
  }

  private Path file(String name) throws IOException {
    Path p = dir.resolve(name);
    Files.createDirectories(p.getParent());
    Files.writeString(p, "-----BEGIN TEST-----\n");
    return p;
  }

  @Test
  void theFlapGuardAndTheFleetRolloutAreServerDefaultsOfTasks() throws Exception {
    ServerConfig c =
        parse(
            """
            server {
              listen_grpc  = "127.0.0.1:7070"
              listen_http  = "localhost:7071"
              agent_tokens = ["agent-secret"]
              git { url = "https://example.org/fleet.git" }
              drift {
                max_remediations = 3
                period           = "30m"
              }
              rollout {
                canary = 2
                batch  = "10%"
                pause  = "1m"
              }
            }
            """,
            NO_ENV);
    assertEquals(
        new dev.fluke.manifest.FlapLimit(3, Duration.ofMinutes(30)), c.drift().flapLimit());
    assertEquals(
        Optional.of(new dev.fluke.manifest.RolloutSpec(2, 10, 0, 0, Duration.ofMinutes(1))),
        c.rollout());
    assertEquals(Optional.empty(), parse(MINIMAL, NO_ENV).rollout());
    assertEquals(dev.fluke.manifest.FlapLimit.DEFAULT, parse(MINIMAL, NO_ENV).drift().flapLimit());
    assertEquals(
        List.of(
            "server.hcl:5:21: bad \"batch\" in rollout in server: \"lots\"; expected a"
                + " percentage of the matched agents from \"1%\" to \"100%\", or a number of agents"
                + " such as \"5\""),
        errors(MINIMAL.replace("git {", "rollout { batch = \"lots\" }\n  git {"), NO_ENV));
  }

  @Test
  void theSmallestServerGetsEveryDefault() throws Exception {
    ServerConfig c = parse(MINIMAL, NO_ENV);
    assertEquals(new ListenAddress("127.0.0.1", 7070), c.listenGrpc());
    assertEquals(new ListenAddress("localhost", 7071), c.listenHttp());
    assertEquals(List.of("agent-secret"), c.agentTokens());
    assertEquals(List.of(), c.apiTokens());
    assertEquals(Path.of("/var/lib/fluke"), c.dataDir());
    assertEquals(Duration.ofSeconds(60), c.reconcileInterval(), "defaults to the poll interval");
    assertEquals(
        new ServerConfig.Git(
            "https://example.org/fleet.git",
            "main",
            Duration.ofSeconds(60),
            "**/*.fluke.hcl",
            Optional.empty(),
            Optional.empty(),
            Optional.empty(),
            Optional.empty(),
            true),
        c.git());
    assertEquals(ServerConfig.Tls.plaintext(), c.tls(), "loopback only: plaintext without asking");
    assertEquals(new ServerConfig.Drift(DriftPolicy.REMEDIATE, Optional.empty()), c.drift());
    assertEquals(
        new ServerConfig.EventStore(
            ServerConfig.EventStore.Backend.MEMORY,
            new ServerConfig.Memory(100),
            new ServerConfig.Redis("redis://localhost:6379", "fluke", Duration.ofHours(168))),
        c.eventStore());
    assertEquals(new LogConfig(LogConfig.Level.INFO, LogConfig.Format.TEXT), c.log());
  }

  @Test
  void everyKeyIsRead() throws Exception {
    file("tls/server.crt");
    file("tls/server.key");
    file("keys/deploy");
    Path config = dir.resolve("server.hcl");
    Files.writeString(
        config,
        """
        locals { host = "git.example.org" }
        server {
          listen_grpc        = ":7443"
          listen_http        = "0.0.0.0:8443"
          agent_tokens       = ["a1", "a2"]
          api_tokens         = ["api-1"]
          data_dir           = "state"
          reconcile_interval = "5m"
          git {
            url                 = "ssh://${local.host}/fleet.git"
            branch              = "prod"
            poll_interval       = "30s"
            manifest_glob       = "hosts/**/*.hcl"
            ssh_key_file        = "keys/deploy"
            basic_auth_user     = "bot"
            basic_auth_password = env("GIT_PASSWORD")
            webhook_secret      = env("WEBHOOK_SECRET")
            on_force_push       = "refuse"
          }
          tls { cert_file = "tls/server.crt"  key_file = "tls/server.key" }
          drift { policy = "remediate_and_alert"  alert_webhook = "https://alerts.example.org/fluke" }
          event_store {
            backend = "redis"
            memory { max_events_per_agent = 500 }
            redis { url = "rediss://redis:6380"  prefix = "fleet"  ttl = "72h" }
          }
          log { level = "debug"  format = "json" }
        }
        """);
    ServerConfig c =
        loader.loadServer(config, Map.of("GIT_PASSWORD", "pw", "WEBHOOK_SECRET", "hook"));
    assertEquals(new ListenAddress("", 7443), c.listenGrpc());
    assertTrue(c.listenGrpc().allInterfaces());
    assertEquals(new ListenAddress("0.0.0.0", 8443), c.listenHttp());
    assertEquals(List.of("a1", "a2"), c.agentTokens());
    assertEquals(List.of("api-1"), c.apiTokens());
    assertEquals(dir.resolve("state"), c.dataDir(), "relative to the config file");
    assertEquals(Duration.ofMinutes(5), c.reconcileInterval());
    assertEquals(
        new ServerConfig.Git(
            "ssh://git.example.org/fleet.git",
            "prod",
            Duration.ofSeconds(30),
            "hosts/**/*.hcl",
            Optional.of(dir.resolve("keys/deploy")),
            Optional.of("bot"),
            Optional.of("pw"),
            Optional.of("hook"),
            false),
        c.git());
    assertEquals(
        new ServerConfig.Tls(
            true,
            Optional.of(dir.resolve("tls/server.crt")),
            Optional.of(dir.resolve("tls/server.key"))),
        c.tls());
    assertEquals(
        new ServerConfig.Drift(
            DriftPolicy.REMEDIATE_AND_ALERT,
            Optional.of(URI.create("https://alerts.example.org/fluke"))),
        c.drift());
    assertEquals(
        new ServerConfig.EventStore(
            ServerConfig.EventStore.Backend.REDIS,
            new ServerConfig.Memory(500),
            new ServerConfig.Redis("rediss://redis:6380", "fleet", Duration.ofHours(72))),
        c.eventStore());
    assertEquals(new LogConfig(LogConfig.Level.DEBUG, LogConfig.Format.JSON), c.log());
    assertEquals("ssh://git.example.org/fleet.git", c.git().source().url());
  }

  @Test
  void secretsAreNotPrinted() throws Exception {
    ServerConfig c =
        parse(
            """
        server {
          listen_grpc  = "127.0.0.1:7070"
          listen_http  = "127.0.0.1:7071"
          agent_tokens = ["agent-secret"]
          api_tokens   = ["api-secret"]
          git {
            url = "https://example.org/fleet.git"
            basic_auth_user = "bot"
            basic_auth_password = "git-secret"
            webhook_secret = "hook-secret"
          }
        }
        """,
            NO_ENV);
    String printed = c.toString();
    for (String secret : List.of("agent-secret", "api-secret", "git-secret", "hook-secret")) {
      assertFalse(printed.contains(secret), printed);
    }
  }

  @Test
  void tokensFromTheFileAndTheEnvironmentAreBothAccepted() throws Exception {
    ServerConfig c =
        parse(
            MINIMAL,
            Map.of(
                "FLUKE_AGENT_TOKENS", " env-1, ,agent-secret,env-2 ", "FLUKE_API_TOKENS", "api"));
    assertEquals(List.of("agent-secret", "env-1", "env-2"), c.agentTokens());
    assertEquals(List.of("api"), c.apiTokens());
  }

  @Test
  void agentTokensMayComeFromTheEnvironmentOnly() throws Exception {
    ServerConfig c =
        parse(
            MINIMAL.replace("agent_tokens = [\"agent-secret\"]", ""),
            Map.of("FLUKE_AGENT_TOKENS", "t"));
    assertEquals(List.of("t"), c.agentTokens());
  }

  @Test
  void aServerWithoutAnyAgentTokenIsAnError() {
    assertEquals(
        List.of(
            "server.hcl:1:1: no agent token: set agent_tokens = [\"…\"] in server or the environment"
                + " variable FLUKE_AGENT_TOKENS (comma separated)"),
        errors(MINIMAL.replace("agent_tokens = [\"agent-secret\"]", "")));
    assertEquals(
        List.of(
            "server.hcl:4:18: no agent token: set agent_tokens = [\"…\"] in server or the environment"
                + " variable FLUKE_AGENT_TOKENS (comma separated)"),
        errors(MINIMAL.replace("[\"agent-secret\"]", "[]")));
  }

  // ---- TLS (SPEC §3)

  @Test
  void listeningOnAllInterfacesWithoutATlsBlockIsAnError() {
    String config =
        """
        server {
          agent_tokens = ["t"]
          git { url = "https://example.org/fleet.git" }
        }
        """;
    assertEquals(
        List.of(
            "server.hcl:1:1: the server has no tls block but listen_grpc = \":7070\" listens on all"
                + " interfaces: add tls { cert_file = \"…\"  key_file = \"…\" }, or choose plaintext explicitly with"
                + " tls { enabled = false } (without a tls block only loopback addresses such as 127.0.0.1:7070 are served"
                + " in plaintext)"),
        errors(config));
  }

  @Test
  void clientCertificatesForAgentsAreReadWithTheirRevocationList() throws Exception {
    for (String f : List.of("server.crt", "server.key", "agents-ca.pem", "agents.crl")) {
      java.nio.file.Files.writeString(dir.resolve(f), "x");
    }
    ServerConfig c =
        parse(
            MINIMAL.replace(
                "  git {",
                ("  tls {\n"
                        + "    cert_file = \"%1$s/server.crt\"\n    key_file = \"%1$s/server.key\"\n"
                        + "    client_ca_file = \"%1$s/agents-ca.pem\"\n"
                        + "    crl_file = \"%1$s/agents.crl\"\n  }\n  git {")
                    .formatted(dir)),
            NO_ENV);
    assertEquals(
        new ServerConfig.Tls(
            true,
            Optional.of(dir.resolve("server.crt")),
            Optional.of(dir.resolve("server.key")),
            Optional.of(dir.resolve("agents-ca.pem")),
            Optional.of(dir.resolve("agents.crl"))),
        c.tls());
  }

  @Test
  void aRevocationListNeedsAClientCaAndClientCertificatesNeedTls() throws Exception {
    for (String f : List.of("server.crt", "server.key", "agents-ca.pem", "agents.crl")) {
      java.nio.file.Files.writeString(dir.resolve(f), "x");
    }
    String crlOnly =
        MINIMAL.replace(
            "  git {",
            "  tls {\n    cert_file = \"%1$s/server.crt\"\n    key_file = \"%1$s/server.key\"\n    crl_file = \"%1$s/agents.crl\"\n  }\n  git {"
                .formatted(dir));
    assertEquals(
        List.of(
            "server.hcl:8:16: crl_file revokes agent certificates: it needs client_ca_file (the CA"
                + " that issues them)"),
        errors(crlOnly));
    String plaintext =
        MINIMAL.replace(
            "  git {",
            "  tls {\n    enabled = false\n    client_ca_file = \"%1$s/agents-ca.pem\"\n  }\n  git {"
                .formatted(dir));
    assertEquals(
        List.of(
            "server.hcl:7:22: client_ca_file asks agents for a client certificate, which needs TLS:"
                + " remove it, or enable tls with cert_file and key_file"),
        errors(plaintext));
  }

  @Test
  void oneNonLoopbackListenerIsEnoughToNeedTls() {
    List<String> errors = errors(MINIMAL.replace("localhost:7071", "10.0.0.5:7071"));
    assertEquals(1, errors.size());
    assertTrue(
        errors
            .get(0)
            .startsWith(
                "server.hcl:3:18: the server has no tls block but listen_http ="
                    + " \"10.0.0.5:7071\" listens on 10.0.0.5: "),
        errors.get(0));
  }

  @Test
  void plaintextCanBeChosenExplicitly() throws Exception {
    ServerConfig c =
        parse(
            """
        server {
          listen_grpc  = ":7070"
          agent_tokens = ["t"]
          git { url = "https://example.org/fleet.git" }
          tls { enabled = false }
        }
        """,
            NO_ENV);
    assertFalse(c.tls().enabled());
    assertEquals(new ListenAddress("", 7071), c.listenHttp());
  }

  @Test
  void ipv6LoopbackNeedsNoTls() throws Exception {
    ServerConfig c = parse(MINIMAL.replace("127.0.0.1:7070", "[::1]:7070"), NO_ENV);
    assertEquals(new ListenAddress("::1", 7070), c.listenGrpc());
    assertTrue(c.listenGrpc().loopback());
    assertEquals("[::1]:7070", c.listenGrpc().toString());
  }

  @Test
  void enabledTlsNeedsACertificateAndKeyThatExist() throws IOException {
    file("server.crt");
    String config = MINIMAL.replace("  git {", "  tls {}\n  git {");
    assertEquals(
        List.of(
            "server.hcl:5:3: tls is enabled but cert_file and key_file are not set: give cert_file and"
                + " key_file, or write enabled = false for plaintext"),
        errors(config));
    String missingKey =
        MINIMAL.replace(
            "  git {",
            "  tls {\n    cert_file = \""
                + dir.resolve("server.crt")
                + "\"\n    key_file = \""
                + dir.resolve("nope.key")
                + "\"\n  }\n  git {");
    assertEquals(
        List.of(
            "server.hcl:7:16: \"key_file\" in tls in server: no such file "
                + dir.resolve("nope.key")),
        errors(missingKey));
  }

  // ---- drift, event store, log

  @Test
  void alertingPoliciesNeedAWebhook() {
    String config = MINIMAL.replace("  git {", "  drift { policy = \"alert_only\" }\n  git {");
    assertEquals(
        List.of(
            "server.hcl:5:20: drift policy \"alert_only\" sends alerts, so drift in server needs"
                + " alert_webhook = \"https://…\""),
        errors(config));
    String badUrl = MINIMAL.replace("  git {", "  drift { alert_webhook = \"ftp://x\" }\n  git {");
    assertEquals(
        List.of(
            "server.hcl:5:27: bad alert_webhook \"ftp://x\": expected an http:// or https:// URL"),
        errors(badUrl));
  }

  @Test
  void eventStoreValuesAreChecked() {
    String config =
        """
        server {
          listen_grpc  = "127.0.0.1:7070"
          listen_http  = "localhost:7071"
          agent_tokens = ["agent-secret"]
          git { url = "https://example.org/fleet.git" }
          event_store {
            backend = "postgres"
            memory { max_events_per_agent = 0 }
            redis { url = "http://redis"  ttl = "0s" }
          }
        }
        """;
    assertEquals(
        List.of(
            "server.hcl:7:15: bad value \"postgres\" for \"backend\" in event_store in server: expected one of \"memory\","
                + " \"redis\"",
            "server.hcl:8:37: \"max_events_per_agent\" in memory in event_store in server must be a whole number from 1"
                + " to 1000000, got 0",
            "server.hcl:9:19: bad redis url \"http://redis\": expected redis://host:port or rediss://host:port",
            "server.hcl:9:41: \"ttl\" in redis in event_store in server must be greater than 0"),
        errors(config));
  }

  // ---- generic errors

  @Test
  void unknownKeysBadDurationsAndBadEnumsAreAllReported() {
    String config =
        """
        server {
          listen_grpc = "127.0.0.1:7070"
          listen_htp  = "127.0.0.1:7071"
          agent_tokens = ["t"]
          reconcile_interval = "5 minutes"
          git {
            url = "https://example.org/fleet.git"
            poll_interval = 60
          }
          log { level = "verbose"  format = "xml" }
          metrics { enabled = true }
        }
        """;
    assertEquals(
        List.of(
            // the typo leaves listen_http at its default ":7071", all interfaces, which needs TLS:
            "server.hcl:1:1: the server has no tls block but listen_http = \":7071\" listens on all interfaces: add"
                + " tls { cert_file = \"…\"  key_file = \"…\" }, or choose plaintext explicitly with tls { enabled = false }"
                + " (without a tls block only loopback addresses such as 127.0.0.1:7070 are served in plaintext)",
            "server.hcl:3:3: unknown attribute \"listen_htp\" in server (did you mean \"listen_http\"?); expected an"
                + " attribute (listen_grpc, listen_http, agent_tokens, api_tokens, data_dir, reconcile_interval) or a"
                + " block (git, tls, drift, rollout, event_store, log, cluster)",
            "server.hcl:5:24: bad duration for \"reconcile_interval\" in server: \"5 minutes\" is not a duration such as"
                + " \"90s\", \"5m\", \"1h30m\" or \"500ms\" (units: ns, us, ms, s, m, h, d)",
            "server.hcl:8:21: \"poll_interval\" in git in server must be a duration such as \"90s\", \"5m\", \"1h30m\" or"
                + " \"500ms\", got number (a duration is a string with a unit)",
            "server.hcl:10:17: bad value \"verbose\" for \"level\" in log in server: expected one of \"trace\", \"debug\","
                + " \"info\", \"warn\", \"error\"",
            "server.hcl:10:37: bad value \"xml\" for \"format\" in log in server: expected one of \"text\", \"json\"",
            "server.hcl:11:3: unknown block \"metrics\" in server; expected an attribute (listen_grpc, listen_http,"
                + " agent_tokens, api_tokens, data_dir, reconcile_interval) or a block (git, tls, drift, rollout, event_store, log, cluster)"),
        errors(config));
  }

  @Test
  void theFileMustHoldAServerBlockWithAGitBlock() {
    assertEquals(
        List.of("server.hcl:1:1: missing required block \"server\" in the file: add server { … }"),
        errors("# empty\n"));
    assertEquals(
        List.of(
            "server.hcl:1:1: unknown block \"agent\" in the file; expected a block: server, locals",
            "server.hcl:1:1: missing required block \"server\" in the file: add server { … }"),
        errors("agent {}\n"));
    assertEquals(
        List.of("server.hcl:1:1: missing required block \"git\" in server: add git { … }"),
        errors(
            "server {\n  listen_grpc = \"127.0.0.1:7070\"\n  listen_http = \"127.0.0.1:7071\"\n"
                + "  agent_tokens = [\"t\"]\n}\n"));
  }

  @Test
  void badListenAddressesAreReported() {
    String config =
        MINIMAL.replace("127.0.0.1:7070", "7070").replace("localhost:7071", "127.0.0.1:99999");
    assertEquals(
        List.of(
            "server.hcl:2:18: bad address \"7070\" for \"listen_grpc\": expected host:port or :port, e.g. \":7070\" (all"
                + " interfaces) or \"127.0.0.1:7070\"",
            "server.hcl:3:18: bad address \"127.0.0.1:99999\" for \"listen_http\": expected host:port or :port, e.g."
                + " \":7070\" (all interfaces) or \"127.0.0.1:7070\""),
        errors(config));
  }

  @Test
  void theTwoListenersCannotShareAPort() {
    assertEquals(
        List.of(
            "server.hcl:3:18: listen_http localhost:7070 uses the same port as listen_grpc 127.0.0.1:7070"),
        errors(MINIMAL.replace("localhost:7071", "localhost:7070")));
  }

  @Test
  void onForcePushIsFollowOrRefuseAndNothingElse() throws Exception {
    String refuse = MINIMAL.replace("fleet.git\" }", "fleet.git\"  on_force_push = \"refuse\" }");
    assertFalse(parse(refuse, NO_ENV).git().followForcePush());
    assertTrue(parse(MINIMAL, NO_ENV).git().followForcePush(), "follow by default");
    assertEquals(
        List.of(
            "server.hcl:5:64: bad value \"reset\" for \"on_force_push\" in git in server: expected"
                + " one of \"follow\", \"refuse\""),
        errors(MINIMAL.replace("fleet.git\" }", "fleet.git\"  on_force_push = \"reset\" }")));
  }

  @Test
  void invalidValuesDoNotCauseFollowOnErrors() {
    String config =
        """
        server {
          listen_grpc  = 7070
          listen_http  = "127.0.0.1:7071"
          agent_tokens = "not-a-list"
          data_dir     = false
          git { url = "https://example.org/fleet.git" }
          drift { policy = "sometimes" }
          log { level = 3 }
        }
        """;
    assertEquals(
        List.of(
            "server.hcl:2:18: \"listen_grpc\" in server must be a string, got number (for the string, write \"7070\")",
            "server.hcl:4:18: \"agent_tokens\" in server must be a list of strings, e.g. [\"a\", \"b\"], got string",
            "server.hcl:5:18: \"data_dir\" in server must be a string, got bool (for the string, write \"false\")",
            "server.hcl:7:20: bad value \"sometimes\" for \"policy\" in drift in server: expected one of \"remediate\","
                + " \"remediate_and_alert\", \"alert_only\"",
            "server.hcl:8:17: \"level\" in log in server must be a string, got number (for the string, write \"3\")"),
        errors(config));
  }

  @Test
  void envFunctionReadsTheGivenEnvironment() throws Exception {
    String config =
        MINIMAL.replace("[\"agent-secret\"]", "[env(\"TOKEN\"), env(\"SECOND\", \"fallback\")]");
    assertEquals(
        List.of("from-env", "fallback"), parse(config, Map.of("TOKEN", "from-env")).agentTokens());
    assertEquals(
        List.of(
            "server.hcl:4:23: env: environment variable TOKEN is not set (to make it optional write"
                + " env(\"TOKEN\", \"default\"))"),
        errors(config));
  }

  @Test
  void theExceptionMessageListsOneErrorPerLine() {
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () ->
                parse(
                    """
        server {
          colour = 1
          git { url = 2 }
          tls { enabled = false }
        }
        """,
                    Map.of("FLUKE_AGENT_TOKENS", "t")));
    assertEquals(
        String.join(
            "\n",
            "server.hcl:2:3: unknown attribute \"colour\" in server; expected an attribute (listen_grpc, listen_http,"
                + " agent_tokens, api_tokens, data_dir, reconcile_interval) or a block (git, tls, drift, rollout, event_store, log, cluster)",
            "server.hcl:3:15: \"url\" in git in server must be a string, got number (for the string, write \"2\")"),
        e.getMessage());
  }

  @Test
  void anUnreadableFileIsAnError() {
    Path missing = dir.resolve("missing.hcl");
    ConfigException e =
        assertThrows(ConfigException.class, () -> loader.loadServer(missing, NO_ENV));
    assertEquals(1, e.errors().size());
    assertTrue(
        e.getMessage().startsWith(missing + ":0:0: cannot read the config file: "), e.getMessage());
  }
}
