package dev.fluke.http.webhook;

import java.util.Objects;

/**
 * What the Git push webhook needs: the shared secret from {@code git { webhook_secret }}, the
 * branch the server follows ({@code git { branch }}) and what to do on a good push.
 *
 * @param secret the shared secret; null or blank turns the webhook off (it then answers 404 saying
 *     how to turn it on)
 * @param branch the branch whose pushes trigger a fetch, e.g. {@code main} (not {@code
 *     refs/heads/main})
 * @param fetchNow starts an immediate fetch of the manifest repository; must not block (tell an
 *     actor)
 */
public record WebhookSettings(String secret, String branch, Runnable fetchNow) {
  public WebhookSettings {
    Objects.requireNonNull(branch, "branch");
    Objects.requireNonNull(fetchNow, "fetchNow");
    if (branch.startsWith("refs/heads/")) {
      branch = branch.substring("refs/heads/".length());
    }
  }

  /** A webhook that is off: every call is answered 404 with how to turn it on. */
  public static WebhookSettings disabled(String branch) {
    return new WebhookSettings(null, branch, () -> {});
  }

  public boolean enabled() {
    return secret != null && !secret.isBlank();
  }

  /** The ref a push to the followed branch names, e.g. {@code refs/heads/main}. */
  public String ref() {
    return "refs/heads/" + branch;
  }

  @Override
  public String toString() {
    // Never print the secret (settings end up in logs).
    return "WebhookSettings[branch=" + branch + ", secret=" + (enabled() ? "set" : "unset") + "]";
  }
}
