package dev.fluke.protocol;

/**
 * An agent broke the protocol (an unexpected, malformed or oversized message). The server ends that
 * agent's stream with this message as the status description; nothing else is disturbed.
 */
public final class ProtocolViolation extends RuntimeException {
  public ProtocolViolation(String message) {
    super(message);
  }
}
