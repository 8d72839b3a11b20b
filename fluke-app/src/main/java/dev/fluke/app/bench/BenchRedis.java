package dev.fluke.app.bench;

import dev.fluke.net.LoopbackPorts;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A {@code redis-server} (Debian package {@code redis-server}) for {@code fluke bench
 * --kill-node}'s rolling restart: the nodes' shared event store, so what a node recorded outlives
 * its restart. A child process on a free loopback port, no persistence, its files in {@code dir}.
 */
final class BenchRedis implements AutoCloseable {
  private final Process process;
  private final int port;

  private BenchRedis(Process process, int port) {
    this.process = process;
    this.port = port;
  }

  static BenchRedis start(Path dir) throws IOException, InterruptedException {
    int port = LoopbackPorts.free(1)[0];
    Process p;
    try {
      p =
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
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("redis.log").toFile())
              .start();
    } catch (IOException e) {
      throw new IOException(
          "bench: phase (d) needs redis-server (apt-get install redis-server): " + e.getMessage(),
          e);
    }
    BenchRedis redis = new BenchRedis(p, port);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!redis.answers()) {
      if (!p.isAlive() || System.nanoTime() > deadline) {
        redis.close();
        throw new IOException("bench: redis-server did not start; see " + dir.resolve("redis.log"));
      }
      Thread.sleep(100);
    }
    return redis;
  }

  String url() {
    return "redis://127.0.0.1:" + port;
  }

  private boolean answers() {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
      s.setSoTimeout(1000);
      OutputStream out = s.getOutputStream();
      out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      byte[] reply = in.readNBytes(5);
      return new String(reply, StandardCharsets.US_ASCII).equals("+PONG");
    } catch (IOException e) {
      return false;
    }
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(30, TimeUnit.SECONDS);
    }
  }
}
