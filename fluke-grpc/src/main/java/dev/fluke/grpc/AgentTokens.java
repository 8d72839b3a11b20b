package dev.fluke.grpc;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The pre-shared agent tokens ({@code agent_tokens}), checked against the {@code authorization:
 * Bearer …} metadata of every call. Comparison is constant time: both sides are hashed to SHA-256
 * (so lengths do not leak) and compared with {@link MessageDigest#isEqual} against every configured
 * token without stopping at the first match (so which token matched does not leak either).
 */
final class AgentTokens {
  private static final String BEARER = "bearer ";

  private final List<byte[]> hashes;

  AgentTokens(Set<String> tokens) {
    this.hashes = tokens.stream().filter(t -> !t.isBlank()).map(AgentTokens::sha256).toList();
  }

  boolean isEmpty() {
    return hashes.isEmpty();
  }

  /**
   * @param authorization the {@code authorization} metadata value, if any
   */
  boolean accepts(Optional<String> authorization) {
    if (authorization.isEmpty()) {
      return false;
    }
    String value = authorization.get().trim();
    if (value.length() <= BEARER.length()
        || !value.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      return false;
    }
    byte[] presented = sha256(value.substring(BEARER.length()).trim());
    boolean match = false;
    for (byte[] h : hashes) {
      match |= MessageDigest.isEqual(presented, h);
    }
    return match;
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
    }
  }
}
