package dev.fluke.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fluke.git.GitSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the server keeps on disk: one clone per repository URL, and the last good manifests. */
class ManifestStoreTest {
  @TempDir Path tmp;

  @Test
  void anOldManifestCloneInTheDataDirIsNotedForTheLogAndNothingElseIs() throws IOException {
    assertEquals(Optional.empty(), ManifestStore.oldCloneNote(tmp));
    Files.createDirectories(tmp.resolve("manifests/.git"));
    String note = ManifestStore.oldCloneNote(tmp).orElseThrow();
    assertTrue(note.startsWith(tmp.resolve("manifests") + " is the manifest clone of an earlier"));
    assertTrue(note.contains(tmp.resolve("git/repos").toString()), note);
  }

  @Test
  void oneCloneDirectoryPerRepositoryWhateverTheCredentialsOrSpelling() {
    ManifestStore store = new ManifestStore(tmp);
    Path a = store.checkoutFor(GitSource.of("https://git.example.org/ops/fleet.git", "main"));
    assertEquals(tmp.resolve("git/repos"), a.getParent());
    assertTrue(a.getFileName().toString().startsWith("git.example.org-ops-fleet-"), a.toString());
    assertEquals(
        a, store.checkoutFor(GitSource.of("https://bot:s3cret@git.example.org/ops/fleet/", "dev")));
    assertFalse(a.toString().contains("s3cret"));
    assertNotEquals(
        a, store.checkoutFor(GitSource.of("https://git.example.org/ops/other.git", "main")));
    assertNotEquals(
        a, store.checkoutFor(GitSource.of("https://mirror.example.org/ops/fleet", "main")));
  }

  @Test
  void theLastGoodManifestsAreKeptAndReadBackAndReplacedWhole() throws Exception {
    ManifestStore store = new ManifestStore(tmp);
    assertEquals(Optional.empty(), store.readSnapshot(), "nothing kept yet");
    Path checkout = Files.createDirectories(tmp.resolve("clone"));
    Files.createDirectories(checkout.resolve("apps"));
    Files.writeString(checkout.resolve("apps/web.fluke.hcl"), "web");
    Files.writeString(checkout.resolve("base.fluke.hcl"), "base");
    Files.writeString(checkout.resolve("README.md"), "not a manifest");
    Instant at = Instant.parse("2025-03-01T12:00:00Z");
    store.writeSnapshot(
        checkout,
        List.of("apps/web.fluke.hcl", "base.fluke.hcl"),
        "c1",
        "https://git.example.org/fleet.git",
        "main",
        "**/*.fluke.hcl",
        at);

    ManifestStore.Snapshot s = store.readSnapshot().orElseThrow();
    assertEquals("c1", s.commit());
    assertEquals("https://git.example.org/fleet.git", s.repository());
    assertEquals("main", s.branch());
    assertEquals("**/*.fluke.hcl", s.glob());
    assertEquals(at, s.loadedAt());
    assertEquals("web", Files.readString(s.root().resolve("apps/web.fluke.hcl")));
    assertFalse(Files.exists(s.root().resolve("README.md")), "only the manifest files");

    Files.writeString(checkout.resolve("base.fluke.hcl"), "base v2");
    store.writeSnapshot(
        checkout,
        List.of("base.fluke.hcl"),
        "c2",
        null,
        null,
        "**/*.fluke.hcl",
        at.plusSeconds(60));
    ManifestStore.Snapshot next = store.readSnapshot().orElseThrow();
    assertEquals("c2", next.commit());
    assertEquals("base v2", Files.readString(next.root().resolve("base.fluke.hcl")));
    assertFalse(Files.exists(next.root().resolve("apps/web.fluke.hcl")), "replaced whole");
    try (var left = Files.list(tmp.resolve("git"))) {
      assertEquals(List.of("last-good"), left.map(p -> p.getFileName().toString()).toList());
    }
  }

  @Test
  void aSnapshotInterruptedWhileBeingReplacedIsFoundUnderItsOldName() throws Exception {
    ManifestStore store = new ManifestStore(tmp);
    Path checkout = Files.createDirectories(tmp.resolve("clone"));
    Files.writeString(checkout.resolve("a.fluke.hcl"), "a");
    store.writeSnapshot(checkout, List.of("a.fluke.hcl"), "c1", null, "main", "**", Instant.EPOCH);
    Files.move(tmp.resolve("git/last-good"), tmp.resolve("git/last-good.old"));
    assertEquals("c1", store.readSnapshot().orElseThrow().commit());
  }

  @Test
  void aDamagedSnapshotIsAnErrorNotAnEmptyState() throws Exception {
    ManifestStore store = new ManifestStore(tmp);
    Files.createDirectories(tmp.resolve("git/last-good"));
    Files.writeString(tmp.resolve("git/last-good/snapshot.properties"), "commit=c1\n");
    assertThrows(IOException.class, store::readSnapshot);
  }

  @Test
  void pathsLeavingTheCheckoutAreRefused() throws Exception {
    ManifestStore store = new ManifestStore(tmp);
    Path checkout = Files.createDirectories(tmp.resolve("clone"));
    Files.writeString(tmp.resolve("secret"), "outside");
    assertThrows(
        IOException.class,
        () ->
            store.writeSnapshot(
                checkout, List.of("../secret"), "c1", null, "main", "**", Instant.EPOCH));
    assertEquals(Optional.empty(), store.readSnapshot());
  }

  @Test
  void clonesOfOtherUrlsArePruned() throws Exception {
    ManifestStore store = new ManifestStore(tmp);
    Path keep = store.checkoutFor(GitSource.of("https://h/new.git", "main"));
    Path old = store.checkoutFor(GitSource.of("https://h/old.git", "main"));
    Files.createDirectories(keep.resolve(".git"));
    Files.createDirectories(old.resolve(".git"));
    Files.writeString(old.resolve("x"), "x");
    assertEquals(List.of(old.getFileName().toString()), store.pruneOtherCheckouts(keep));
    assertTrue(Files.exists(keep));
    assertFalse(Files.exists(old));
  }
}
