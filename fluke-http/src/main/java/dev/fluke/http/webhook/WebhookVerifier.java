package dev.fluke.http.webhook;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Decides whether a webhook call comes from a forge that knows the shared secret. Pure logic, no
 * HTTP types, so every case can be tested directly.
 *
 * <ul>
 *   <li>GitHub: {@code X-Hub-Signature-256: sha256=<hex>}, the HMAC-SHA256 of the raw body with the
 *       secret.
 *   <li>Gitea, Forgejo, Gogs: {@code X-Gitea-Signature} / {@code X-Forgejo-Signature} / {@code
 *       X-Gogs-Signature: <hex>}, the same HMAC without the prefix (Gitea also sends the GitHub
 *       header).
 *   <li>GitLab: {@code X-Gitlab-Token: <secret>}, the secret itself.
 * </ul>
 *
 * Every signature header present must be right and at least one must be present. Comparisons are
 * constant-time ({@link MessageDigest#isEqual}); the GitLab token is compared as SHA-256 digests so
 * its length does not leak either.
 */
public final class WebhookVerifier {
  /** The forge a call claims to come from (by its headers) and whether its signature holds. */
  public record Verdict(String forge, boolean valid, String reason) {}

  private static final String GITHUB_SIG = "x-hub-signature-256";
  private static final List<String> GITEA_SIGS =
      List.of("x-gitea-signature", "x-forgejo-signature", "x-gogs-signature");
  private static final String GITLAB_TOKEN = "x-gitlab-token";

  private final byte[] secret;
  private final byte[] secretDigest;

  public WebhookVerifier(String secret) {
    if (secret == null || secret.isBlank()) {
      throw new IllegalArgumentException("a webhook secret is required");
    }
    this.secret = secret.getBytes(StandardCharsets.UTF_8);
    this.secretDigest = sha256(this.secret);
  }

  /**
   * @param headers request headers; names in any case (they are compared case-insensitively)
   * @param body the raw request body, exactly as received
   */
  public Verdict verify(Map<String, String> headers, byte[] body) {
    Map<String, String> h = lowerCase(headers);
    String forge = forgeOf(h);
    List<String> problems = new ArrayList<>();
    int present = 0;
    byte[] hmac = null;

    String github = h.get(GITHUB_SIG);
    if (github != null) {
      present++;
      hmac = hmac(body);
      String value = github.trim();
      if (!value.regionMatches(true, 0, "sha256=", 0, 7)) {
        problems.add("X-Hub-Signature-256 must be 'sha256=<hex>'");
      } else if (!matchesHex(hmac, value.substring(7))) {
        problems.add("X-Hub-Signature-256 does not match the body signed with the webhook secret");
      }
    }
    for (String name : GITEA_SIGS) {
      String value = h.get(name);
      if (value != null) {
        present++;
        hmac = hmac == null ? hmac(body) : hmac;
        if (!matchesHex(hmac, value.trim())) {
          problems.add(
              headerName(name) + " does not match the body signed with the webhook secret");
        }
      }
    }
    String gitlab = h.get(GITLAB_TOKEN);
    if (gitlab != null) {
      present++;
      if (!MessageDigest.isEqual(secretDigest, sha256(gitlab.getBytes(StandardCharsets.UTF_8)))) {
        problems.add("X-Gitlab-Token is not the webhook secret");
      }
    }

    if (present == 0) {
      String sha1 =
          h.containsKey("x-hub-signature")
              ? " (only the SHA-1 X-Hub-Signature was sent; SHA-256 is required)"
              : "";
      return new Verdict(
          forge,
          false,
          "the call is not signed"
              + sha1
              + ": set the webhook's secret in the forge to the server's"
              + " git { webhook_secret } (GitHub, Gitea: 'Secret'; GitLab: 'Secret token')");
    }
    if (!problems.isEmpty()) {
      return new Verdict(forge, false, String.join("; ", problems));
    }
    return new Verdict(forge, true, "");
  }

  /**
   * {@code github}, {@code gitea} (also Forgejo, Gogs), {@code gitlab} or {@code unknown}, from the
   * headers.
   */
  static String forgeOf(Map<String, String> lowerCaseHeaders) {
    Map<String, String> h = lowerCaseHeaders;
    if (h.containsKey("x-gitea-event")
        || h.containsKey("x-forgejo-event")
        || h.containsKey("x-gogs-event")
        || GITEA_SIGS.stream().anyMatch(h::containsKey)) {
      return "gitea";
    }
    if (h.containsKey("x-gitlab-event") || h.containsKey(GITLAB_TOKEN)) {
      return "gitlab";
    }
    if (h.containsKey("x-github-event") || h.containsKey(GITHUB_SIG)) {
      return "github";
    }
    return "unknown";
  }

  static Map<String, String> lowerCase(Map<String, String> headers) {
    Map<String, String> h = new TreeMap<>();
    headers.forEach((k, v) -> h.put(k.toLowerCase(Locale.ROOT), v));
    return h;
  }

  private byte[] hmac(byte[] body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      return mac.doFinal(body);
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("every Java runtime has HmacSHA256", e);
    }
  }

  private static boolean matchesHex(byte[] expected, String hex) {
    Optional<byte[]> presented = parseHex(hex);
    // isEqual is constant-time for equal lengths; a wrong length reveals only that, which is
    // public.
    return presented.isPresent() && MessageDigest.isEqual(expected, presented.get());
  }

  private static Optional<byte[]> parseHex(String hex) {
    if (hex.length() != 64) {
      return Optional.empty();
    }
    try {
      return Optional.of(HexFormat.of().parseHex(hex.toLowerCase(Locale.ROOT)));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  private static byte[] sha256(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }

  private static String headerName(String lower) {
    return switch (lower) {
      case "x-gitea-signature" -> "X-Gitea-Signature";
      case "x-forgejo-signature" -> "X-Forgejo-Signature";
      default -> "X-Gogs-Signature";
    };
  }
}
