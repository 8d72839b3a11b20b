package dev.fluke.git;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.eclipse.jgit.api.CreateBranchCommand;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.MergeCommand;
import org.eclipse.jgit.api.MergeResult;
import org.eclipse.jgit.api.ResetCommand;
import org.eclipse.jgit.api.Status;
import org.eclipse.jgit.api.TransportCommand;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.api.errors.JGitInternalException;
import org.eclipse.jgit.dircache.DirCache;
import org.eclipse.jgit.dircache.DirCacheCheckout;
import org.eclipse.jgit.errors.IncorrectObjectTypeException;
import org.eclipse.jgit.errors.MissingObjectException;
import org.eclipse.jgit.lib.AbbreviatedObjectId;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.transport.CredentialItem;
import org.eclipse.jgit.transport.CredentialsProvider;
import org.eclipse.jgit.transport.FetchResult;
import org.eclipse.jgit.transport.RefSpec;
import org.eclipse.jgit.transport.SshTransport;
import org.eclipse.jgit.transport.URIish;
import org.eclipse.jgit.transport.UsernamePasswordCredentialsProvider;
import org.eclipse.jgit.transport.sshd.JGitKeyCache;
import org.eclipse.jgit.transport.sshd.SshdSessionFactory;
import org.eclipse.jgit.transport.sshd.SshdSessionFactoryBuilder;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.eclipse.jgit.util.FS;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
 */
