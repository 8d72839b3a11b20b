package dev.fluke.git;

import java.nio.file.Path;

/**
 * A Git repository to read: URL ({@code file://}, {@code https://}, {@code http://}, {@code ssh://}
 * or scp-like {@code git@host:path}), branch, and optional credentials. Fields are null when unset.
 */
public record GitSource(
    String url, String branch, Path sshKeyFile, String basicAuthUser, String basicAuthPassword) {
  public static GitSource of(String url, String branch) {
    return new GitSource(url, branch, null, null, null);
  }

  /**
   * The repository's identity: the URL without user-info, trailing slashes or a trailing {@code
   * .git}, so that the same repository reached with other credentials compares equal. Null when no
   * URL is set.
   */
  public String normalizedUrl() {
    if (url == null) {
      return null;
    }
    String u = url.strip().replaceFirst("^([a-zA-Z][a-zA-Z0-9+.-]*://)[^/@]*@", "$1");
    while (u.endsWith("/")) {
      u = u.substring(0, u.length() - 1);
    }
    if (u.endsWith(".git")) {
      u = u.substring(0, u.length() - 4);
    }
    return u;
  }

  /** The URL with any user-info password removed, safe for logs and the API. */
  public String redactedUrl() {
    return url == null ? null : url.replaceAll("//([^:/@]+):[^@]*@", "//$1:***@");
  }
}
