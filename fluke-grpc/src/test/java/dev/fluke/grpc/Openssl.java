package dev.fluke.grpc;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The real {@code openssl} command line (Debian package {@code openssl}), run in a test's
 * directory: the keys, certificates and revocation lists the tests use are made exactly as
 * docs/security.md tells an operator to make them.
 */
public final class Openssl {
  private final Path dir;

  public Openssl(Path dir) {
    this.dir = dir;
  }

  public Path dir() {
    return dir;
  }

  public Path file(String name) {
    return dir.resolve(name);
  }

  /**
   * Runs {@code openssl ARGS...} in the directory; returns its output.
   *
   * @throws IOException with the output when it fails
   */
  public String run(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add("openssl");
    command.addAll(List.of(args));
    Process p;
    try {
      p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new IOException("cannot run openssl; install the Debian package openssl", e);
    }
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException(String.join(" ", command) + " failed:\n" + out);
    }
    return out;
  }
}
