package dev.fluke.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real {@code fluke agent} started by the real launcher ({@code bin/fluke}) with the built jar
 * logs through its own SLF4J provider: no Logback class is loaded, and {@code log { level, format
 * }} gives the lines Fluke's Logback set-up gives (text on stdout, JSON objects for collectors).
 */
class AgentLoggingIT {
  private static final Path JAR = Path.of("target", "fluke.jar").toAbsolutePath();
  private static final Path LAUNCHER = Path.of("..", "bin", "fluke").toAbsolutePath();

  @TempDir Path tmp;

  private record Run(String out, String err, List<String> classes) {}

  private Run agent(String format) throws IOException, InterruptedException {
    assertTrue(Files.isRegularFile(JAR), "the jar is built before integration tests: " + JAR);
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    Path config = tmp.resolve("agent.hcl");
    Files.writeString(
        config,
        """
        agent {
          server_url = "grpc://127.0.0.1:%d"
          token      = "a-token-of-at-least-sixteen-chars"
          name       = "logging-it"
          labels     = { role = "logging-it" }
          state_dir  = "%s"
          log { level = "info"  format = "%s" }
        }
        """
            .formatted(closedPort, tmp.resolve("state"), format));
    Path classes = tmp.resolve("classes-" + format + ".txt");
    Path out = tmp.resolve("out-" + format + ".txt");
    Path err = tmp.resolve("err-" + format + ".txt");
    ProcessBuilder pb =
        new ProcessBuilder(LAUNCHER.toString(), "agent", "--config", config.toString())
            .redirectOutput(out.toFile())
            .redirectError(err.toFile());
    pb.environment().put("FLUKE_JAR", JAR.toString());
    pb.environment().put("FLUKE_JAVA_OPTS", "-Xlog:class+load=info:file=" + classes + ":none");
    pb.environment().put("XDG_CONFIG_HOME", tmp.toString());
    Process p = pb.start();
    try {
      Awaitility.await("the agent's start-up line")
          .atMost(Duration.ofSeconds(120))
          .pollInterval(Duration.ofMillis(200))
          .until(() -> Files.readString(out).contains("logging-it"));
    } finally {
      p.destroy(); // SIGTERM: the agent's graceful stop
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    }
    List<String> loaded =
        Files.readAllLines(classes, StandardCharsets.UTF_8).stream()
            .map(line -> line.split(" ", 2)[0])
            .toList();
    return new Run(Files.readString(out), Files.readString(err), loaded);
  }

  @Test
  void theAgentWritesFlukesTextLinesWithoutLoadingLogback() throws Exception {
    Run run = agent("text");
    assertTrue(
        run.classes().stream().noneMatch(c -> c.startsWith("ch.qos.logback.")),
        "no Logback class: " + run.classes().stream().filter(c -> c.startsWith("ch.")).toList());
    assertTrue(
        run.classes().contains("dev.fluke.app.log.PlainLogProvider"), "the agent's provider");
    String started =
        run.out()
            .lines()
            .filter(l -> l.contains("started as 'logging-it'"))
            .findFirst()
            .orElseThrow();
    assertTrue(
        started.matches(
            "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z INFO  dev.fluke.app.AgentNode - Fluke"
                + " agent .* started as 'logging-it' with labels \\{role=logging-it\\}, dialing"
                + " grpc://127\\.0\\.0\\.1:\\d+"),
        started);
    assertTrue(run.err().isBlank(), "nothing on stderr: " + run.err());
  }

  @Test
  void theAgentWritesOneJsonObjectPerLineWhenAsked() throws Exception {
    Run run = agent("json");
    ObjectMapper json = new ObjectMapper();
    JsonNode started = null;
    for (String line : run.out().lines().toList()) {
      JsonNode node = json.readTree(line); // every line is one JSON object
      if (node.path("formattedMessage").asText().contains("started as 'logging-it'")) {
        started = node;
      }
    }
    assertTrue(started != null, run.out());
    assertEquals("INFO", started.get("level").asText());
    assertEquals("dev.fluke.app.AgentNode", started.get("loggerName").asText());
    assertTrue(started.get("timestamp").isNumber(), started.toString());
    assertTrue(started.get("throwable").isNull(), started.toString());
  }
}
