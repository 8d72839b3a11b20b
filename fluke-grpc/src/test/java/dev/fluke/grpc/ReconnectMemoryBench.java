package dev.fluke.grpc;

import dev.fluke.grpc.proto.AgentEnvelope;
import dev.fluke.grpc.proto.AgentServiceClient;
import java.net.ServerSocket;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.grpc.GrpcClientSettings;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;

/**
 * Benchmark, run by hand, never by the test suite (it measures, it asserts nothing; figures go to
 * docs/performance.md): the heap an agent keeps per failed connection attempt while its server is
 * down, for {@link GrpcServerConnector} and, for comparison, for a generated client created per
 * attempt. Runs in a JVM of its own through the {@code reconnect-memory-bench} profile of
 * fluke-grpc's pom:
 *
 * <pre>
 * mvn -B -q -pl fluke-grpc -am process-test-classes -Preconnect-memory-bench [-Dbench.attempts=2000]
 * </pre>
 */
final class ReconnectMemoryBench {
  private ReconnectMemoryBench() {}

  /** Prints the heap retained per refused attempt; {@code -Dbench.attempts=N} (default 2000). */
  public static void main(String[] args) throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort(); // closed again: every attempt is refused
    }
    int n = Integer.getInteger("bench.attempts", 2000);
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "reconnect-bench");
    try {
      GrpcServerConnector connector =
          new GrpcServerConnector(TestClients.of(system), "grpc://127.0.0.1:" + port, "token");
      for (int i = 0; i < 200; i++) {
        attempt(connector, system); // warm-up: classes, pools, caches
      }
      long before = usedHeap();
      for (int i = 0; i < n; i++) {
        attempt(connector, system);
      }
      long connectorRetained = usedHeap() - before;

      GrpcClientSettings settings =
          GrpcClientSettings.connectToServiceAt("127.0.0.1", port, system)
              .withTls(false)
              .withConnectionAttempts(1);
      before = usedHeap();
      for (int i = 0; i < n; i++) {
        AgentServiceClient client = AgentServiceClient.create(settings, system);
        ignoreFailure(
            () ->
                client
                    .connect()
                    .invoke(
                        Source.<AgentEnvelope>maybe()
                            .mapMaterializedValue(p -> NotUsed.getInstance()))
                    .runWith(Sink.ignore(), system)
                    .toCompletableFuture()
                    .get(10, TimeUnit.SECONDS));
        ignoreFailure(() -> client.close().toCompletableFuture().get(10, TimeUnit.SECONDS));
      }
      long clientRetained = usedHeap() - before;
      System.out.printf("refused attempts: %d%n", n);
      System.out.printf(
          "GrpcServerConnector:            %+,d bytes retained (%.0f per attempt)%n",
          connectorRetained, connectorRetained / (double) n);
      System.out.printf(
          "generated client per attempt:   %+,d bytes retained (%.0f per attempt)%n",
          clientRetained, clientRetained / (double) n);
    } finally {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  private static void attempt(GrpcServerConnector connector, ActorSystem<Void> system) {
    AgentCall.open(connector).ended(); // refused: nothing listens on the port
  }

  private interface Step {
    void run() throws Exception;
  }

  private static void ignoreFailure(Step step) {
    try {
      step.run();
    } catch (Exception refused) {
      // expected: nothing listens on the port
    }
  }

  private static long usedHeap() throws InterruptedException {
    for (int i = 0; i < 5; i++) {
      System.gc();
      Thread.sleep(100);
    }
    Runtime r = Runtime.getRuntime();
    return r.totalMemory() - r.freeMemory();
  }
}
