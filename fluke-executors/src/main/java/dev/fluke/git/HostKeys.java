package dev.fluke.git;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.jgit.internal.transport.sshd.OpenSshServerKeyDatabase;
import org.eclipse.jgit.transport.CredentialsProvider;
import org.eclipse.jgit.transport.sshd.ServerKeyDatabase;

/**
 * The SSH host key check of {@link JGitSync}: OpenSSH known_hosts files, read by JGit's own
 * database, with the strictness fixed by {@link JGitSync.HostKeyPolicy} instead of taken from
 * {@code ~/.ssh/config}, and no user to ask (a prompt would hang an agent). Fluke's own known_hosts
 * file, when set, comes first, so that keys accepted on first use are recorded there.
 */
final class HostKeys implements ServerKeyDatabase {
  private final JGitSync.HostKeyPolicy policy;
  private final Path ownFile;
  private final OpenSshServerKeyDatabase delegate;

  HostKeys(JGitSync.HostKeyPolicy policy, Path ownFile) {
    this.policy = policy;
    this.ownFile = ownFile;
    this.delegate = new OpenSshServerKeyDatabase(false, List.of());
  }

  @Override
  public List<PublicKey> lookup(
      String connectAddress, InetSocketAddress remoteAddress, Configuration config) {
    return delegate.lookup(connectAddress, remoteAddress, fixed(config));
  }

  @Override
  public boolean accept(
      String connectAddress,
      InetSocketAddress remoteAddress,
      PublicKey serverKey,
      Configuration config,
      CredentialsProvider provider) {
    // no provider: nobody can be asked
    return delegate.accept(connectAddress, remoteAddress, serverKey, fixed(config), null);
  }

  private Configuration fixed(Configuration config) {
    List<String> files = new ArrayList<>();
    if (ownFile != null) {
      files.add(ownFile.toAbsolutePath().toString());
    }
    List<String> userFiles = config.getUserKnownHostsFiles();
    if (userFiles == null || userFiles.isEmpty()) {
      // no ssh config entry for the host: OpenSSH's defaults
      Path sshDir = Path.of(System.getProperty("user.home"), ".ssh");
      userFiles =
          List.of(
              sshDir.resolve("known_hosts").toString(), sshDir.resolve("known_hosts2").toString());
    }
    for (String f : userFiles) {
      if (!files.contains(f)) {
        files.add(f);
      }
    }
    List<String> globalFiles = config.getGlobalKnownHostsFiles();
    // JGit's database reads only the "user" list, so the system-wide files go there too (read-only:
    // new
    // keys are only ever written to the first file)
    for (String f :
        globalFiles == null || globalFiles.isEmpty()
            ? List.of("/etc/ssh/ssh_known_hosts")
            : globalFiles) {
      if (!files.contains(f)) {
        files.add(f);
      }
    }
    Configuration.StrictHostKeyChecking strict =
        policy == JGitSync.HostKeyPolicy.STRICT
            ? Configuration.StrictHostKeyChecking.REQUIRE_MATCH
            : Configuration.StrictHostKeyChecking.ACCEPT_NEW;
    return new Configuration() {
      @Override
      public List<String> getUserKnownHostsFiles() {
        return files;
      }

      @Override
      public List<String> getGlobalKnownHostsFiles() {
        return globalFiles == null ? List.of() : globalFiles;
      }

      @Override
      public Configuration.StrictHostKeyChecking getStrictHostKeyChecking() {
        return strict;
      }

      @Override
      public boolean getHashKnownHosts() {
        return false;
      }

      @Override
      public String getUsername() {
        return config.getUsername();
      }
    };
  }
}
