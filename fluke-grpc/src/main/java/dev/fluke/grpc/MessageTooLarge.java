package dev.fluke.grpc;

/**
 * An agent sent a message above {@code fluke.grpc.server.max-inbound-message-size}
 * (RESOURCE_EXHAUSTED).
 */
final class MessageTooLarge extends RuntimeException {
  MessageTooLarge(String message) {
    super(message, null, false, false);
  }
}
