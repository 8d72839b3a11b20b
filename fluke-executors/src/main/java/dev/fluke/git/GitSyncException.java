package dev.fluke.git;

/** A clone, fetch or fast-forward failed; the message is safe to show (no credentials). */
public class GitSyncException extends Exception {
  public GitSyncException(String message, Throwable cause) {
    super(message, cause);
  }

  public GitSyncException(String message) {
    super(message);
  }
}
