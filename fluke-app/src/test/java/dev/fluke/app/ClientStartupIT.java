package dev.fluke.app;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fluke.http.ApiAuth;
import dev.fluke.http.ApiErrors;
import dev.fluke.http.ApiJson;
import dev.fluke.http.HttpApi;
import dev.fluke.http.TestFleetApi;
import dev.fluke.http.ui.LiveStreamRoutes;
import dev.fluke.http.ui.TestLiveFeed;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Client commands load only what they use (issue 9): the built jar ({@code target/fluke.jar}) run
 * as a user runs it, in its own JVM, against the real HTTP API on a free loopback port, with the
 * JVM listing every class it loads. Asking a question loads no logging framework, no XML parser, no
 * TLS for {@code http://}, no Pekko and none of the server's or agent's classes; the commands that
 * stream load Pekko (and with it the JDK's TLS classes: Pekko's plain connections carry a
 * placeholder TLS session) and still none of the rest.
 */
class ClientStartupIT {
  private static final ActorTestKit testKit = ActorTestKit.create();
  private static final Path JAR = Path.of("target", "fluke.jar");
  private static ServerBinding binding;
  private static String server;

  /** Class name prefixes no client command may load. */
  private static final List<String> NEVER =
      List.of(
          "ch.qos.logback.",
          "org.slf4j.",
          "com.sun.org.apache.xerces.",
          "dev.fluke.server.",
          "dev.fluke.agent.",
          "dev.fluke.grpc.",
          "io.grpc.",
          "io.netty.",
          "org.eclipse.jgit.",
          "io.lettuce.",
          "jdk.internal.net.http.");

  /** What only the streaming commands may load. */
  private static final List<String> STREAMING_ONLY =
      List.of("org.apache.pekko.", "scala.", "sun.security.ssl.", "javax.net.ssl.");

  @TempDir Path tmp;

  @BeforeAll
  static void start() throws Exception {
    ObjectMapper mapper = ApiJson.create();
    ApiErrors errors = new ApiErrors(mapper);
    TestLiveFeed feed = new TestLiveFeed();
    var stream =
        new LiveStreamRoutes(
                feed, mapper, new ApiAuth(Set.of(), errors), errors, Duration.ofSeconds(1))
            .routes();
    binding =
        HttpApi.bind(
                testKit.system(),
                "127.0.0.1",
                0,
                HttpApi.routes(new TestFleetApi(), Set.of(), stream))
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
    server = "http://127.0.0.1:" + binding.localAddress().getPort();
  }

  @AfterAll
  static void stop() throws Exception {
    binding.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS);
    testKit.shutdownTestKit();
  }

  record Run(int exit, String out, List<String> classes) {}

  private Run fluke(String... args) throws IOException, InterruptedException {
    assertTrue(Files.isRegularFile(JAR), "the jar is built before integration tests: " + JAR);
    Path classes = tmp.resolve("classes-" + System.nanoTime() + ".txt");
    Path out = tmp.resolve("out.txt");
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xlog:class+load=info:file=" + classes + ":none");
    command.addAll(List.of("-cp", JAR.toString(), "dev.fluke.app.Main"));
    command.addAll(List.of(args));
    command.addAll(List.of("--server", server));
    Process p =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "fluke " + String.join(" ", args) + " ended");
    List<String> loaded =
        Files.readAllLines(classes, StandardCharsets.UTF_8).stream()
            .map(line -> line.split(" ", 2)[0])
            .toList();
    return new Run(p.exitValue(), Files.readString(out), loaded);
  }

  private static void assertNone(Run run, List<String> prefixes, String what) {
    List<String> found =
        run.classes().stream().filter(c -> prefixes.stream().anyMatch(c::startsWith)).toList();
    assertTrue(
        found.isEmpty(),
        what
            + " loaded "
            + found.size()
            + " classes it does not need, e.g. "
            + found.stream().limit(5).toList());
  }

  @Test
  void questionsLoadNeitherLoggingNorTlsNorPekkoNorServerClasses() throws Exception {
    for (String[] args :
        new String[][] {
          {"get", "agents"}, {"get", "events", "-o", "json"}, {"describe", "agent", "web-01"}
        }) {
      Run run = fluke(args);
      String what = "fluke " + String.join(" ", args);
      assertEquals(0, run.exit(), what + ": " + run.out());
      assertTrue(run.out().contains("web-01"), run.out());
      assertTrue(run.classes().contains("dev.fluke.app.client.ApiClient"), "the log is complete");
      assertNone(run, NEVER, what);
      assertNone(run, STREAMING_ONLY, what);
    }
  }

  @Test
  void plainQuestionsLoadNeitherPicocliNorJacksonsDataBinding() throws Exception {
    // Read with jackson-core into the records, parsed without picocli (docs/performance.md, "The
    // CLI: loading less"); a few of their classes load as types named in signatures, none is used.
    List<String> heavy =
        List.of(
            "picocli.CommandLine$Model",
            "picocli.CommandLine$Help",
            "com.fasterxml.jackson.databind.deser.",
            "com.fasterxml.jackson.databind.ser.",
            "com.fasterxml.jackson.databind.introspect.",
            "com.fasterxml.jackson.datatype.");
    for (String[] args :
        new String[][] {
          {"get", "agents"}, {"get", "agents", "-o", "json"}, {"describe", "agent", "web-01"}
        }) {
      Run run = fluke(args);
      String what = "fluke " + String.join(" ", args);
      assertEquals(0, run.exit(), what + ": " + run.out());
      assertTrue(run.out().contains("web-01"), run.out());
      assertTrue(run.classes().contains("dev.fluke.app.cli.DirectRun"), "the log is complete");
      assertNone(run, heavy, what);
    }
  }

  @Test
  void aFailedQuestionLoadsNoMore() throws Exception {
    Run run = fluke("describe", "agent", "ghost");
    assertEquals(1, run.exit(), run.out());
    assertTrue(run.out().startsWith("error: agent 'ghost' not found"), run.out());
    assertNone(run, NEVER, "a failed describe");
    assertNone(run, STREAMING_ONLY, "a failed describe");
  }

  @Test
  void streamingLoadsPekkoButNoLoggingFrameworkOrServerClasses() throws Exception {
    Run run = fluke("logs", "agent", "web-01");
    assertEquals(0, run.exit(), run.out());
    assertTrue(run.out().contains("No apply output of web-01"), run.out());
    assertTrue(
        run.classes()
            .contains("org.apache.pekko.http.scaladsl.unmarshalling.sse.EventStreamParser$"),
        "read with Pekko HTTP's server-sent events support");
    assertNone(run, NEVER, "fluke logs");
  }
}
