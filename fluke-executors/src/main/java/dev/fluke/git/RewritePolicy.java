package dev.fluke.git;

import java.util.Locale;

/**
 * What a sync does when the branch's history was rewritten upstream (a force push: the commit
 * checked out is no longer an ancestor of the remote tip). Whatever the policy, a working copy with
 * work of its own (local changes, local commits) is never reset.
 *
 * @param follow true: check out the new tip; false: refuse, unless {@code accepted} allows it
 * @param accepted when refusing: a commit an operator accepted; a rewrite whose new tip is this
 *     commit or a descendant of it is followed. Full 40-hex id or null.
 */
public record RewritePolicy(boolean follow, String accepted) {
  /** Follow every rewrite (the default: the remote is the truth). */
  public static final RewritePolicy FOLLOW = new RewritePolicy(true, null);

  /** Refuse every rewrite. */
  public static final RewritePolicy REFUSE = new RewritePolicy(false, null);

  public RewritePolicy {
    if (accepted != null) {
      accepted = accepted.strip().toLowerCase(Locale.ROOT);
      if (!accepted.matches("[0-9a-f]{40}")) {
        throw new IllegalArgumentException(
            "an accepted commit must be a full 40-hex commit id, got '" + accepted + "'");
      }
    }
  }

  /** Refuse rewrites, except the one to {@code commit} (or a later commit built on it). */
  public static RewritePolicy refuseExcept(String commit) {
    return new RewritePolicy(false, commit);
  }
}
