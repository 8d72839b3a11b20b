package dev.fluke.http;

import static org.apache.pekko.http.javadsl.server.Directives.*;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.apache.pekko.http.javadsl.model.AttributeKeys;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.RemoteAddress;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * Who may call the JSON API. With {@code api_tokens} configured, every call must carry {@code
 * Authorization: Bearer <token>} naming one of them (401 otherwise). With none configured the API
 * answers callers on the server's own host only (127.0.0.0/8, ::1) and refuses everyone else with
 * 403, so a fresh server is never open to the network by accident.
 *
 * <p>The caller's address is the TCP peer of the connection (the {@code remote-address} request
 * attribute, which {@link HttpApi} turns on), never {@code X-Forwarded-For}: a header anyone can
 * write must not decide who is local. When the attribute is missing the caller is treated as
 * remote.
 */
public final class ApiAuth {
  /** Why a call was refused; {@code status} is 401 or 403. */
  public record Denial(StatusCode status, String message) {}

  static final String MISSING_TOKEN =
      "this API needs a token: send 'Authorization: Bearer <token>' with one of the server's api_tokens"
          + " (the CLI reads --token or FLUKE_API_TOKEN)";
  static final String WRONG_SCHEME =
      "the Authorization header must be 'Bearer <token>' with one of the server's api_tokens";
  static final String WRONG_TOKEN = "the API token is not one of the server's api_tokens";
  static final String LOCAL_ONLY =
      "this server has no api_tokens, so its API answers only callers on the server host (127.0.0.1, ::1):"
          + " add api_tokens = [\"<long random string>\"] to the server block of server.hcl, restart it,"
          + " and call with 'Authorization: Bearer <token>' (CLI: --token or FLUKE_API_TOKEN)";

  private final List<byte[]> tokenDigests;
  private final ApiErrors errors;

  /**
   * Blank tokens are ignored: an empty {@code api_tokens} entry must not open the API to everyone.
   */
  public ApiAuth(Set<String> apiTokens, ApiErrors errors) {
    this.tokenDigests =
        apiTokens.stream()
            .filter(t -> t != null && !t.isBlank())
            .map(ApiAuth::digest)
            .collect(Collectors.toUnmodifiableList());
    this.errors = errors;
  }

  /** True when tokens are required; false when the API is limited to loopback callers. */
  public boolean tokensRequired() {
    return !tokenDigests.isEmpty();
  }

  /**
   * Runs {@code inner} when the call is allowed, else answers 401 (with a Bearer challenge) or 403.
   */
  public Route authorize(Supplier<Route> inner) {
    return optionalHeaderValueByName(
        "Authorization",
        authorization ->
            optionalAttribute(
                AttributeKeys.remoteAddress,
                remote -> {
                  Optional<Denial> denial =
                      check(authorization, remote.flatMap(RemoteAddress::getAddress));
                  return denial.map(this::deny).orElseGet(inner);
                }));
  }

  private Route deny(Denial denial) {
    List<HttpHeader> headers =
        denial.status().equals(StatusCodes.UNAUTHORIZED)
            ? List.of(HttpHeader.parse("WWW-Authenticate", "Bearer realm=\"fluke\""))
            : List.of();
    return errors.error(denial.status(), headers, denial.message());
  }

  /**
   * The whole decision, free of HTTP plumbing so it can be tested for any address.
   *
   * @param authorization the raw {@code Authorization} header, if sent
   * @param remote the connection's peer address, if known
   * @return empty when the call may proceed
   */
  public Optional<Denial> check(Optional<String> authorization, Optional<InetAddress> remote) {
    if (!tokensRequired()) {
      boolean local = remote.map(InetAddress::isLoopbackAddress).orElse(false);
      return local ? Optional.empty() : Optional.of(new Denial(StatusCodes.FORBIDDEN, LOCAL_ONLY));
    }
    if (authorization.isEmpty() || authorization.get().isBlank()) {
      return Optional.of(new Denial(StatusCodes.UNAUTHORIZED, MISSING_TOKEN));
    }
    String header = authorization.get().trim();
    int space = header.indexOf(' ');
    if (space < 0 || !header.substring(0, space).toLowerCase(Locale.ROOT).equals("bearer")) {
      return Optional.of(new Denial(StatusCodes.UNAUTHORIZED, WRONG_SCHEME));
    }
    byte[] presented = digest(header.substring(space + 1).trim());
    // Compare against every token, constant-time on equal-length digests, so timing reveals
    // nothing.
    boolean match = false;
    for (byte[] token : tokenDigests) {
      match |= MessageDigest.isEqual(token, presented);
    }
    return match
        ? Optional.empty()
        : Optional.of(new Denial(StatusCodes.UNAUTHORIZED, WRONG_TOKEN));
  }

  /**
   * Runs {@code inner} with the caller's identity, for audit records (who suspended what): {@code
   * token:XXXXXXXX} (the first 8 hex digits of the SHA-256 of the bearer token, so tokens can be
   * told apart without being revealed) when tokens are configured, else {@code local} (only callers
   * on the server's own host get this far).
   */
  public Route identity(java.util.function.Function<String, Route> inner) {
    return optionalHeaderValueByName(
        "Authorization", authorization -> inner.apply(identityOf(authorization)));
  }

  /** The identity {@link #identity} passes on, for a raw {@code Authorization} header. */
  public String identityOf(Optional<String> authorization) {
    if (!tokensRequired() || authorization.isEmpty()) {
      return "local";
    }
    String header = authorization.get().trim();
    int space = header.indexOf(' ');
    byte[] d = digest(space < 0 ? header : header.substring(space + 1).trim());
    StringBuilder hex = new StringBuilder("token:");
    for (int i = 0; i < 4; i++) {
      hex.append(String.format("%02x", d[i]));
    }
    return hex.toString();
  }

  private static byte[] digest(String token) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }
}
