package dev.fluke.http.webhook;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class WebhookVerifierTest {
  private static final String SECRET = "It's a Secret to Everybody";
  private static final byte[] BODY = "Hello, World!".getBytes(StandardCharsets.UTF_8);
  private final WebhookVerifier verifier = new WebhookVerifier(SECRET);

  static String hmacHex(String secret, byte[] body) throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    return HexFormat.of().formatHex(mac.doFinal(body));
  }

  @Test
  void githubsOwnDocumentedExampleVerifies() {
    // The example from GitHub's "Validating webhook deliveries" page: this secret, this body, this
    // header.
    WebhookVerifier.Verdict v =
        verifier.verify(
            Map.of(
                "X-Hub-Signature-256",
                "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"),
            BODY);
    assertTrue(v.valid(), v.reason());
    assertEquals("github", v.forge());
  }

  @Test
  void githubSignatureOfAnotherBodyOrSecretIsRefused() throws Exception {
    String otherBody =
        "sha256=" + hmacHex(SECRET, "Hello, World?".getBytes(StandardCharsets.UTF_8));
    String otherSecret = "sha256=" + hmacHex("not the secret", BODY);
    for (String header :
        new String[] {otherBody, otherSecret, "sha256=", "sha256=zz", hmacHex(SECRET, BODY)}) {
      WebhookVerifier.Verdict v = verifier.verify(Map.of("X-Hub-Signature-256", header), BODY);
      assertFalse(v.valid(), header);
      assertTrue(v.reason().contains("X-Hub-Signature-256"), v.reason());
    }
  }

  @Test
  void headerNamesAndHexAreCaseInsensitive() throws Exception {
    String sig = "SHA256=" + hmacHex(SECRET, BODY).toUpperCase();
    assertTrue(verifier.verify(Map.of("x-hub-signature-256", sig), BODY).valid());
  }

  @Test
  void giteaSignatureIsBareHexAndGiteaAlsoSendsTheGithubHeader() throws Exception {
    String hex = hmacHex(SECRET, BODY);
    WebhookVerifier.Verdict v =
        verifier.verify(Map.of("X-Gitea-Signature", hex, "X-Gitea-Event", "push"), BODY);
    assertTrue(v.valid(), v.reason());
    assertEquals("gitea", v.forge());
    assertTrue(
        verifier
            .verify(Map.of("X-Gitea-Signature", hex, "X-Hub-Signature-256", "sha256=" + hex), BODY)
            .valid());
    assertTrue(verifier.verify(Map.of("X-Forgejo-Signature", hex), BODY).valid());
    assertFalse(verifier.verify(Map.of("X-Gitea-Signature", hmacHex("wrong", BODY)), BODY).valid());
  }

  @Test
  void everySignatureSentMustHold() throws Exception {
    String good = hmacHex(SECRET, BODY);
    String bad = hmacHex("wrong", BODY);
    WebhookVerifier.Verdict v =
        verifier.verify(
            Map.of("X-Gitea-Signature", good, "X-Hub-Signature-256", "sha256=" + bad), BODY);
    assertFalse(v.valid());
    assertTrue(v.reason().contains("X-Hub-Signature-256"), v.reason());
  }

  @Test
  void gitlabSendsTheSecretItself() {
    WebhookVerifier.Verdict v =
        verifier.verify(Map.of("X-Gitlab-Token", SECRET, "X-Gitlab-Event", "Push Hook"), BODY);
    assertTrue(v.valid(), v.reason());
    assertEquals("gitlab", v.forge());
    assertFalse(verifier.verify(Map.of("X-Gitlab-Token", SECRET + " "), BODY).valid());
    assertFalse(verifier.verify(Map.of("X-Gitlab-Token", "It's"), BODY).valid());
    assertFalse(verifier.verify(Map.of("X-Gitlab-Token", ""), BODY).valid());
  }

  @Test
  void unsignedCallsAreRefusedWithHowToFixIt() {
    WebhookVerifier.Verdict v = verifier.verify(Map.of("X-GitHub-Event", "push"), BODY);
    assertFalse(v.valid());
    assertEquals("github", v.forge());
    assertTrue(v.reason().contains("not signed"), v.reason());
    assertTrue(v.reason().contains("webhook_secret"), v.reason());
    WebhookVerifier.Verdict sha1 = verifier.verify(Map.of("X-Hub-Signature", "sha1=abc"), BODY);
    assertFalse(sha1.valid());
    assertTrue(sha1.reason().contains("SHA-1"), sha1.reason());
    assertEquals("unknown", verifier.verify(Map.of(), BODY).forge());
  }

  @Test
  void aBlankSecretIsNotAVerifier() {
    assertThrows(IllegalArgumentException.class, () -> new WebhookVerifier(" "));
  }

  @Test
  void settingsStripRefsHeadsAndNeverPrintTheSecret() {
    WebhookSettings s = new WebhookSettings(SECRET, "refs/heads/main", () -> {});
    assertEquals("main", s.branch());
    assertEquals("refs/heads/main", s.ref());
    assertFalse(s.toString().contains(SECRET), s.toString());
    assertFalse(WebhookSettings.disabled("main").enabled());
    assertFalse(new WebhookSettings("  ", "main", () -> {}).enabled());
  }
}