public final class JGitSync implements GitSync, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(JGitSync.class);

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

  private final Options options;
  private final Map<Path, ReentrantLock> locks = new ConcurrentHashMap<>();
  private final Map<String, SshdSessionFactory> sshFactories = new ConcurrentHashMap<>();

  public JGitSync() {
    this(Options.defaults());
  }

  public JGitSync(Options options) {
    this.options = Objects.requireNonNull(options);
  }

  @Override
  public GitSync.Result sync(GitSource source, Path dir, RewritePolicy rewrites)
      throws GitSyncException {
    if (source == null || source.url() == null || source.url().isBlank()) {
      throw new GitSyncException("no repository URL given");
    }
    if (dir == null) {
      throw new GitSyncException("no directory given for " + source.redactedUrl());
    }
    String branch = source.branch() == null || source.branch().isBlank() ? "main" : source.branch();
    Path abs = dir.toAbsolutePath().normalize();
    ReentrantLock lock = locks.computeIfAbsent(abs, p -> new ReentrantLock());
    lock.lock();
    try {
      return isAbsentOrEmpty(abs)
          ? GitSync.Result.of(cloneInto(source, branch, abs))
          : update(source, branch, abs, rewrites == null ? RewritePolicy.FOLLOW : rewrites);
    } catch (HistoryRewrittenException e) {
      throw new HistoryRewrittenException(
          scrubbed(e.getMessage(), null, source).getMessage(), e.localCommit(), e.remoteCommit());
    } catch (WorkingCopyException e) {
      GitSyncException clean = scrubbed(e.getMessage(), e.getCause(), source);
      throw new WorkingCopyException(clean.getMessage(), clean.getCause());
    } catch (GitSyncException e) {
      throw scrubbed(e.getMessage(), e.getCause(), source);
    } catch (GitAPIException | IOException | JGitInternalException | URISyntaxException e) {
      throw scrubbed(withHint(describe(e)), e, source);
    } catch (RuntimeException e) {
      throw scrubbed("unexpected failure: " + describe(e), e, source);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public GitSync.Result pin(GitSource source, Path dir, String commit) throws GitSyncException {
    Path abs = dir.toAbsolutePath().normalize();
    ReentrantLock lock = locks.computeIfAbsent(abs, p -> new ReentrantLock());
    lock.lock();
    try (Git git = Git.open(abs.toFile())) {
      Repository repo = git.getRepository();
      ObjectId id;
      try {
        id = repo.resolve(commit + "^{commit}");
      } catch (MissingObjectException | IncorrectObjectTypeException e) {
        id = null;
      }
      if (id == null) {
        throw new GitSyncException(
            "commit " + commit + " is not in the clone of " + source.redactedUrl());
      }
      if (!id.name().equals(head(repo))) {
        git.reset().setMode(ResetCommand.ResetType.HARD).setRef(id.name()).call();
      }
      return GitSync.Result.of(head(repo));
    } catch (GitSyncException e) {
      throw scrubbed(e.getMessage(), e.getCause(), source);
    } catch (GitAPIException | IOException | RuntimeException e) {
      throw scrubbed("checking out " + commit + " failed: " + describe(e), e, source);
    } finally {
      lock.unlock();
    }
  }

  private String cloneInto(GitSource source, String branch, Path dir)
      throws GitSyncException, GitAPIException, IOException, URISyntaxException {
    boolean existed = Files.exists(dir);
    Files.createDirectories(dir);
    String ref = Constants.R_HEADS + branch;
    try {
      var clone =
          Git.cloneRepository()
              .setURI(source.url())
              .setDirectory(dir.toFile())
              .setRemote(Constants.DEFAULT_REMOTE_NAME)
              .setBranch(ref)
              .setBranchesToClone(List.of(ref))
              .setCloneAllBranches(false);
      configure(clone, source);
      try (Git git = clone.call()) {
        Repository repo = git.getRepository();
        if (repo.exactRef(Constants.R_REMOTES + "origin/" + branch) == null) {
          throw new GitSyncException(
              "branch '" + branch + "' not found in " + source.redactedUrl());
        }
        if (!ref.equals(repo.getFullBranch())) {
          checkoutTracking(git, branch);
        }
        // keep passwords out of the clone's .git/config: the credentials come from the source each
        // time
        String stored = withoutPassword(source.url());
        if (!stored.equals(source.url())) {
          repo.getConfig().setString("remote", "origin", "url", stored);
          repo.getConfig().save();
        }
        return head(repo);
      }
    } catch (GitSyncException | GitAPIException | IOException | RuntimeException e) {
      // leave the directory as we found it, so the next attempt clones afresh
      cleanUp(dir, existed);
      throw e;
    }
  }

  private GitSync.Result update(GitSource source, String branch, Path dir, RewritePolicy rewrites)
      throws GitSyncException, GitAPIException, IOException, URISyntaxException {
    if (!Files.isDirectory(dir)) {
      throw new WorkingCopyException(dir + " exists and is not a directory");
    }
    if (!Files.exists(dir.resolve(".git"))) {
      throw new WorkingCopyException(
          dir + " is not empty and is not a Git working copy; refusing to touch it");
    }
    Repository repo =
        new FileRepositoryBuilder()
            .setWorkTree(dir.toFile())
            .setGitDir(dir.resolve(".git").toFile())
            .setMustExist(true)
            .build();
    try (Git git = new Git(repo)) {
      String origin = repo.getConfig().getString("remote", "origin", "url");
      if (origin == null || !sameUrl(origin, source.url())) {
        throw new WorkingCopyException(
            "working copy "
                + dir
                + " belongs to "
                + (origin == null
                    ? "no remote 'origin'"
                    : new GitSource(origin, null, null, null, null).redactedUrl())
                + ", not "
                + source.redactedUrl()
                + "; refusing to touch it");
      }
      String ref = Constants.R_HEADS + branch;
      String remoteRef = Constants.R_REMOTES + "origin/" + branch;
      // origin/<branch> is what the working copy was last brought to: it moves only together with
      // the working copy (below), never on a fetch alone. That is how a rewrite upstream is told
      // apart from local commits, however often a refused update is retried.
      ObjectId lastSynced = repo.resolve(remoteRef);
      var fetch = git.fetch().setRemote(source.url()).setRefSpecs(new RefSpec(ref));
      configure(fetch, source);
      FetchResult fetched = fetch.call();
      Ref advertised = fetched.getAdvertisedRef(ref);
      if (advertised == null || advertised.getObjectId() == null) {
        throw new GitSyncException("branch '" + branch + "' not found in " + source.redactedUrl());
      }
      ObjectId remote = advertised.getObjectId();

      Status status = git.status().call();
      Set<String> dirty = new TreeSet<>(status.getUncommittedChanges());
      dirty.addAll(status.getConflicting());
      if (!dirty.isEmpty()) {
        throw new WorkingCopyException(
            "working copy "
                + dir
                + " has local changes ("
                + sample(dirty)
                + "); refusing to update it");
      }

      if (!ref.equals(repo.getFullBranch())) {
        if (repo.exactRef(ref) == null) {
          setRef(repo, remoteRef, remote, "fluke: fetched " + branch);
          checkoutTracking(git, branch);
          return GitSync.Result.of(head(repo));
        }
        git.checkout().setName(branch).call();
      }

      ObjectId local = repo.resolve(ref);
      if (local == null) {
        throw new WorkingCopyException("nothing is checked out in " + dir);
      }
      if (local.equals(remote)) {
        setRef(repo, remoteRef, remote, "fluke: fetched " + branch);
        return GitSync.Result.of(head(repo));
      }
      String rewrittenFrom = null;
      try (RevWalk walk = new RevWalk(repo)) {
        RevCommit localCommit = walk.parseCommit(local);
        RevCommit remoteCommit = walk.parseCommit(remote);
        if (walk.isMergedInto(remoteCommit, localCommit)) {
          throw new WorkingCopyException(
              "working copy "
                  + dir
                  + " has commits on '"
                  + branch
                  + "' that "
                  + source.redactedUrl()
                  + " does not have; refusing to reset it");
        }
        if (!walk.isMergedInto(localCommit, remoteCommit)) {
          boolean ownCommits =
              lastSynced == null || !walk.isMergedInto(localCommit, walk.parseCommit(lastSynced));
          if (ownCommits) {
            throw new WorkingCopyException(
                "history of "
                    + dir
                    + " ("
                    + local.abbreviate(10).name()
                    + ") diverged from "
                    + source.redactedUrl()
                    + " '"
                    + branch
                    + "' ("
                    + remote.abbreviate(10).name()
                    + ") and it holds commits of its own; cannot fast-forward, refusing to reset");
          }
          if (!rewrites.follow() && !accepted(walk, rewrites.accepted(), remoteCommit)) {
            throw new HistoryRewrittenException(
                "branch '"
                    + branch
                    + "' of "
                    + source.redactedUrl()
                    + " was rewritten (force push): "
                    + local.abbreviate(12).name()
                    + " is no longer part of it, its tip is now "
                    + remote.name()
                    + "; refusing to follow",
                local.name(),
                remote.name());
          }
          checkoutRewritten(repo, dir, localCommit, remoteCommit);
          setRef(repo, ref, remote, "fluke: follow rewritten " + branch);
          rewrittenFrom = local.name();
        }
      }
      if (rewrittenFrom == null) {
        MergeResult merged =
            git.merge()
                .include(remote)
                .setFastForward(MergeCommand.FastForwardMode.FF_ONLY)
                .setCommit(false)
                .call();
        if (merged.getMergeStatus() != MergeResult.MergeStatus.FAST_FORWARD
            && merged.getMergeStatus() != MergeResult.MergeStatus.ALREADY_UP_TO_DATE) {
          String paths =
              merged.getFailingPaths() == null
                  ? ""
                  : " (" + sample(merged.getFailingPaths().keySet()) + ")";
          throw new WorkingCopyException(
              "fast-forward of "
                  + dir
                  + " to "
                  + remote.abbreviate(10).name()
                  + " failed: "
                  + merged.getMergeStatus()
                  + paths);
        }
      }
      setRef(repo, remoteRef, remote, "fluke: fetched " + branch);
      return new GitSync.Result(head(repo), rewrittenFrom);
    }
  }

  /** Where {@link #exportRef} keeps refs named in full that are neither branches nor tags. */
  private static final String OTHER_REFS = "refs/fluke-plan/";

  @Override
  public String exportRef(
      GitSource source, String ref, Path cache, Path into, Predicate<String> wanted)
      throws GitSyncException {
    if (source == null || source.url() == null || source.url().isBlank()) {
      throw new GitSyncException("no repository URL given");
    }
    String name = ref == null ? "" : ref.strip();
    if (!RefNames.valid(name)) {
      throw new GitSyncException(
          "'"
              + name
              + "' is not a branch, tag or commit name (a plan takes a branch, a tag, a full ref"
              + " such as refs/pull/12/head, or a commit id of at least 7 hex digits)");
    }
    Path abs = cache.toAbsolutePath().normalize();
    ReentrantLock lock = locks.computeIfAbsent(abs, p -> new ReentrantLock());
    lock.lock();
    try (Repository repo = bareCache(abs);
        Git git = new Git(repo)) {
      List<RefSpec> specs = new ArrayList<>();
      specs.add(new RefSpec("+" + Constants.R_HEADS + "*:" + Constants.R_REMOTES + "origin/*"));
      specs.add(new RefSpec("+" + Constants.R_TAGS + "*:" + Constants.R_TAGS + "*"));
      if (RefNames.other(name)) {
        specs.add(new RefSpec("+" + name + ":" + OTHER_REFS + name.substring(5)));
      }
      var fetch = git.fetch().setRemote(source.url()).setRefSpecs(specs).setRemoveDeletedRefs(true);
      configure(fetch, source);
      fetch.call();
      ObjectId commit = resolveRef(repo, name, source);
      if (commit == null) {
        throw new GitSyncException(
            "no branch, tag or commit '" + name + "' in " + source.redactedUrl());
      }
      return writeTree(repo, commit, into.toAbsolutePath().normalize(), wanted);
    } catch (GitSyncException e) {
      throw scrubbed(e.getMessage(), e.getCause(), source);
    } catch (GitAPIException | IOException | JGitInternalException | URISyntaxException e) {
      throw scrubbed(withHint(describe(e)), e, source);
    } catch (RuntimeException e) {
      throw scrubbed("unexpected failure: " + describe(e), e, source);
    } finally {
      lock.unlock();
    }
  }

  /** The bare repository at {@code dir}, created when absent. */
  private static Repository bareCache(Path dir) throws IOException {
    Repository repo = new FileRepositoryBuilder().setGitDir(dir.toFile()).setBare().build();
    if (!Files.exists(dir.resolve("HEAD"))) {
      repo.create(true);
    }
    return repo;
  }

  /** The commit {@code name} names in the cache after a fetch, or null. */
  private static ObjectId resolveRef(Repository repo, String name, GitSource source)
      throws IOException, GitSyncException {
    String[] candidates;
    if (name.startsWith(Constants.R_HEADS)) {
      candidates =
          new String[] {
            Constants.R_REMOTES + "origin/" + name.substring(Constants.R_HEADS.length())
          };
    } else if (name.startsWith(Constants.R_TAGS)) {
      candidates = new String[] {name};
    } else if (RefNames.other(name)) {
      candidates = new String[] {OTHER_REFS + name.substring(5)};
    } else {
      candidates = new String[] {Constants.R_REMOTES + "origin/" + name, Constants.R_TAGS + name};
    }
    for (String candidate : candidates) {
      Ref found = repo.exactRef(candidate);
      if (found != null) {
        return commitOf(repo, found.getObjectId(), name);
      }
    }
    if (!name.matches("[0-9a-fA-F]{7,40}")) {
      return null;
    }
    try (var reader = repo.newObjectReader()) {
      var ids =
          reader.resolve(AbbreviatedObjectId.fromString(name.toLowerCase(java.util.Locale.ROOT)));
      if (ids.size() > 1) {
        throw new GitSyncException(
            "'" + name + "' is ambiguous in " + source.redactedUrl() + ": give more hex digits");
      }
      return ids.isEmpty() ? null : commitOf(repo, ids.iterator().next(), name);
    }
  }

  /** The commit {@code id} is or points at (an annotated tag is peeled). */
  private static ObjectId commitOf(Repository repo, ObjectId id, String name)
      throws IOException, GitSyncException {
    try (RevWalk walk = new RevWalk(repo)) {
      return walk.parseCommit(id).getId();
    } catch (IncorrectObjectTypeException e) {
      throw new GitSyncException("'" + name + "' names no commit (" + id.name() + ")");
    }
  }

  /** Writes the wanted regular files of {@code commit}'s tree under {@code into}. */
  private static String writeTree(
      Repository repo, ObjectId commit, Path into, Predicate<String> wanted)
      throws IOException, GitSyncException {
    Files.createDirectories(into);
    try (RevWalk walk = new RevWalk(repo);
        TreeWalk tree = new TreeWalk(repo)) {
      RevCommit c = walk.parseCommit(commit);
      tree.addTree(c.getTree());
      tree.setRecursive(true);
      while (tree.next()) {
        FileMode mode = tree.getFileMode(0);
        if (mode != FileMode.REGULAR_FILE && mode != FileMode.EXECUTABLE_FILE) {
          continue;
        }
        String path = tree.getPathString();
        if (!wanted.test(path)) {
          continue;
        }
        Path target = into.resolve(path).normalize();
        if (!target.startsWith(into) || target.equals(into)) {
          throw new GitSyncException(
              "commit " + c.name() + " has a path that leaves its tree: " + path);
        }
        Files.createDirectories(target.getParent());
        try (java.io.OutputStream out = Files.newOutputStream(target)) {
          repo.open(tree.getObjectId(0)).copyTo(out);
        }
      }
      return c.getId().name();
    }
  }

  @Override
  public String pendingSync(GitSource source, Path dir) throws GitSyncException {
    if (source == null || source.url() == null || source.url().isBlank()) {
      throw new GitSyncException("no repository URL given");
    }
    String branch = source.branch() == null || source.branch().isBlank() ? "main" : source.branch();
    Path abs = dir.toAbsolutePath().normalize();
    ReentrantLock lock = locks.computeIfAbsent(abs, p -> new ReentrantLock());
    lock.lock();
    try {
      String ref = Constants.R_HEADS + branch;
      ObjectId remote = remoteTip(source, ref, branch);
      String tip = remote.abbreviate(10).name();
      if (isAbsentOrEmpty(abs)) {
        return "would clone "
            + source.redactedUrl()
            + " ("
            + branch
            + " at "
            + tip
            + ") into "
            + abs;
      }
      if (!Files.exists(abs.resolve(".git"))) {
        throw new GitSyncException(
            abs + " is not empty and is not a Git working copy; a sync would refuse to touch it");
      }
      try (Repository repo =
              new FileRepositoryBuilder()
                  .setWorkTree(abs.toFile())
                  .setGitDir(abs.resolve(".git").toFile())
                  .setMustExist(true)
                  .build();
          Git git = new Git(repo)) {
        String origin = repo.getConfig().getString("remote", "origin", "url");
        if (origin == null || !sameUrl(origin, source.url())) {
          throw new GitSyncException(
              "working copy " + abs + " belongs to another repository; a sync would refuse it");
        }
        Set<String> dirty = new TreeSet<>(git.status().call().getUncommittedChanges());
        if (!dirty.isEmpty()) {
          throw new GitSyncException(
              "working copy "
                  + abs
                  + " has local changes ("
                  + sample(dirty)
                  + "); a sync would"
                  + " refuse to update it");
        }
        if (!ref.equals(repo.getFullBranch())) {
          return "would switch " + abs + " to branch " + branch + " at " + tip;
        }
        ObjectId local = repo.resolve(ref);
        if (remote.equals(local)) {
          return null;
        }
        return "would bring "
            + abs
            + " from "
            + (local == null ? "nothing" : local.abbreviate(10).name())
            + " to "
            + tip
            + " ("
            + branch
            + " of "
            + source.redactedUrl()
            + ")";
      }
    } catch (GitSyncException e) {
      throw scrubbed(e.getMessage(), e.getCause(), source);
    } catch (GitAPIException | IOException | JGitInternalException | URISyntaxException e) {
      throw scrubbed(withHint(describe(e)), e, source);
    } catch (RuntimeException e) {
      throw scrubbed("unexpected failure: " + describe(e), e, source);
    } finally {
      lock.unlock();
    }
  }

  /** The commit the remote's branch points at, read without fetching. */
  private ObjectId remoteTip(GitSource source, String ref, String branch)
      throws GitAPIException, URISyntaxException, GitSyncException {
    var ls = Git.lsRemoteRepository().setRemote(source.url()).setHeads(true);
    configure(ls, source);
    for (Ref r : ls.call()) {
      if (r.getName().equals(ref) && r.getObjectId() != null) {
        return r.getObjectId();
      }
    }
    throw new GitSyncException("branch '" + branch + "' not found in " + source.redactedUrl());
  }

  /** True when {@code tip} is the accepted commit or built on it. */
  private static boolean accepted(RevWalk walk, String accepted, RevCommit tip) throws IOException {
    if (accepted == null) {
      return false;
    }
    ObjectId id = ObjectId.fromString(accepted);
    if (id.equals(tip)) {
      return true;
    }
    try {
      return walk.isMergedInto(walk.parseCommit(id), tip);
    } catch (MissingObjectException | IncorrectObjectTypeException e) {
      return false; // not a commit of this repository
    }
  }

  /**
   * Checks out {@code to}'s tree over {@code from}'s, as a fast-forward would: files the two share
   * unchanged stay untouched, and an untracked file in the way is a conflict, never overwritten.
   */
  private static void checkoutRewritten(Repository repo, Path dir, RevCommit from, RevCommit to)
      throws IOException, GitSyncException {
    DirCache index = repo.lockDirCache();
    try {
      DirCacheCheckout checkout = new DirCacheCheckout(repo, from.getTree(), index, to.getTree());
      checkout.setFailOnConflict(true);
      checkout.checkout();
    } catch (org.eclipse.jgit.errors.CheckoutConflictException e) {
      throw new WorkingCopyException(
          "following the rewritten branch to "
              + to.abbreviate(10).name()
              + " in "
              + dir
              + " would overwrite files that are not committed ("
              + sample(new TreeSet<>(java.util.Arrays.asList(e.getConflictingFiles())))
              + "); refusing to update it");
    } finally {
      index.unlock();
    }
  }

  private static void setRef(Repository repo, String name, ObjectId id, String why)
      throws IOException, GitSyncException {
    RefUpdate update = repo.updateRef(name);
    update.setNewObjectId(id);
    update.setForceUpdate(true);
    update.setRefLogMessage(why, false);
    RefUpdate.Result result = update.update();
    switch (result) {
      case NEW, FORCED, FAST_FORWARD, NO_CHANGE -> {}
      default ->
          throw new GitSyncException("could not move " + name + " to " + id.name() + ": " + result);
    }
  }

  private static void checkoutTracking(Git git, String branch) throws GitAPIException {
    git.checkout()
        .setCreateBranch(true)
        .setName(branch)
        .setStartPoint("origin/" + branch)
        .setUpstreamMode(CreateBranchCommand.SetupUpstreamMode.TRACK)
        .call();
  }

  private void configure(TransportCommand<?, ?> cmd, GitSource source) throws URISyntaxException {
    int seconds = (int) Math.max(1, Math.min(Integer.MAX_VALUE, options.timeout().toSeconds()));
    cmd.setTimeout(seconds);
    cmd.setCredentialsProvider(credentials(source));
    cmd.setTransportConfigCallback(
        transport -> {
          if (transport instanceof SshTransport ssh) {
            ssh.setSshSessionFactory(sshFactory(source.sshKeyFile()));
          }
        });
  }

  private static CredentialsProvider credentials(GitSource source) throws URISyntaxException {
    if (source.basicAuthUser() != null && !source.basicAuthUser().isEmpty()) {
      return new UsernamePasswordCredentialsProvider(
          source.basicAuthUser(),
          source.basicAuthPassword() == null ? "" : source.basicAuthPassword());
    }
    URIish uri = new URIish(source.url());
    if (uri.getUser() != null && uri.getPass() != null) {
      return new UsernamePasswordCredentialsProvider(uri.getUser(), uri.getPass());
    }
    return NoCredentials.INSTANCE;
  }

  private SshdSessionFactory sshFactory(Path keyFile) {
    String key = keyFile == null ? "" : keyFile.toAbsolutePath().toString();
    return sshFactories.computeIfAbsent(
        key,
        k -> {
          java.io.File home = FS.DETECTED.userHome();
          java.io.File sshDir = new java.io.File(home, ".ssh");
          SshdSessionFactoryBuilder builder =
              new SshdSessionFactoryBuilder()
                  .setHomeDirectory(home)
                  .setSshDirectory(sshDir)
                  .setServerKeyDatabase(
                      (h, s) -> new HostKeys(options.hostKeyPolicy(), options.knownHostsFile()));
          if (keyFile != null) {
            builder
                .setDefaultIdentities(s -> List.of(keyFile.toAbsolutePath()))
                .setPreferredAuthentications("publickey");
          }
          return builder.build(new JGitKeyCache());
        });
  }

  private static boolean isAbsentOrEmpty(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return true;
    }
    if (!Files.isDirectory(dir)) {
      return false;
    }
    try (Stream<Path> entries = Files.list(dir)) {
      return entries.findAny().isEmpty();
    }
  }

  private static void cleanUp(Path dir, boolean keepDir) {
    if (!Files.exists(dir)) {
      return; // JGit already removed what it made
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        if (keepDir && p.equals(dir)) {
          continue;
        }
        Files.deleteIfExists(p);
      }
    } catch (IOException | RuntimeException e) {
      log.warn("could not clean up failed clone in {}: {}", dir, e.toString());
    }
  }

  private static String head(Repository repo) throws IOException, GitSyncException {
    ObjectId head = repo.resolve(Constants.HEAD);
    if (head == null) {
      throw new GitSyncException("nothing is checked out in " + repo.getWorkTree());
    }
    return head.name();
  }

  /**
   * Same repository: equal once credentials, a trailing slash and a trailing ".git" are ignored.
   */
  static boolean sameUrl(String a, String b) {
    return GitSource.of(a, null).normalizedUrl().equals(GitSource.of(b, null).normalizedUrl());
  }

  static String withoutPassword(String url) {
    return url.replaceFirst("^([a-zA-Z][a-zA-Z0-9+.-]*://[^/:@]*):[^/@]*@", "$1@");
  }

  private static String sample(Set<String> paths) {
    List<String> first = new ArrayList<>(paths).subList(0, Math.min(5, paths.size()));
    return String.join(", ", first) + (paths.size() > 5 ? ", …" : "");
  }

  private String withHint(String message) {
    if (!message.contains("Server key did not validate")) {
      return message;
    }
    String file =
        options.knownHostsFile() != null
            ? options.knownHostsFile().toString()
            : "~/.ssh/known_hosts";
    return message
        + " (the SSH host key is "
        + (options.hostKeyPolicy() == HostKeyPolicy.STRICT
            ? "unknown or has changed"
            : "different from the recorded one")
        + "; check it and record it in "
        + file
        + ", e.g. with ssh-keyscan)";
  }

  /** The messages along a cause chain, without repeats: JGit often wraps the useful part. */
  private static String describe(Throwable e) {
    List<String> parts = new ArrayList<>();
    for (Throwable t = e; t != null && parts.size() < 4; t = t.getCause()) {
      String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
      if (parts.stream().noneMatch(p -> p.contains(m))) {
        parts.add(m);
      }
    }
    return String.join(": ", parts);
  }

  private static GitSyncException scrubbed(String message, Throwable cause, GitSource source) {
    Set<String> secrets = new TreeSet<>();
    if (source.basicAuthPassword() != null && !source.basicAuthPassword().isEmpty()) {
      secrets.add(source.basicAuthPassword());
    }
    try {
      String urlPass = new URIish(source.url()).getPass();
      if (urlPass != null && !urlPass.isEmpty()) {
        secrets.add(urlPass);
      }
    } catch (URISyntaxException ignored) {
      // an unparsable URL has no password we could find either
    }
    String clean = scrub(message, secrets);
    boolean causeLeaks = false;
    for (Throwable t = cause; t != null; t = t.getCause()) {
      String m = String.valueOf(t.getMessage());
      if (!scrub(m, secrets).equals(m)) {
        causeLeaks = true;
      }
    }
    return causeLeaks || cause == null
        ? new GitSyncException(clean)
        : new GitSyncException(clean, cause);
  }

  private static String scrub(String text, Set<String> secrets) {
    String s = text == null ? "" : text.replaceAll("(//[^/:@\\s]+):[^@/\\s]*@", "$1:***@");
    for (String secret : secrets) {
      s = s.replace(secret, "***");
    }
    return s;
  }

  @Override
  public void close() {
    for (SshdSessionFactory f : sshFactories.values()) {
      f.close();
    }
    sshFactories.clear();
  }

  /**
   * Answers every credential question with "no": JGit then fails instead of waiting for a person.
   */
  private static final class NoCredentials extends CredentialsProvider {
    static final NoCredentials INSTANCE = new NoCredentials();

    @Override
    public boolean isInteractive() {
      return false;
    }

    @Override
    public boolean supports(CredentialItem... items) {
      return false;
    }

    @Override
    public boolean get(URIish uri, CredentialItem... items) {
      return false;
    }
  }
}
