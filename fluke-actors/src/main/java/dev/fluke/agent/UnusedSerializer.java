package dev.fluke.agent;

import org.apache.pekko.serialization.JSerializer;

/**
 * What the agent's actor system has in place of the serializers the jar's other modules configure
 * (remoting, cluster, Jackson): its system is local and serializes nothing, and Pekko creates every
 * configured serializer when a system starts, loading its classes (see {@link
 * AgentRuntime#systemConfig}). No binding leads here. Every instance equals every other, so that
 * Pekko accepts one identifier for all the names it stands for.
 */
public final class UnusedSerializer extends JSerializer {
  /** Outside Pekko's reserved 0–40 and Fluke's other serializers. */
  static final int IDENTIFIER = 0x464c_0001;

  @Override
  public int identifier() {
    return IDENTIFIER;
  }

  @Override
  public boolean includeManifest() {
    return false;
  }

  @Override
  public byte[] toBinary(Object o) {
    throw new UnsupportedOperationException(
        "a Fluke agent serializes no message: " + o.getClass().getName());
  }

  @Override
  public Object fromBinaryJava(byte[] bytes, Class<?> manifest) {
    throw new UnsupportedOperationException("a Fluke agent deserializes no message");
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof UnusedSerializer;
  }

  @Override
  public int hashCode() {
    return IDENTIFIER;
  }
}
