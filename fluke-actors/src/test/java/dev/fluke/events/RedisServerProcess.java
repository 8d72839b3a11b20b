package dev.fluke.events;

import dev.fluke.net.LoopbackPorts;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * A real {@code redis-server} (Debian package {@code redis-server}) as a child process on a free
 * loopback port, without persistence, in its own directory. {@link #stop()} and {@link #start()}
 * let a test take Redis away and bring it back on the same port. Public for the other modules'
 * tests (fluke-actors' test-jar).
 */
public final class RedisServerProcess implements AutoCloseable {
  private static final long START_TIMEOUT_MILLIS = 10_000;

  private final Path dir;
  private final int port;
  private Process process;

  private RedisServerProcess(Path dir, int port) {
    this.dir = dir;
    this.port = port;
  }

  /** Starts a server in {@code dir} (a test's temp dir) and waits until it answers PING. */
  public static RedisServerProcess start(Path dir) throws IOException, InterruptedException {
    RedisServerProcess server = new RedisServerProcess(dir, freePort());
    server.start();
    return server;
  }

  public int port() {
    return port;
  }

  public String url() {
    return "redis://127.0.0.1:" + port;
  }

  /** (Re)starts the server on the same port and waits until it answers PING. */
  public void start() throws IOException, InterruptedException {
    if (process != null && process.isAlive()) {
      throw new IllegalStateException("redis-server already running");
    }
    ProcessBuilder builder =
        new ProcessBuilder(
                List.of(
                    "redis-server",
                    "--port",
                    Integer.toString(port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--daemonize",
                    "no",
                    "--dir",
                    dir.toString()))
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("redis.log").toFile()));
    try {
      process = builder.start();
    } catch (IOException e) {
      throw new IOException(
          "cannot run redis-server; install the Debian package redis-server (apt-get install redis-server)",
          e);
    }
    try {
      Awaitility.await()
          .atMost(Duration.ofMillis(START_TIMEOUT_MILLIS))
          .pollInterval(Duration.ofMillis(20))
          .until(() -> !process.isAlive() || answersPing());
    } catch (ConditionTimeoutException e) {
      // reported below with the server's log
    }
    if (!process.isAlive() || !answersPing()) {
      String log =
          Files.exists(dir.resolve("redis.log")) ? Files.readString(dir.resolve("redis.log")) : "";
      stop();
      throw new IOException("redis-server on port " + port + " did not start:\n" + log);
    }
  }

  /** Stops the server (this child process only, by its handle) and waits until it is gone. */
  public void stop() throws InterruptedException {
    if (process == null) {
      return;
    }
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
    process = null;
  }

  @Override
  public void close() throws InterruptedException {
    stop();
  }

  private boolean answersPing() {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
      socket.setSoTimeout(500);
      OutputStream out = socket.getOutputStream();
      out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      byte[] reply = in.readNBytes(7);
      return new String(reply, StandardCharsets.US_ASCII).equals("+PONG\r\n");
    } catch (IOException e) {
      return false;
    }
  }

  private static int freePort() throws IOException {
    return LoopbackPorts.free(1)[0]; // below the ephemeral range: see LoopbackPorts
  }
}
