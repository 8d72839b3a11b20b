package dev.fluke.git;

import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.Repository;

/** What a plan may name as the ref to read ({@link GitSync#exportRef}). */
final class RefNames {
  private RefNames() {}

  /**
   * True for a name Git accepts as a branch or tag ({@code feature/x}), a full ref name ({@code
   * refs/pull/12/head}) or a commit id (7 to 40 hex digits); never for options ({@code -x}), ranges
   * ({@code a..b}) or revision expressions ({@code HEAD~1}, {@code main^}, {@code @{1}}).
   */
  static boolean valid(String name) {
    if (name == null || name.isEmpty() || name.startsWith("-")) {
      return false;
    }
    if (name.matches("[0-9a-fA-F]{7,40}")) {
      return true;
    }
    if (name.startsWith("refs/")) {
      return Repository.isValidRefName(name) && name.split("/").length >= 3;
    }
    return Repository.isValidRefName(Constants.R_HEADS + name);
  }

  /** True for a full ref name that is neither a branch nor a tag ({@code refs/pull/12/head}). */
  static boolean other(String name) {
    return name.startsWith("refs/")
        && !name.startsWith(Constants.R_HEADS)
        && !name.startsWith(Constants.R_TAGS);
  }
}
