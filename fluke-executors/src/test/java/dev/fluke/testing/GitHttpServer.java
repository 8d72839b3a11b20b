package dev.fluke.testing;

import com.sun.net.httpserver.BasicAuthenticator;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.transport.PacketLineOut;
import org.eclipse.jgit.transport.RefAdvertiser;
import org.eclipse.jgit.transport.UploadPack;

/**
 * Serves one repository read-only over HTTP on {@code 127.0.0.1} (a free port), with the JDK's HTTP
 * server, for tests of Git clients. {@link Mode#DUMB} serves the files of the {@code .git} dir
 * (with {@code info/refs} and {@code objects/info/packs} generated on each request, like {@code git
 * update-server-info}); {@link Mode#SMART} speaks the smart protocol (v0, upload-pack only) through
 * JGit's {@link UploadPack}. Optionally behind HTTP basic auth.
 */
public final class GitHttpServer implements AutoCloseable {
  /** Which HTTP protocol to speak. */
  public enum Mode {
    DUMB,
    SMART
  }

  private static final String PREFIX = "/repo.git/";

  private final HttpServer server;
  private final ExecutorService executor;
  private final Path gitDir;
  private final Mode mode;
  private final AtomicInteger requests = new AtomicInteger();

  private GitHttpServer(Path gitDir, Mode mode, String user, String password) throws IOException {
    this.gitDir = gitDir;
    this.mode = mode;
    this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    this.executor =
        Executors.newFixedThreadPool(
            2,
            r -> {
              Thread t = new Thread(r, "git-http-test-server");
              t.setDaemon(true);
              return t;
            });
    server.setExecutor(executor);
    HttpContext ctx = server.createContext(PREFIX, this::handle);
    if (user != null) {
      ctx.setAuthenticator(
          new BasicAuthenticator("fluke-test") {
            @Override
            public boolean checkCredentials(String u, String p) {
              return user.equals(u) && password.equals(p);
            }
          });
    }
    server.start();
  }

  /** Serves {@code gitDir} (a {@code .git} dir or a bare repository) without authentication. */
  public static GitHttpServer start(Path gitDir, Mode mode) {
    return start(gitDir, mode, null, null);
  }

  /** Serves {@code gitDir} behind basic auth with this user and password. */
  public static GitHttpServer start(Path gitDir, Mode mode, String user, String password) {
    TestRepos.isolateJGitConfig();
    try {
      return new GitHttpServer(gitDir, mode, user, password);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** {@code http://127.0.0.1:PORT/repo.git}. */
  public String url() {
    return "http://127.0.0.1:"
        + server.getAddress().getPort()
        + PREFIX.substring(0, PREFIX.length() - 1);
  }

  /** How many requests reached a handler (after authentication). */
  public int requests() {
    return requests.get();
  }

  private void handle(HttpExchange ex) throws IOException {
    requests.incrementAndGet();
    try (ex) {
      String path = ex.getRequestURI().getPath().substring(PREFIX.length());
      String query = ex.getRequestURI().getQuery();
      if (mode == Mode.SMART
          && path.equals("info/refs")
          && "service=git-upload-pack".equals(query)) {
        smartAdvertisement(ex);
      } else if (mode == Mode.SMART
          && path.equals("git-upload-pack")
          && "POST".equals(ex.getRequestMethod())) {
        smartUploadPack(ex);
      } else if (mode == Mode.SMART) {
        send(ex, 404, "text/plain", "not found".getBytes(StandardCharsets.UTF_8));
      } else if (path.equals("info/refs")) {
        send(ex, 200, "text/plain", infoRefs());
      } else if (path.equals("objects/info/packs")) {
        send(ex, 200, "text/plain", infoPacks());
      } else {
        Path file = gitDir.resolve(path).normalize();
        if (!file.startsWith(gitDir) || !Files.isRegularFile(file)) {
          send(ex, 404, "text/plain", "not found".getBytes(StandardCharsets.UTF_8));
        } else {
          send(ex, 200, "application/octet-stream", Files.readAllBytes(file));
        }
      }
    } catch (IOException | RuntimeException e) {
      try {
        send(ex, 500, "text/plain", e.toString().getBytes(StandardCharsets.UTF_8));
      } catch (IOException | RuntimeException ignored) {
        // the response was already under way
      }
    }
  }

  private Repository open() throws IOException {
    return new FileRepositoryBuilder().setGitDir(gitDir.toFile()).setMustExist(true).build();
  }

  private byte[] infoRefs() throws IOException {
    StringBuilder sb = new StringBuilder();
    try (Repository repo = open()) {
      Map<String, Ref> sorted = new TreeMap<>();
      for (Ref r : repo.getRefDatabase().getRefs()) {
        if (!r.isSymbolic() && r.getObjectId() != null) {
          sorted.put(r.getName(), r);
        }
      }
      for (Ref r : sorted.values()) {
        sb.append(r.getObjectId().name()).append('\t').append(r.getName()).append('\n');
        Ref peeled = repo.getRefDatabase().peel(r);
        ObjectId p = peeled.getPeeledObjectId();
        if (p != null) {
          sb.append(p.name()).append('\t').append(r.getName()).append("^{}\n");
        }
      }
    }
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  private byte[] infoPacks() throws IOException {
    Path packs = gitDir.resolve("objects/pack");
    StringBuilder sb = new StringBuilder();
    if (Files.isDirectory(packs)) {
      try (Stream<Path> s = Files.list(packs)) {
        s.map(p -> p.getFileName().toString())
            .filter(n -> n.endsWith(".pack"))
            .sorted()
            .forEach(n -> sb.append("P ").append(n).append('\n'));
      }
    }
    sb.append('\n');
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  private void smartAdvertisement(HttpExchange ex) throws IOException {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    try (Repository repo = open()) {
      PacketLineOut pck = new PacketLineOut(body);
      pck.writeString("# service=git-upload-pack\n");
      pck.end();
      UploadPack up = new UploadPack(repo);
      up.setBiDirectionalPipe(false);
      up.sendAdvertisedRefs(new RefAdvertiser.PacketLineOutRefAdvertiser(pck));
    }
    send(ex, 200, "application/x-git-upload-pack-advertisement", body.toByteArray());
  }

  private void smartUploadPack(HttpExchange ex) throws IOException {
    InputStream in = ex.getRequestBody();
    if ("gzip".equals(ex.getRequestHeaders().getFirst("Content-Encoding"))) {
      in = new GZIPInputStream(in);
    }
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    try (Repository repo = open()) {
      UploadPack up = new UploadPack(repo);
      up.setBiDirectionalPipe(false);
      up.upload(in, body, null);
    }
    send(ex, 200, "application/x-git-upload-pack-result", body.toByteArray());
  }

  private static void send(HttpExchange ex, int status, String type, byte[] body)
      throws IOException {
    ex.getResponseHeaders().set("Content-Type", type);
    ex.getResponseHeaders().set("Cache-Control", "no-cache");
    ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    if (body.length > 0) {
      try (OutputStream out = ex.getResponseBody()) {
        out.write(body);
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

  /** For diagnostics in failing tests. */
  @Override
  public String toString() {
    return "GitHttpServer["
        + mode
        + " "
        + url()
        + " serving "
        + gitDir
        + ", "
        + Constants.HEAD
        + "]";
  }
}
