package dev.fluke.http;

import static org.junit.jupiter.api.Assertions.*;

import java.net.InetAddress;
import java.util.Optional;
import java.util.Set;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.junit.jupiter.api.Test;

class ApiAuthTest {
  private final ApiErrors errors = new ApiErrors(ApiJson.create());

  private static Optional<InetAddress> addr(String ip) throws Exception {
    return Optional.of(InetAddress.getByName(ip));
  }

  @Test
  void withoutTokensLoopbackCallersAreAllowed() throws Exception {
    ApiAuth auth = new ApiAuth(Set.of(), errors);
    assertFalse(auth.tokensRequired());
    assertEquals(Optional.empty(), auth.check(Optional.empty(), addr("127.0.0.1")));
    assertEquals(Optional.empty(), auth.check(Optional.empty(), addr("127.8.9.10")));
    assertEquals(Optional.empty(), auth.check(Optional.empty(), addr("::1")));
    assertEquals(Optional.empty(), auth.check(Optional.empty(), addr("::ffff:127.0.0.1")));
  }

  @Test
  void withoutTokensRemoteCallersGetForbiddenWithHowToConfigureTokens() throws Exception {
    ApiAuth auth = new ApiAuth(Set.of(), errors);
    for (String ip :
        new String[] {"10.0.0.5", "192.168.1.20", "2001:db8::1", "::ffff:10.1.2.3", "0.0.0.0"}) {
      Optional<ApiAuth.Denial> denial = auth.check(Optional.of("Bearer anything"), addr(ip));
      assertTrue(denial.isPresent(), ip);
      assertEquals(StatusCodes.FORBIDDEN, denial.get().status());
      assertTrue(denial.get().message().contains("api_tokens"), denial.get().message());
    }
  }

  @Test
  void withoutTokensAnUnknownPeerCountsAsRemote() {
    ApiAuth auth = new ApiAuth(Set.of(), errors);
    assertEquals(
        StatusCodes.FORBIDDEN, auth.check(Optional.empty(), Optional.empty()).get().status());
  }

  @Test
  void blankTokensDoNotCountAsConfigured() throws Exception {
    ApiAuth auth = new ApiAuth(Set.of("", "  "), errors);
    assertFalse(auth.tokensRequired());
    assertEquals(
        StatusCodes.FORBIDDEN, auth.check(Optional.of("Bearer "), addr("10.0.0.1")).get().status());
  }

  @Test
  void withTokensTheRightBearerTokenIsNeededEvenFromLoopback() throws Exception {
    ApiAuth auth = new ApiAuth(Set.of("first-token", "second-token"), errors);
    assertTrue(auth.tokensRequired());
    assertEquals(
        ApiAuth.MISSING_TOKEN, auth.check(Optional.empty(), addr("127.0.0.1")).get().message());
    assertEquals(
        ApiAuth.WRONG_TOKEN,
        auth.check(Optional.of("Bearer nope"), addr("127.0.0.1")).get().message());
    assertEquals(
        ApiAuth.WRONG_TOKEN,
        auth.check(Optional.of("Bearer first-tokenX"), addr("127.0.0.1")).get().message());
    assertEquals(
        ApiAuth.WRONG_SCHEME,
        auth.check(Optional.of("Basic Zm9vOmJhcg=="), addr("10.0.0.1")).get().message());
    assertEquals(
        ApiAuth.WRONG_SCHEME,
        auth.check(Optional.of("first-token"), addr("10.0.0.1")).get().message());
    assertEquals(
        StatusCodes.UNAUTHORIZED,
        auth.check(Optional.of("Bearer nope"), addr("10.0.0.1")).get().status());
  }

  @Test
  void withTokensAnyConfiguredTokenIsAcceptedFromAnywhere() throws Exception {
    ApiAuth auth = new ApiAuth(Set.of("first-token", "second-token"), errors);
    assertEquals(Optional.empty(), auth.check(Optional.of("Bearer first-token"), addr("10.0.0.1")));
    assertEquals(
        Optional.empty(), auth.check(Optional.of("bearer second-token"), Optional.empty()));
    assertEquals(
        Optional.empty(), auth.check(Optional.of("  Bearer   second-token "), addr("::1")));
  }
}
