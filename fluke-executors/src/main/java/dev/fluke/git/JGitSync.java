package dev.fluke.git;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;
import org.eclipse.jgit.api.errors.GitAPIException;

/**
 * {@link GitSync} on JGit: keeps a working copy at the tip of one branch without ever throwing
 * local work away. Used by the mise executor's {@code git} block on agents and by the server's Git
 * watcher.
 *
 * <ul>
 *   <li>Absent or empty directory: clone the branch only (remote {@code origin}), check it out.
 *   <li>Otherwise the directory must be a Git working copy whose {@code origin} is the same URL
 *       (credentials in the URL aside); it is fetched, and the branch is fast-forwarded. A dirty
 *       working tree or local commits are an error: never a reset. A branch other than the one
 *       wanted is switched (clean trees only).
 *   <li>A branch rewritten upstream (force push: the commit checked out is no longer part of it) is
 *       followed or refused as the {@link RewritePolicy} says. It is followed only when the working
 *       copy has no commits of its own, i.e. its commit was once the remote's ({@code
 *       origin/<branch>}, which moves only when the working copy does): the new tip's tree is
 *       checked out as a fast-forward would (an untracked file in the way is an error) and the
 *       branch moved to it. Refused, it throws {@link HistoryRewrittenException}.
 *   <li>Access: {@code file://} and plain paths, {@code http(s)://} (smart and dumb), basic auth
 *       from {@link GitSource#basicAuthUser()}/{@code basicAuthPassword()} or from the URL's
 *       user-info (which is never written to the clone's config), SSH with {@link
 *       GitSource#sshKeyFile()} (or the user's default keys). Nothing ever prompts: no interactive
 *       credentials provider is installed.
 *   <li>SSH host keys ({@link HostKeyPolicy}): keys are looked up in {@link
 *       Options#knownHostsFile()} (when set), {@code ~/.ssh/known_hosts}, {@code
 *       ~/.ssh/known_hosts2} and {@code /etc/ssh/ssh_known_hosts}. A key that differs from a
 *       recorded one is always refused. An unknown host is refused under {@code STRICT}, and
 *       accepted and recorded in the first of those files under {@code ACCEPT_NEW} (OpenSSH's
 *       {@code StrictHostKeyChecking=accept-new}).
 *   <li>Exception messages never contain a password: every message is scrubbed, and a cause whose
 *       text held one is not attached.
 * </ul>
 *
 * <p>Thread-safe: calls for different directories run in parallel, calls for the same directory
 * queue. Close it to release SSH resources.
 *
 * <p>The work is done by {{@link BranchSync}} (sync and pin), {{@link PendingSync}} and {{@link
 * RefExport}}, over one {{@link GitTransport}} (timeouts, credentials, SSH); this class validates
 * the call, holds the directory's lock and has {{@link GitErrors}} translate every failure.
 */
public final class JGitSync implements GitSync, AutoCloseable {

  /** What to do with an SSH server whose host key is not yet known. */
  public enum HostKeyPolicy {
    /** Refuse it (the operator adds it with {@code ssh-keyscan HOST >> known_hosts}). */
    STRICT,
    /** Trust it on first use and record it (a changed key is still refused). */
    ACCEPT_NEW
  }

  /**
   * @param timeout network timeout of each clone/fetch (JGit's transport timeout, whole seconds)
   * @param hostKeyPolicy see {@link HostKeyPolicy}
   * @param knownHostsFile Fluke's own known_hosts, consulted first and written to under ACCEPT_NEW;
   *     null = {@code ~/.ssh/known_hosts}
   */
  public record Options(Duration timeout, HostKeyPolicy hostKeyPolicy, Path knownHostsFile) {
    public Options {
      Objects.requireNonNull(timeout, "timeout");
      Objects.requireNonNull(hostKeyPolicy, "hostKeyPolicy");
    }

    /** Two minutes, ACCEPT_NEW, the user's own known_hosts. */
    public static Options defaults() {
      return new Options(Duration.ofMinutes(2), HostKeyPolicy.ACCEPT_NEW, null);
    }

    /**
     * The same options with host keys learnt and checked in {@code file} (a daemon's own
     * known_hosts).
     */
    public Options withKnownHostsFile(Path file) {
      return new Options(timeout, hostKeyPolicy, file);
    }
  }

  private final Map<Path, ReentrantLock> locks = new ConcurrentHashMap<>();
  private final GitTransport transport;
  private final BranchSync branches;
  private final PendingSync pending;
  private final RefExport exports;

  public JGitSync() {
    this(Options.defaults());
  }

  public JGitSync(Options options) {
    this.transport = new GitTransport(Objects.requireNonNull(options));
    this.branches = new BranchSync(transport);
    this.pending = new PendingSync(transport);
    this.exports = new RefExport(transport);
  }

  @Override
  public GitSync.Result sync(GitSource source, Path dir, RewritePolicy rewrites)
      throws GitSyncException {
    requireUrl(source);
    if (dir == null) {
      throw new GitSyncException("no directory given for " + source.redactedUrl());
    }
    Path abs = dir.toAbsolutePath().normalize();
    RewritePolicy policy = rewrites == null ? RewritePolicy.FOLLOW : rewrites;
    return guarded(source, abs, () -> branches.sync(source, branchOf(source), abs, policy));
  }

  @Override
  public GitSync.Result pin(GitSource source, Path dir, String commit) throws GitSyncException {
    Path abs = dir.toAbsolutePath().normalize();
    return guarded(
        source,
        abs,
        () -> {
          try {
            return BranchSync.pin(source, abs, commit);
          } catch (GitAPIException | IOException | RuntimeException e) {
            throw new GitSyncException(
                "checking out " + commit + " failed: " + GitErrors.describe(e), e);
          }
        });
  }

  @Override
  public String exportRef(
      GitSource source, String ref, Path cache, Path into, Predicate<String> wanted)
      throws GitSyncException {
    requireUrl(source);
    String name = ref == null ? "" : ref.strip();
    if (!RefNames.valid(name)) {
      throw new GitSyncException(
          "'"
              + name
              + "' is not a branch, tag or commit name (a plan takes a branch, a tag, a full ref"
              + " such as refs/pull/12/head, or a commit id of at least 7 hex digits)");
    }
    Path abs = cache.toAbsolutePath().normalize();
    return guarded(source, abs, () -> exports.export(source, name, abs, into, wanted));
  }

  @Override
  public String pendingSync(GitSource source, Path dir) throws GitSyncException {
    requireUrl(source);
    Path abs = dir.toAbsolutePath().normalize();
    return guarded(source, abs, () -> pending.pending(source, branchOf(source), abs));
  }

  /**
   * Runs {@code call} holding {@code dir}'s lock (calls for one directory queue), with its failures
   * translated by {@link GitErrors#translate}.
   */
  private <T> T guarded(GitSource source, Path dir, GitCall<T> call) throws GitSyncException {
    ReentrantLock lock = locks.computeIfAbsent(dir, p -> new ReentrantLock());
    lock.lock();
    try {
      return GitErrors.translate(source, transport::hint, call);
    } finally {
      lock.unlock();
    }
  }

  private static void requireUrl(GitSource source) throws GitSyncException {
    if (source == null || source.url() == null || source.url().isBlank()) {
      throw new GitSyncException("no repository URL given");
    }
  }

  private static String branchOf(GitSource source) {
    return source.branch() == null || source.branch().isBlank() ? "main" : source.branch();
  }

  @Override
  public void close() {
    transport.close();
  }
}
