package dev.fluke.git;

/**
 * The working copy holds something a sync will not overwrite or cannot work with: local changes,
 * local commits, untracked files in the way, a directory that is no working copy, or a working copy
 * of another repository. Nothing was changed. A caller that owns the directory as a pure cache (the
 * server's clone of the manifests) may delete it and clone again; on an agent the directory may
 * hold someone's work, so it is reported instead.
 */
public final class WorkingCopyException extends GitSyncException {
  public WorkingCopyException(String message) {
    super(message);
  }

  public WorkingCopyException(String message, Throwable cause) {
    super(message, cause);
  }
}
