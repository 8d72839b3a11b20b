package dev.fluke.app;

import static dev.fluke.app.Fleet.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fluke.api.Dto;
import dev.fluke.app.cli.FlukeCommand;
import dev.fluke.app.client.ApiClient;
import dev.fluke.config.ConfigLoader;
import dev.fluke.config.ServerConfig;
import dev.fluke.events.Event;
import dev.fluke.events.EventQuery;
import dev.fluke.testing.TestRepos;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * "The remote is the truth" through a real server ({@link ServerNode} from {@code server.hcl}, its
 * HTTP API, {@code /readyz} and the CLI) and real Git repositories over {@code file://}: a changed
 * repository URL with the same {@code data_dir}, a force-pushed branch followed, and one refused
 * under {@code on_force_push = "refuse"} until {@code fluke accept rewrite} accepts it.
 */
class ManifestRepositoryIT {
  private static final Duration PATIENCE = Duration.ofSeconds(30);

  @TempDir Path tmp;
  private ServerNode server;
  private ApiClient api;
  private final HttpClient http = HttpClient.newHttpClient();

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  private static String task(String name) {
    return """
        task "%s" {
          selector { match_labels = { role = "web" } }
          shell "x" {
            check   = "true"
            command = "true"
          }
        }
        """
        .formatted(name);
  }

  /** Starts a server on {@code dataDir} reading {@code url}; polls rarely: tests fetch by hand. */
  private void startServer(Path dataDir, String url, String gitExtra) throws Exception {
    String hcl =
        """
        server {
          listen_grpc  = "127.0.0.1:0"
          listen_http  = "127.0.0.1:0"
          agent_tokens = ["agent-token"]
          data_dir     = "%s"
          git {
            url           = "%s"
            poll_interval = "1h"
            %s
          }
        }
        """
            .formatted(dataDir, url, gitExtra);
    ServerConfig config = new ConfigLoader().parseServer("server.hcl", hcl, Map.of());
    server = ServerNode.start(config, Fleet.PEKKO);
    api = new ApiClient("http://127.0.0.1:" + server.httpPort(), null, Duration.ofSeconds(10));
  }

  private void restart(Path dataDir, String url, String gitExtra) throws Exception {
    server.close();
    server = null;
    startServer(dataDir, url, gitExtra);
  }

  private Dto.ManifestStatus manifest() {
    return api.manifest().value();
  }

  private List<String> taskNames() {
    return api.tasks().value().stream().map(Dto.TaskSummary::name).toList();
  }

  private int readyz() throws Exception {
    return http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.httpPort() + "/readyz"))
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .statusCode();
  }

  private List<Event> events(String outcome) {
    return api.events(new EventQuery(null, null, outcome, 50)).value();
  }

  private void awaitInForce(String commit) {
    await(
        "commit " + commit + " is in force",
        PATIENCE,
        () -> commit.equals(manifest().commit()),
        this::manifest);
  }

  @Test
  void aNewRepositoryUrlWithTheSameDataDirLoadsItAndTheOldStateStaysUntilThen() throws Exception {
    Path dataDir = tmp.resolve("server");
    String first;
    try (TestRepos.Repo old = TestRepos.init(tmp.resolve("old"))) {
      first = old.commitFile("web.fluke.hcl", task("alpha"), "alpha");
      startServer(dataDir, old.url(), "");
      awaitInForce(first);
      assertEquals(200, readyz());
      await(
          "alpha is a task", PATIENCE, () -> taskNames().equals(List.of("alpha")), this::manifest);

      // The URL changes to a repository that does not exist yet: the old state stays in force,
      // from the very first answer on, and says where it came from.
      Path fresh = tmp.resolve("new");
      String freshUrl = fresh.toUri().toString();
      restart(dataDir, freshUrl, "");
      Dto.ManifestStatus s = manifest();
      assertEquals(first, s.commit(), "the last good state is in force at once");
      assertEquals(old.url(), s.loadedFrom());
      assertEquals(freshUrl, s.repository());
      assertEquals(200, readyz());
      await(
          "the fetch of the new URL fails",
          PATIENCE,
          () -> manifest().fetchError() != null,
          this::manifest);
      assertEquals(first, manifest().commit());
      assertEquals(1, manifest().tasks());
      await(
          "alpha is a task", PATIENCE, () -> taskNames().equals(List.of("alpha")), this::manifest);
      assertEquals(1, events("restored").size());

      // The new repository appears: it is cloned next to the old clone and loaded.
      try (TestRepos.Repo repo = TestRepos.init(fresh)) {
        String second = repo.commitFile("web.fluke.hcl", task("beta"), "beta");
        server.server().fetchNow();
        awaitInForce(second);
        s = manifest();
        assertEquals(freshUrl, s.loadedFrom());
        assertNull(s.fetchError());
        assertTrue(s.errors().isEmpty());
        await(
            "beta is the task",
            PATIENCE,
            () -> taskNames().equals(List.of("beta")),
            this::manifest);
        assertEquals(200, readyz());
        try (Stream<Path> clones = Files.list(dataDir.resolve("git/repos"))) {
          assertEquals(1, clones.count(), "one clone, of the URL configured now");
        }
      }
    }
  }

  @Test
  void aForcePushIsFollowedAndUnderRefuseWaitsForFlukeAcceptRewrite() throws Exception {
    Path dataDir = tmp.resolve("server");
    try (TestRepos.Repo repo = TestRepos.init(tmp.resolve("repo"))) {
      String base = repo.commitFile("web.fluke.hcl", task("alpha"), "alpha");
      String dropped = repo.commitFile("more.fluke.hcl", task("beta"), "beta");
      startServer(dataDir, repo.url(), "");
      awaitInForce(dropped);

      // Followed by default: an event names the old and the new commit.
      repo.resetHard(base);
      String rewritten = repo.commitFile("other.fluke.hcl", task("gamma"), "gamma instead");
      server.server().fetchNow();
      awaitInForce(rewritten);
      List<Event> followed = events("rewritten");
      assertEquals(1, followed.size());
      assertTrue(
          followed.get(0).message().contains("from " + dropped + " to " + rewritten),
          followed.get(0).message());
      await(
          "gamma replaced beta",
          PATIENCE,
          () -> Set.copyOf(taskNames()).equals(Set.of("alpha", "gamma")),
          this::manifest);

      // With on_force_push = "refuse", the next rewrite waits for an operator.
      restart(dataDir, repo.url(), "on_force_push = \"refuse\"");
      awaitInForce(rewritten);
      repo.resetHard(base);
      String refused = repo.commitFile("last.fluke.hcl", task("delta"), "delta instead");
      server.server().fetchNow();
      await(
          "the rewrite is refused",
          PATIENCE,
          () -> refused.equals(manifest().refusedCommit()),
          this::manifest);
      Dto.ManifestStatus s = manifest();
      assertEquals(rewritten, s.commit(), "the commit in force stays");
      assertNotNull(s.fetchError());
      assertTrue(s.fetchError().contains("fluke accept rewrite " + refused), s.fetchError());
      assertEquals(200, readyz());
      assertEquals(1, events("rewrite_refused").size());

      Run accept = fluke("accept", "rewrite", refused.substring(0, 10));
      assertEquals(0, accept.exit(), accept.err());
      assertTrue(accept.out().contains("Accepted"), accept.out());
      awaitInForce(refused);
      assertNull(manifest().refusedCommit());
      await(
          "delta replaced gamma",
          PATIENCE,
          () -> Set.copyOf(taskNames()).equals(Set.of("alpha", "delta")),
          this::manifest);
      assertEquals(1, events("rewrite_accepted").size());
      assertTrue(
          events("rewritten").get(0).message().contains("accepted by an operator"),
          events("rewritten").toString());

      // Nothing waits any more: accepting again is an error.
      Run again = fluke("accept", "rewrite", refused);
      assertEquals(1, again.exit());
      assertTrue(again.err().contains("no rewrite of the branch is waiting"), again.err());
    }
  }

  private record Run(int exit, String out, String err) {}

  private Run fluke(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    var cli =
        FlukeCommand.commandLine(
            Map.of("FLUKE_SERVER", "http://127.0.0.1:" + server.httpPort()), Clock.systemUTC());
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int exit = cli.execute(args);
    return new Run(exit, out.toString(), err.toString());
  }
}
