package dev.fluke.cluster;

import static dev.fluke.server.LineManifestLoader.task;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.fluke.api.Dto;
import dev.fluke.events.MemoryEventStore;
import dev.fluke.git.GitSource;
import dev.fluke.git.JGitSync;
import dev.fluke.server.FlukeServer;
import dev.fluke.server.LineManifestLoader;
import dev.fluke.server.ServerSettings;
import dev.fluke.testing.TestRepos;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Git in a cluster of three nodes over real Artery, with real Git repositories on disk. */
class ClusterGitTest {
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir Path tmp;

  @Test
  void everyNodeLoadsTheSingletonsCommitAndItStaysInForceWhenTheSingletonMoves() throws Exception {
    TestRepos.isolateJGitConfig();
    try (TestRepos.Repo repo = TestRepos.init(tmp.resolve("repo"));
        ClusterNodes nodes = ClusterNodes.start(3);
        JGitSync git = new JGitSync()) {
      String c1 = repo.commitFile("a.tasks", task("app", null, "shell:x", "role=web"), "c1");
      List<FlukeServer> servers = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        ServerSettings settings =
            ServerSettings.create(nodes.node(i))
                .withDataDir(tmp.resolve("node" + i))
                .withGit(GitSource.of(repo.url(), "main"), Duration.ofHours(1), "**.tasks");
        servers.add(
            FlukeServer.start(
                nodes.node(i),
                settings,
                git,
                new LineManifestLoader(),
                new MemoryEventStore(10, 10, 10)));
      }
      awaitCommit(servers, c1, FlukeServer::localManifest);
      awaitCommit(servers, c1, s -> s.fleetApi().manifest());

      // a push, announced to any node (the webhook): the singleton fetches, every node follows
      String c2 = repo.commitFile("a.tasks", task("app", null, "shell:y", "role=web"), "c2");
      servers.get(2).fetchNow();
      awaitCommit(servers, c2, FlukeServer::localManifest);

      // the singleton runs on the oldest node, node 0: it goes, the singleton moves
      nodes.node(0).terminate();
      nodes.node(0).getWhenTerminated().toCompletableFuture().join();
      List<FlukeServer> rest = servers.subList(1, 3);
      awaitCommit(rest, c2, s -> s.fleetApi().manifest());
      for (FlukeServer s : rest) {
        Dto.ManifestStatus m = s.fleetApi().manifest().toCompletableFuture().join();
        assertNull(m.fetchError(), "answered by the new singleton");
        assertEquals(c2, s.localManifest().toCompletableFuture().join().commit());
      }

      // and the new singleton takes new commits
      String c3 = repo.commitFile("a.tasks", task("app", null, "shell:z", "role=web"), "c3");
      rest.get(0).fetchNow();
      awaitCommit(rest, c3, FlukeServer::localManifest);
      awaitCommit(rest, c3, s -> s.fleetApi().manifest());
    }
  }

  private static void awaitCommit(
      List<FlukeServer> servers,
      String commit,
      Function<FlukeServer, java.util.concurrent.CompletionStage<Dto.ManifestStatus>> status) {
    await()
        .atMost(WAIT)
        .ignoreExceptions()
        .until(
            () ->
                servers.stream()
                    .allMatch(
                        s -> commit.equals(status.apply(s).toCompletableFuture().join().commit())));
  }
}
