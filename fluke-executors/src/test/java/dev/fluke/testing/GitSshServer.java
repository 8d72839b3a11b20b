package dev.fluke.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyPairResourceWriter;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.command.AbstractCommandSupport;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.transport.UploadPack;

/**
 * Serves one repository read-only over SSH on {@code 127.0.0.1} (a free port), with Apache MINA
 * sshd and JGit's {@link UploadPack}, for tests of SSH access: public-key authentication only, with
 * a client key pair it generates and writes (OpenSSH format, no passphrase) to {@link
 * #clientKeyFile()}, and a host key of its own whose {@link #knownHostsLine()} a test writes to a
 * known_hosts file (or not).
 */
public final class GitSshServer implements AutoCloseable {
  private final SshServer server;
  private final KeyPair hostKey;
  private final Path clientKeyFile;

  private GitSshServer(Path gitDir, Path workDir) throws IOException, GeneralSecurityException {
    KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
    gen.initialize(256);
    this.hostKey = gen.generateKeyPair();
    KeyPair client = gen.generateKeyPair();
    Files.createDirectories(workDir);
    this.clientKeyFile = workDir.resolve("id_ecdsa");
    try (OutputStream out = Files.newOutputStream(clientKeyFile)) {
      OpenSSHKeyPairResourceWriter.INSTANCE.writePrivateKey(client, "fluke-test", null, out);
    }
    Files.setPosixFilePermissions(clientKeyFile, PosixFilePermissions.fromString("rw-------"));

    server = SshServer.setUpDefaultServer();
    server.setHost(InetAddress.getLoopbackAddress().getHostAddress());
    server.setPort(0);
    server.setKeyPairProvider(KeyPairProvider.wrap(hostKey));
    server.setPublickeyAuthenticator(
        (user, key, session) -> KeyUtils.compareKeys(key, client.getPublic()));
    server.setPasswordAuthenticator(null);
    server.setKeyboardInteractiveAuthenticator(null);
    server.setCommandFactory((channel, command) -> new UploadPackCommand(command, gitDir));
    server.start();
  }

  /** Serves {@code gitDir}; keys are written under {@code workDir}. */
  public static GitSshServer start(Path gitDir, Path workDir) {
    TestRepos.isolateJGitConfig();
    try {
      return new GitSshServer(gitDir, workDir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  public int port() {
    return server.getPort();
  }

  /** {@code ssh://git@127.0.0.1:PORT/repo.git}. */
  public String url() {
    return "ssh://git@127.0.0.1:" + port() + "/repo.git";
  }

  /** The private key the server accepts. */
  public Path clientKeyFile() {
    return clientKeyFile;
  }

  /**
   * {@code [127.0.0.1]:PORT ecdsa-sha2-nistp256 AAAA…}: this server's entry for a known_hosts file.
   */
  public String knownHostsLine() {
    return "[127.0.0.1]:" + port() + " " + PublicKeyEntry.toString(hostKey.getPublic());
  }

  /** A known_hosts entry for this server's address with some other key (a "changed host key"). */
  public String wrongKnownHostsLine() {
    try {
      KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
      gen.initialize(256);
      return "[127.0.0.1]:"
          + port()
          + " "
          + PublicKeyEntry.toString(gen.generateKeyPair().getPublic());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    try {
      server.stop(true);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Runs {@code git-upload-pack} for the one served repository; anything else exits 1. */
  private static final class UploadPackCommand extends AbstractCommandSupport {
    private final Path gitDir;

    UploadPackCommand(String command, Path gitDir) {
      super(command, null);
      this.gitDir = gitDir;
    }

    @Override
    public void run() {
      String cmd = getCommand();
      if (!cmd.startsWith("git-upload-pack") || !cmd.contains("repo.git")) {
        try {
          getErrorStream().write(("unsupported: " + cmd + "\n").getBytes(StandardCharsets.UTF_8));
          getErrorStream().flush();
        } catch (IOException ignored) {
          // the client went away
        }
        onExit(1, "unsupported command");
        return;
      }
      try (Repository repo =
          new FileRepositoryBuilder().setGitDir(gitDir.toFile()).setMustExist(true).build()) {
        new UploadPack(repo).upload(getInputStream(), getOutputStream(), getErrorStream());
        onExit(0);
      } catch (IOException | RuntimeException e) {
        onExit(1, e.toString());
      }
    }
  }
}
