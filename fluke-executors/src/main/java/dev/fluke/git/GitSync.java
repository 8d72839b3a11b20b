package dev.fluke.git;

import java.nio.file.Path;

/**
 * Brings a local working copy to the tip of a branch: clones when {@code dir} is absent or empty,
 * otherwise fetches and fast-forwards (a working copy that cannot be fast-forwarded, or that
 * belongs to another remote, is an error, never silently reset). Blocking: call it off actor
 * threads.
 */
public interface GitSync {
  /**
   * @return the commit id (40 hex) now checked out
   */
  String sync(GitSource source, Path dir) throws GitSyncException;
}
