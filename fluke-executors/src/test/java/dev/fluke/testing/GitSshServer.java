package dev.fluke.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyPairResourceWriter;
import org.eclipse.jgit.junit.ssh.SshTestGitServer;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;

/**
 * Serves one repository over SSH on {@code 127.0.0.1} (a free port) with JGit's own SSH test server
 * ({@link SshTestGitServer}, from {@code org.eclipse.jgit.junit.ssh}: Apache MINA sshd running
 * JGit's upload-pack), as JGit's own SSH tests do: public-key authentication only (the user {@code
 * git}), with a client key pair generated here and written (OpenSSH format, no passphrase) to
 * {@link #clientKeyFile()}, and a host key of its own whose {@link #knownHostsLine()} a test writes
 * to a known_hosts file (or not). This class only makes the keys and binds the server to loopback;
 * the protocol is JGit's.
 */
public final class GitSshServer implements AutoCloseable {
  private static final String USER = "git";

  private final LoopbackServer server;
  private final Repository repository;
  private final KeyPair hostKey;
  private final Path clientKeyFile;
  private final int port;

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
    this.repository =
        new FileRepositoryBuilder().setGitDir(gitDir.toFile()).setMustExist(true).build();
    this.server = new LoopbackServer(USER, client.getPublic(), repository, hostKey);
    this.port = server.start();
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
    return port;
  }

  /** {@code ssh://git@127.0.0.1:PORT/repo.git}. */
  public String url() {
    return "ssh://" + USER + "@127.0.0.1:" + port() + "/repo.git";
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
      server.stop();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      repository.close();
    }
  }

  /** JGit's test server, bound to loopback only instead of every interface. */
  private static final class LoopbackServer extends SshTestGitServer {
    LoopbackServer(String user, PublicKey userKey, Repository repository, KeyPair hostKey) {
      super(user, userKey, repository, hostKey);
      server.setHost(InetAddress.getLoopbackAddress().getHostAddress());
    }
  }
}
