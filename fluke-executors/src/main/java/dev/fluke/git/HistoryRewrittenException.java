package dev.fluke.git;

/**
 * The branch's history was rewritten upstream (force push) and the {@link RewritePolicy} refused to
 * follow it; the working copy was left as it was.
 */
public final class HistoryRewrittenException extends GitSyncException {
  private final String localCommit;
  private final String remoteCommit;

  public HistoryRewrittenException(String message, String localCommit, String remoteCommit) {
    super(message);
    this.localCommit = localCommit;
    this.remoteCommit = remoteCommit;
  }

  /** The commit still checked out (40 hex). */
  public String localCommit() {
    return localCommit;
  }

  /** The rewritten branch's tip that was refused (40 hex). */
  public String remoteCommit() {
    return remoteCommit;
  }
}
