package dev.fluke.grpc;

import com.typesafe.config.Config;
import java.time.Duration;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * The transport's tuning knobs, read from {@code fluke.grpc} (fluke-grpc's reference.conf documents
 * each).
 *
 * @param serverMaxInboundMessageSize largest message an agent may send, in bytes
 * @param serverMaxConnections agent connections the endpoint accepts at once
 * @param serverBacklog connection attempts the OS queues before the endpoint accepts them
 * @param serverCrlCheckInterval how often a changed {@code crl_file} is looked for (mutual TLS)
 * @param clientMaxInboundMessageSize largest message the agent accepts from the server, in bytes
 * @param clientKeepaliveTime HTTP/2 ping interval on the agent's connection
 * @param clientKeepaliveTimeout unanswered ping → connection closed
 * @param clientConnectTimeout one TCP connection attempt
 * @param clientAnswerTimeout a connected server's answer to the call (its response headers)
 */
public record GrpcSettings(
    int serverMaxInboundMessageSize,
    int serverMaxConnections,
    int serverBacklog,
    Duration serverCrlCheckInterval,
    int clientMaxInboundMessageSize,
    Duration clientKeepaliveTime,
    Duration clientKeepaliveTimeout,
    Duration clientConnectTimeout,
    Duration clientAnswerTimeout) {

  public static GrpcSettings create(ActorSystem<?> system) {
    return create(system.settings().config());
  }

  public static GrpcSettings create(Config config) {
    Config c = config.getConfig("fluke.grpc");
    return new GrpcSettings(
        bytes(c, "server.max-inbound-message-size"),
        positive(c, "server.max-connections"),
        positive(c, "server.backlog"),
        c.getDuration("server.crl-check-interval"),
        bytes(c, "client.max-inbound-message-size"),
        c.getDuration("client.keepalive-time"),
        c.getDuration("client.keepalive-timeout"),
        c.getDuration("client.connect-timeout"),
        c.getDuration("client.answer-timeout"));
  }

  private static int positive(Config c, String key) {
    int n = c.getInt(key);
    if (n < 1) {
      throw new IllegalArgumentException("fluke.grpc." + key + " must be at least 1, got " + n);
    }
    return n;
  }

  private static int bytes(Config c, String key) {
    long n = c.getBytes(key);
    if (n < 1024 || n > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          "fluke.grpc." + key + " must be between 1 KiB and 2 GiB, got " + n);
    }
    return (int) n;
  }
}
