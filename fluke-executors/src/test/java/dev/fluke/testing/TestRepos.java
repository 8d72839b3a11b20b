package dev.fluke.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.lib.Config;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.storage.file.FileBasedConfig;
import org.eclipse.jgit.util.FS;
import org.eclipse.jgit.util.SystemReader;

/**
 * Real Git repositories for tests, made with JGit in temp dirs: {@link #init(Path)} a repo on
 * branch {@code main}, write files, commit, and serve it over HTTP with {@link GitHttpServer}.
 *
 * <p>Every entry point first calls {@link #isolateJGitConfig()}, so that JGit in this JVM reads and
 * writes its user, system and own config in a temp dir, never in the real home.
 */
public final class TestRepos {
  private TestRepos() {}

  private static Path configDir;

  /**
   * Points JGit's user config, system config and its own config ({@code $XDG_CONFIG_HOME/jgit}) at
   * files in a temp dir, for the whole JVM. Idempotent; returns that dir.
   */
  public static synchronized Path isolateJGitConfig() {
    if (configDir != null) {
      return configDir;
    }
    try {
      Path dir = Files.createTempDirectory("fluke-jgit-config");
      dir.toFile().deleteOnExit();
      SystemReader base = SystemReader.getInstance();
      SystemReader.setInstance(
          new SystemReader.Delegate(base) {
            @Override
            public FileBasedConfig openUserConfig(Config parent, FS fs) {
              return new FileBasedConfig(parent, dir.resolve("user.gitconfig").toFile(), fs);
            }

            @Override
            public FileBasedConfig openSystemConfig(Config parent, FS fs) {
              return new FileBasedConfig(parent, dir.resolve("system.gitconfig").toFile(), fs);
            }

            @Override
            public FileBasedConfig openJGitConfig(Config parent, FS fs) {
              return new FileBasedConfig(parent, dir.resolve("jgit.config").toFile(), fs);
            }

            @Override
            public String getenv(String variable) {
              if ("XDG_CONFIG_HOME".equals(variable)) {
                return dir.toString();
              }
              return super.getenv(variable);
            }
          });
      configDir = dir;
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A new non-bare repository in {@code dir} (created) whose initial branch is {@code main}. */
  public static Repo init(Path dir) {
    isolateJGitConfig();
    try {
      Files.createDirectories(dir);
      Git git = Git.init().setDirectory(dir.toFile()).setInitialBranch("main").call();
      return new Repo(git);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (GitAPIException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * A new bare repository in {@code dir} (created) whose HEAD names {@code main}; returns {@code
   * dir}.
   */
  public static Path initBare(Path dir) {
    isolateJGitConfig();
    try {
      Files.createDirectories(dir);
      Git.init().setBare(true).setDirectory(dir.toFile()).setInitialBranch("main").call().close();
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (GitAPIException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Opens an existing working copy (e.g. one a sync produced) to inspect it. */
  public static Repo open(Path dir) {
    isolateJGitConfig();
    try {
      return new Repo(Git.open(dir.toFile()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A working repository with helpers to write, commit and branch. Close it when done. */
  public static final class Repo implements AutoCloseable {
    private static final PersonIdent AUTHOR = new PersonIdent("Fluke Test", "test@fluke.invalid");
    private final Git git;

    Repo(Git git) {
      this.git = git;
    }

    public Path dir() {
      return git.getRepository().getWorkTree().toPath();
    }

    /** The {@code .git} directory: what {@link GitHttpServer} serves. */
    public Path gitDir() {
      return git.getRepository().getDirectory().toPath();
    }

    /** {@code file://} URL of this repository. */
    public String url() {
      return dir().toUri().toString();
    }

    public Git git() {
      return git;
    }

    /** Writes a file (parents created) relative to the work tree; does not stage it. */
    public Repo write(String path, String content) {
      try {
        Path p = dir().resolve(path);
        Files.createDirectories(p.getParent());
        Files.writeString(p, content, StandardCharsets.UTF_8);
        return this;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /** Stages everything (new, changed, deleted) and commits; returns the commit id (40 hex). */
    public String commit(String message) {
      try {
        git.add().addFilepattern(".").call();
        git.add().addFilepattern(".").setUpdate(true).call();
        RevCommit c =
            git.commit()
                .setMessage(message)
                .setAuthor(AUTHOR)
                .setCommitter(AUTHOR)
                .setSign(false)
                .call();
        return c.getId().name();
      } catch (GitAPIException e) {
        throw new IllegalStateException(e);
      }
    }

    /** {@link #write} then {@link #commit}. */
    public String commitFile(String path, String content, String message) {
      return write(path, content).commit(message);
    }

    /** The commit id a ref (e.g. {@code HEAD}, {@code main}) points at, or null. */
    public String resolve(String ref) {
      try {
        var id = git.getRepository().resolve(ref);
        return id == null ? null : id.name();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /** Creates {@code branch} at HEAD and checks it out. */
    public Repo checkoutNewBranch(String branch) {
      try {
        git.checkout().setCreateBranch(true).setName(branch).call();
        return this;
      } catch (GitAPIException e) {
        throw new IllegalStateException(e);
      }
    }

    public Repo checkout(String branch) {
      try {
        git.checkout().setName(branch).call();
        return this;
      } catch (GitAPIException e) {
        throw new IllegalStateException(e);
      }
    }

    /** Pushes the current branch to {@code target} (a path or URL), force-updating it there. */
    public Repo push(String target) {
      try {
        String branch = git.getRepository().getFullBranch();
        git.push()
            .setRemote(target)
            .setRefSpecs(new org.eclipse.jgit.transport.RefSpec("+" + branch + ":" + branch))
            .call();
        return this;
      } catch (GitAPIException | IOException e) {
        throw new IllegalStateException(e);
      }
    }

    /**
     * Moves the current branch to {@code commit}, dropping later commits (to fabricate divergence).
     */
    public Repo resetHard(String commit) {
      try {
        git.reset().setMode(org.eclipse.jgit.api.ResetCommand.ResetType.HARD).setRef(commit).call();
        return this;
      } catch (GitAPIException e) {
        throw new IllegalStateException(e);
      }
    }

    @Override
    public void close() {
      git.close();
    }
  }
}
