package dev.fluke.server;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * The secret each registration hands its agent ({@code Registered.session_token}) and the agent
 * sends back on its next registration ({@code Register.resume_token}), to whichever node it
 * reaches. In cluster mode the directory keeps only its {@link #hash}: a node whose directory entry
 * names another node as the agent's holder, with the hash of the token this agent presents, knows
 * that the agent is the very host whose stream to that node ended, and takes it over at once
 * instead of asking a node that may be dead (docs/cluster.md, admission). A second host with the
 * same name does not know the token, so it is still refused while the first one lives.
 */
public final class SessionTokens {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Base64.Encoder ENCODING = Base64.getUrlEncoder().withoutPadding();

  private SessionTokens() {}

  /** A new token: 128 random bits, base64url. */
  public static String next() {
    byte[] bytes = new byte[16];
    RANDOM.nextBytes(bytes);
    return ENCODING.encodeToString(bytes);
  }

  /** What the directory keeps of {@code token} (SHA-256, base64url); null for none or empty. */
  public static String hash(String token) {
    if (token == null || token.isEmpty()) {
      return null;
    }
    try {
      return ENCODING.encodeToString(
          MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
    }
  }
}
