package dev.fluke.agent;

import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.serialization.SerializerWithStringManifest;

/**
 * Stands in, in an agent's actor system, for serializers a library on the class path configures but
 * the agent never uses (fluke-agent.conf, {@code fluke.agent.actor-system}): Pekko creates every
 * configured serializer when the system starts, and the Jackson ones build their object mappers
 * (and load several hundred classes) at once. The agent has no remoting, so nothing is ever
 * serialized through Pekko; if something were, this fails loudly instead of doing it silently.
 */
public final class UnusedSerializer extends SerializerWithStringManifest {
  private final String bindingName;
  private final int identifier;

  /** Created by Pekko for the binding {@code bindingName}, with that binding's identifier. */
  public UnusedSerializer(ExtendedActorSystem system, String bindingName) {
    this.bindingName = bindingName;
    this.identifier =
        system.settings().config().getInt("pekko.actor.serialization-identifiers." + bindingName);
  }

  @Override
  public int identifier() {
    return identifier;
  }

  @Override
  public String manifest(Object o) {
    throw unused();
  }

  @Override
  public byte[] toBinary(Object o) {
    throw unused();
  }

  @Override
  public Object fromBinary(byte[] bytes, String manifest) {
    throw unused();
  }

  private UnsupportedOperationException unused() {
    return new UnsupportedOperationException(
        "the Fluke agent does not serialize through Pekko ('"
            + bindingName
            + "' is switched off in fluke.agent.actor-system)");
  }
}
