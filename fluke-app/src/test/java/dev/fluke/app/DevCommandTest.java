package dev.fluke.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fluke.manifest.HclManifestLoader;
import dev.fluke.manifest.ManifestSet;
import dev.fluke.testing.TestRepos;
import dev.fluke.testing.TestTools;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.eclipse.jgit.api.Git;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The seeding {@code fluke dev} does before it starts a server and an agent. */
class DevCommandTest {
  @TempDir Path tmp;
  private final Path examples = TestTools.projectRoot().resolve("conf/examples");

  @BeforeAll
  static void isolateGit() {
    TestRepos.isolateJGitConfig();
  }

  @Test
  void manifestRepoIsSeededOnceFromTheExamplesAndLeftAloneAfterwards() throws Exception {
    Path repo = tmp.resolve("manifests");
    assertTrue(DevCommand.seedManifestRepo(examples.resolve("manifests"), repo));
    try (Git git = Git.open(repo.toFile())) {
      assertEquals("main", git.getRepository().getBranch());
      assertTrue(git.status().call().isClean());
    }
    ManifestSet set = HclManifestLoader.builtin().load(repo, "**/*.fluke.hcl");
    assertTrue(set.ok(), set.errors().toString());
    assertEquals(3, set.tasks().size());

    Files.writeString(repo.resolve("mine.fluke.hcl"), "# the user's own work\n");
    assertFalse(DevCommand.seedManifestRepo(examples.resolve("manifests"), repo));
    assertTrue(
        Files.exists(repo.resolve("mine.fluke.hcl")), "an existing repo is never overwritten");
  }

  @Test
  void demoAppRepoIsABareRepoWithTheMiseTasks() throws IOException {
    Path bare = tmp.resolve("demo-app.git");
    DevCommand.seedDemoAppRepo(examples.resolve("demo-app"), bare);
    try (TestRepos.Repo clone = TestRepos.init(tmp.resolve("clone"))) {
      clone
          .git()
          .fetch()
          .setRemote(bare.toUri().toString())
          .setRefSpecs("refs/heads/main:refs/remotes/demo/main")
          .call();
      clone.git().checkout().setName("demo/main").call();
      assertTrue(Files.readString(clone.dir().resolve(".mise.toml")).contains("[tasks.apply]"));
      assertEquals("1.0.0", Files.readString(clone.dir().resolve("VERSION")).strip());
    } catch (org.eclipse.jgit.api.errors.GitAPIException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void misePrefersPathThenTheCheckoutsOwnCopy() throws IOException {
    Path bin = tmp.resolve("bin");
    Files.createDirectories(bin);
    Path fake = bin.resolve("mise");
    Files.writeString(fake, "#!/bin/sh\n");
    fake.toFile().setExecutable(true);
    assertEquals(
        fake.toString(), DevCommand.misePath(java.util.Map.of("PATH", bin.toString()), examples));
    String local =
        DevCommand.misePath(java.util.Map.of("PATH", tmp.resolve("empty").toString()), examples);
    assertTrue(local.endsWith(".tools/node_modules/.bin/mise"), local);
  }
}
