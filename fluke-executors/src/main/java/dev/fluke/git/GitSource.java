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

  /** The URL with any user-info password removed, safe for logs and the API. */
  public String redactedUrl() {
    return url == null ? null : url.replaceAll("//([^:/@]+):[^@]*@", "//$1:***@");
  }
}
