package dev.fluke.app.bench;

import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;

/**
 * The benches' announcement of a commit to the manifest repository, as a Git host's push webhook
 * would make it: GitLab's form, the shared secret in {@code X-Gitlab-Token} (docs/api.md, {@code
 * POST /api/v1/webhooks/git}).
 */
final class PushWebhook {
  private PushWebhook() {}

  /** The push of branch {@code main}, to the server whose API is at {@code base}. */
  static HttpRequest request(String base, String secret) {
    return HttpRequest.newBuilder(URI.create(base + "/api/v1/webhooks/git"))
        .header("Content-Type", "application/json")
        .header("X-Gitlab-Event", "Push Hook")
        .header("X-Gitlab-Token", secret)
        .timeout(Duration.ofSeconds(10))
        .POST(HttpRequest.BodyPublishers.ofString("{\"ref\":\"refs/heads/main\"}"))
        .build();
  }
}
