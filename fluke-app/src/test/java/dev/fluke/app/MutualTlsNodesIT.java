package dev.fluke.app;

import static dev.fluke.app.Fleet.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fluke.api.Dto;
import dev.fluke.config.AgentConfig;
import dev.fluke.config.ConfigLoader;
import dev.fluke.config.ServerConfig;
import dev.fluke.grpc.Openssl;
import dev.fluke.grpc.TestPki;
import dev.fluke.grpc.TlsFiles;
import dev.fluke.testing.TestRepos;
import dev.fluke.testing.TestTools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mutual TLS as an operator configures it: server.hcl with {@code tls { cert_file key_file
 * client_ca_file crl_file }} and agent.hcl with {@code tls { ca_file cert_file key_file }}, through
 * the real config loader, ServerNode and AgentNode, with certificates made by openssl as
 * docs/security.md shows. A host's certificate registers that host; used under another name it
 * registers nothing.
 */
class MutualTlsNodesIT {
  @TempDir Path tmp;
  private ServerNode server;
  private final List<AgentNode> agents = new ArrayList<>();
  private TestRepos.Repo repo;

  @AfterEach
  void stop() {
    agents.forEach(AgentNode::close);
    if (server != null) {
      server.close();
    }
    if (repo != null) {
      repo.close();
    }
  }

  @Test
  void anAgentRegistersWithItsOwnCertificateAndNotWithAnotherHosts() throws Exception {
    repo = TestRepos.init(tmp.resolve("manifests"));
    String marker = tmp.resolve("host/motd").toString();
    repo.write(
        "web.fluke.hcl",
        """
        task "motd" {
          selector { match_labels = { role = "web" } }
          shell "file" {
            check   = "test -f %s"
            command = "mkdir -p $(dirname %s) && touch %s"
          }
        }
        """
            .formatted(marker, marker, marker));
    repo.commit("first");
    Openssl openssl = new Openssl(Files.createDirectories(tmp.resolve("server-tls")));
    openssl.run(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "server.key",
        "-out",
        "server.crt",
        "-days",
        "2",
        "-subj",
        "/CN=fluke-server",
        "-addext",
        "subjectAltName=IP:127.0.0.1");
    TestPki pki = TestPki.create(tmp.resolve("agents-ca"), "Fluke agents CA");
    TlsFiles web = pki.issue("web-01");

    ServerConfig serverConfig =
        new ConfigLoader()
            .parseServer(
                "server.hcl",
                """
                server {
                  listen_grpc  = "127.0.0.1:0"
                  listen_http  = "127.0.0.1:0"
                  agent_tokens = ["t0ken"]
                  data_dir     = "%s"
                  git { url = "%s"  poll_interval = "1s" }
                  tls {
                    cert_file      = "%s"
                    key_file       = "%s"
                    client_ca_file = "%s"
                    crl_file       = "%s"
                  }
                }
                """
                    .formatted(
                        tmp.resolve("server"),
                        repo.url(),
                        openssl.file("server.crt"),
                        openssl.file("server.key"),
                        pki.caCert(),
                        pki.crl()),
                Map.of());
    server = ServerNode.start(serverConfig, Fleet.PEKKO);

    // db-01 holds web-01's certificate: it must not register, however often it retries.
    startAgent("db-01", web, openssl.file("server.crt"));
    startAgent("web-01", web, openssl.file("server.crt"));

    await(
        "web-01 registered and ran its task",
        Duration.ofSeconds(60),
        () -> "satisfied".equals(status("web-01")),
        () -> server.fleetApi().agents().toCompletableFuture().join());
    List<String> names =
        server.fleetApi().agents().toCompletableFuture().join().stream()
            .map(Dto.AgentSummary::name)
            .toList();
    assertEquals(List.of("web-01"), names);
    assertTrue(Files.exists(Path.of(marker)));
  }

  private String status(String agent) {
    Optional<Dto.AgentDetail> detail = server.fleetApi().agent(agent).toCompletableFuture().join();
    return detail
        .flatMap(d -> d.tasks().stream().findFirst())
        .map(t -> t.status().word())
        .orElse("absent");
  }

  private void startAgent(String name, TlsFiles certificate, Path serverCa) throws Exception {
    AgentConfig config =
        new ConfigLoader()
            .parseAgent(
                "agent.hcl",
                """
                agent {
                  server_url = "grpcs://127.0.0.1:%d"
                  token      = "t0ken"
                  name       = "%s"
                  labels     = { role = "web" }
                  state_dir  = "%s"
                  tls {
                    ca_file   = "%s"
                    cert_file = "%s"
                    key_file  = "%s"
                  }
                  execution { mise_path = "%s" }
                }
                """
                    .formatted(
                        server.grpcPort(),
                        name,
                        tmp.resolve("agent-" + name),
                        serverCa,
                        certificate.certFile(),
                        certificate.keyFile(),
                        TestTools.mise()),
                Map.of());
    agents.add(
        AgentNode.start(
            config, TestTools.isolatedMiseEnv(tmp.resolve("mise-" + name)), Fleet.PEKKO));
  }
}
