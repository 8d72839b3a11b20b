package dev.fluke.git;

import java.io.IOException;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.UnaryOperator;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.api.errors.JGitInternalException;
import org.eclipse.jgit.transport.URIish;

/**
 * The one place where a Git call's failures become {@link GitSyncException}s: the kind is kept
 * ({@link HistoryRewrittenException} with its commits, {@link WorkingCopyException}), JGit's
 * messages are joined along the cause chain, and no message ever holds a password — it is scrubbed,
 * and a cause whose text held one is not attached.
 */
final class GitErrors {
  private GitErrors() {}

  /**
   * Runs {@code call} and translates what it throws.
   *
   * @param hint adds advice to a transport failure's message (e.g. what to do about an SSH host
   *     key)
   */
  static <T> T translate(GitSource source, UnaryOperator<String> hint, GitCall<T> call)
      throws GitSyncException {
    try {
      return call.call();
    } catch (HistoryRewrittenException e) {
      throw new HistoryRewrittenException(
          scrubbed(e.getMessage(), null, source).getMessage(), e.localCommit(), e.remoteCommit());
    } catch (WorkingCopyException e) {
      GitSyncException clean = scrubbed(e.getMessage(), e.getCause(), source);
      throw new WorkingCopyException(clean.getMessage(), clean.getCause());
    } catch (GitSyncException e) {
      throw scrubbed(e.getMessage(), e.getCause(), source);
    } catch (GitAPIException | IOException | JGitInternalException | URISyntaxException e) {
      throw scrubbed(hint.apply(describe(e)), e, source);
    } catch (RuntimeException e) {
      throw scrubbed("unexpected failure: " + describe(e), e, source);
    }
  }

  /** The messages along a cause chain, without repeats: JGit often wraps the useful part. */
  static String describe(Throwable e) {
    List<String> parts = new ArrayList<>();
    for (Throwable t = e; t != null && parts.size() < 4; t = t.getCause()) {
      String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
      if (parts.stream().noneMatch(p -> p.contains(m))) {
        parts.add(m);
      }
    }
    return String.join(": ", parts);
  }

  /**
   * A {@link GitSyncException} with {@code message} scrubbed of {@code source}'s passwords, and
   * with {@code cause} only when none of its messages held one.
   */
  static GitSyncException scrubbed(String message, Throwable cause, GitSource source) {
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
}
