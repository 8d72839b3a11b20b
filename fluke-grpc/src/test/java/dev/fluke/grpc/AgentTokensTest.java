package dev.fluke.grpc;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AgentTokensTest {

  private final AgentTokens tokens = new AgentTokens(Set.of("s3cret-one", "s3cret-two"));

  @Test
  void anyConfiguredTokenIsAcceptedAsBearer() {
    assertTrue(tokens.accepts(Optional.of("Bearer s3cret-one")));
    assertTrue(tokens.accepts(Optional.of("bearer s3cret-two")));
  }

  @Test
  void missingWrongOrMalformedCredentialsAreRefused() {
    assertFalse(tokens.accepts(Optional.empty()));
    assertFalse(tokens.accepts(Optional.of("Bearer s3cret")));
    assertFalse(tokens.accepts(Optional.of("Bearer s3cret-one-and-more")));
    assertFalse(tokens.accepts(Optional.of("s3cret-one")));
    assertFalse(tokens.accepts(Optional.of("Basic s3cret-one")));
    assertFalse(tokens.accepts(Optional.of("Bearer ")));
  }

  @Test
  void withNoTokensConfiguredNobodyGetsIn() {
    AgentTokens none = new AgentTokens(Set.of(""));

    assertTrue(none.isEmpty());
    assertFalse(none.accepts(Optional.of("Bearer ")));
    assertFalse(none.accepts(Optional.of("Bearer anything")));
  }
}
