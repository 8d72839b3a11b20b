package dev.fluke.git;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fluke.testing.GitSshServer;
import dev.fluke.testing.TestRepos;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JGitSyncSshTest {
  @TempDir Path tmp;
  private TestRepos.Repo upstream;
  private GitSshServer ssh;
  private Path knownHosts;

  @BeforeEach
  void setUp() {
    upstream = TestRepos.init(tmp.resolve("upstream"));
    upstream.commitFile("README.md", "v1\n", "first");
    ssh = GitSshServer.start(upstream.gitDir(), tmp.resolve("keys"));
    knownHosts = tmp.resolve("known_hosts");
  }

  @AfterEach
  void tearDown() {
    ssh.close();
    upstream.close();
  }

  private JGitSync sync(JGitSync.HostKeyPolicy policy) {
    return new JGitSync(new JGitSync.Options(Duration.ofSeconds(30), policy, knownHosts));
  }

  private GitSource source(Path key) {
    return new GitSource(ssh.url(), "main", key, null, null);
  }

  @Test
  void keyFileAndKnownHostCloneAndFastForward() throws Exception {
    Files.writeString(knownHosts, ssh.knownHostsLine() + "\n");
    try (JGitSync sync = sync(JGitSync.HostKeyPolicy.STRICT)) {
      Path wc = tmp.resolve("wc");
      assertEquals(upstream.resolve("HEAD"), sync.sync(source(ssh.clientKeyFile()), wc));
      String second = upstream.commitFile("README.md", "v2\n", "second");
      assertEquals(second, sync.sync(source(ssh.clientKeyFile()), wc));
      assertEquals("v2\n", Files.readString(wc.resolve("README.md")));
    }
  }

  @Test
  void strictPolicyRefusesAnUnknownHostWithoutPrompting() {
    try (JGitSync sync = sync(JGitSync.HostKeyPolicy.STRICT)) {
      GitSyncException e =
          assertThrows(
              GitSyncException.class,
              () -> sync.sync(source(ssh.clientKeyFile()), tmp.resolve("wc")));
      assertTrue(e.getMessage().contains("SSH host key is unknown or has changed"), e.getMessage());
      assertTrue(e.getMessage().contains(knownHosts.toString()), e.getMessage());
    }
  }

  @Test
  void acceptNewTrustsOnFirstUseAndRecordsTheKey() throws Exception {
    try (JGitSync sync = sync(JGitSync.HostKeyPolicy.ACCEPT_NEW)) {
      assertEquals(
          upstream.resolve("HEAD"), sync.sync(source(ssh.clientKeyFile()), tmp.resolve("wc")));
    }
    String recorded = Files.readString(knownHosts);
    assertTrue(recorded.contains("[127.0.0.1]:" + ssh.port()), recorded);
    // recorded: now even the strict policy accepts it
    try (JGitSync strict = sync(JGitSync.HostKeyPolicy.STRICT)) {
      assertEquals(
          upstream.resolve("HEAD"), strict.sync(source(ssh.clientKeyFile()), tmp.resolve("wc2")));
    }
  }

  @Test
  void aChangedHostKeyIsAlwaysRefused() throws Exception {
    Files.writeString(knownHosts, ssh.wrongKnownHostsLine() + "\n");
    try (JGitSync sync = sync(JGitSync.HostKeyPolicy.ACCEPT_NEW)) {
      GitSyncException e =
          assertThrows(
              GitSyncException.class,
              () -> sync.sync(source(ssh.clientKeyFile()), tmp.resolve("wc")));
      assertTrue(e.getMessage().contains("different from the recorded one"), e.getMessage());
    }
    assertTrue(!Files.exists(tmp.resolve("wc/.git")));
  }

  @Test
  void aKeyTheServerDoesNotKnowIsRefused() throws Exception {
    Files.writeString(knownHosts, ssh.knownHostsLine() + "\n");
    Path otherKey;
    try (GitSshServer other = GitSshServer.start(upstream.gitDir(), tmp.resolve("other-keys"))) {
      otherKey = other.clientKeyFile();
    }
    try (JGitSync sync = sync(JGitSync.HostKeyPolicy.STRICT)) {
      GitSyncException e =
          assertThrows(
              GitSyncException.class, () -> sync.sync(source(otherKey), tmp.resolve("wc")));
      assertTrue(e.getMessage().toLowerCase().contains("auth"), e.getMessage());
    }
  }
}
