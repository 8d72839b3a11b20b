package dev.fluke.testing;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jgit.errors.RepositoryNotFoundException;
import org.eclipse.jgit.http.server.GitServlet;
import org.eclipse.jgit.junit.http.AccessEvent;
import org.eclipse.jgit.junit.http.AppServer;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.transport.resolver.UploadPackFactory;

/**
 * Serves one repository read-only over HTTP on loopback (a free port) with JGit's own test HTTP
 * server ({@link AppServer}: Jetty, from {@code org.eclipse.jgit.junit.http}) and JGit's {@link
 * GitServlet} (from {@code org.eclipse.jgit.http.server}), as JGit's own HTTP tests do. {@link
 * Mode#SMART} speaks the smart protocol (upload-pack only: the servlet refuses anonymous pushes);
 * {@link Mode#DUMB} turns upload-pack off, so the servlet serves {@code info/refs}, {@code
 * objects/info/packs} and the object files as the dumb protocol wants. Optionally behind HTTP basic
 * auth: {@link AppServer}'s, whose one user and password are {@link #USER} and {@link #PASSWORD}.
 */
public final class GitHttpServer implements AutoCloseable {
  /** Which HTTP protocol to speak. */
  public enum Mode {
    DUMB,
    SMART
  }

  /** The one user basic auth accepts ({@link AppServer#username}). */
  public static final String USER = AppServer.username;

  /** That user's password ({@link AppServer#password}). */
  public static final String PASSWORD = AppServer.password;

  private static final String CONTEXT = "/git";
  private static final String NAME = "repo.git";

  private final AppServer server;
  private final Path gitDir;
  private final Mode mode;

  private GitHttpServer(Path gitDir, Mode mode, boolean basicAuth) throws Exception {
    this.gitDir = gitDir;
    this.mode = mode;
    this.server = new AppServer();
    GitServlet git = new GitServlet();
    // Opened per request (the servlet closes it afterwards), so commits the test makes meanwhile
    // are always seen.
    git.setRepositoryResolver(
        (request, name) -> {
          if (!NAME.equals(name)) {
            throw new RepositoryNotFoundException(name);
          }
          try {
            return new FileRepositoryBuilder()
                .setGitDir(gitDir.toFile())
                .setMustExist(true)
                .build();
          } catch (IOException e) {
            throw new RepositoryNotFoundException(name, e);
          }
        });
    if (mode == Mode.DUMB) {
      @SuppressWarnings("unchecked")
      UploadPackFactory<jakarta.servlet.http.HttpServletRequest> off =
          (UploadPackFactory<jakarta.servlet.http.HttpServletRequest>)
              (UploadPackFactory<?>) UploadPackFactory.DISABLED;
      git.setUploadPackFactory(off);
    }
    ServletContextHandler context = server.addContext(CONTEXT);
    context.addServlet(new ServletHolder(git), "/*");
    if (basicAuth) {
      server.authBasic(context);
    }
    server.setUp();
  }

  /** Serves {@code gitDir} (a {@code .git} dir or a bare repository) without authentication. */
  public static GitHttpServer start(Path gitDir, Mode mode) {
    return start(gitDir, mode, false);
  }

  /** Serves {@code gitDir} behind basic auth for {@link #USER} with {@link #PASSWORD}. */
  public static GitHttpServer start(Path gitDir, Mode mode, boolean basicAuth) {
    TestRepos.isolateJGitConfig();
    try {
      return new GitHttpServer(gitDir, mode, basicAuth);
    } catch (Exception e) {
      throw new IllegalStateException("could not start the test Git HTTP server", e);
    }
  }

  /** {@code http://127.0.0.1:PORT/git/repo.git}. */
  public String url() {
    URI base = server.getURI();
    return base + CONTEXT + "/" + NAME;
  }

  /** How many requests were answered, not counting those refused for want of credentials. */
  public int requests() {
    return (int) server.getRequests().stream().filter(r -> r.getStatus() != 401).count();
  }

  /** Every request so far, for assertions on what a client asked. */
  public java.util.List<AccessEvent> requestLog() {
    return server.getRequests();
  }

  @Override
  public void close() {
    try {
      server.tearDown();
    } catch (Exception e) {
      throw new IllegalStateException("could not stop the test Git HTTP server", e);
    }
  }

  /** For diagnostics in failing tests. */
  @Override
  public String toString() {
    return "GitHttpServer[" + mode + " " + url() + " serving " + gitDir + "]";
  }
}
