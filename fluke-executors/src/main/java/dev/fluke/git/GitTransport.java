package dev.fluke.git;

import dev.fluke.git.JGitSync.HostKeyPolicy;
import dev.fluke.git.JGitSync.Options;
import java.io.File;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.TransportCommand;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.transport.CredentialItem;
import org.eclipse.jgit.transport.CredentialsProvider;
import org.eclipse.jgit.transport.SshTransport;
import org.eclipse.jgit.transport.URIish;
import org.eclipse.jgit.transport.UsernamePasswordCredentialsProvider;
import org.eclipse.jgit.transport.sshd.JGitKeyCache;
import org.eclipse.jgit.transport.sshd.SshdSessionFactory;
import org.eclipse.jgit.transport.sshd.SshdSessionFactoryBuilder;
import org.eclipse.jgit.util.FS;

/**
 * How {@link JGitSync} reaches a remote: the timeout, credentials (basic auth from the source or
 * the URL's user-info; nothing ever prompts), and SSH sessions with the source's key and {@link
 * HostKeys} under the options' {@link HostKeyPolicy}. Holds one SSH session factory per key file;
 * close it to release them.
 */
final class GitTransport implements AutoCloseable {
  private final Options options;
  private final Map<String, SshdSessionFactory> sshFactories = new ConcurrentHashMap<>();

  GitTransport(Options options) {
    this.options = options;
  }

  /** Sets {@code cmd}'s timeout, credentials and SSH session factory for {@code source}. */
  void configure(TransportCommand<?, ?> cmd, GitSource source) throws URISyntaxException {
    int seconds = (int) Math.max(1, Math.min(Integer.MAX_VALUE, options.timeout().toSeconds()));
    cmd.setTimeout(seconds);
    cmd.setCredentialsProvider(credentials(source));
    cmd.setTransportConfigCallback(
        transport -> {
          if (transport instanceof SshTransport ssh) {
            ssh.setSshSessionFactory(sshFactory(source.sshKeyFile()));
          }
        });
  }

  /** The commit the remote's branch points at, read without fetching. */
  ObjectId remoteTip(GitSource source, String ref, String branch)
      throws GitAPIException, URISyntaxException, GitSyncException {
    var ls = Git.lsRemoteRepository().setRemote(source.url()).setHeads(true);
    configure(ls, source);
    for (Ref r : ls.call()) {
      if (r.getName().equals(ref) && r.getObjectId() != null) {
        return r.getObjectId();
      }
    }
    throw new GitSyncException("branch '" + branch + "' not found in " + source.redactedUrl());
  }

  /** {@code message} with advice when it says an SSH host key was refused. */
  String hint(String message) {
    if (!message.contains("Server key did not validate")) {
      return message;
    }
    String file =
        options.knownHostsFile() != null
            ? options.knownHostsFile().toString()
            : "~/.ssh/known_hosts";
    return message
        + " (the SSH host key is "
        + (options.hostKeyPolicy() == HostKeyPolicy.STRICT
            ? "unknown or has changed"
            : "different from the recorded one")
        + "; check it and record it in "
        + file
        + ", e.g. with ssh-keyscan)";
  }

  private static CredentialsProvider credentials(GitSource source) throws URISyntaxException {
    if (source.basicAuthUser() != null && !source.basicAuthUser().isEmpty()) {
      return new UsernamePasswordCredentialsProvider(
          source.basicAuthUser(),
          source.basicAuthPassword() == null ? "" : source.basicAuthPassword());
    }
    URIish uri = new URIish(source.url());
    if (uri.getUser() != null && uri.getPass() != null) {
      return new UsernamePasswordCredentialsProvider(uri.getUser(), uri.getPass());
    }
    return NoCredentials.INSTANCE;
  }

  private SshdSessionFactory sshFactory(Path keyFile) {
    String key = keyFile == null ? "" : keyFile.toAbsolutePath().toString();
    return sshFactories.computeIfAbsent(
        key,
        k -> {
          File home = FS.DETECTED.userHome();
          File sshDir = new File(home, ".ssh");
          SshdSessionFactoryBuilder builder =
              new SshdSessionFactoryBuilder()
                  .setHomeDirectory(home)
                  .setSshDirectory(sshDir)
                  .setServerKeyDatabase(
                      (h, s) -> new HostKeys(options.hostKeyPolicy(), options.knownHostsFile()));
          if (keyFile != null) {
            builder
                .setDefaultIdentities(s -> List.of(keyFile.toAbsolutePath()))
                .setPreferredAuthentications("publickey");
          }
          return builder.build(new JGitKeyCache());
        });
  }

  @Override
  public void close() {
    for (SshdSessionFactory f : sshFactories.values()) {
      f.close();
    }
    sshFactories.clear();
  }

  /**
   * Answers every credential question with "no": JGit then fails instead of waiting for a person.
   */
  private static final class NoCredentials extends CredentialsProvider {
    static final NoCredentials INSTANCE = new NoCredentials();

    @Override
    public boolean isInteractive() {
      return false;
    }

    @Override
    public boolean supports(CredentialItem... items) {
      return false;
    }

    @Override
    public boolean get(URIish uri, CredentialItem... items) {
      return false;
    }
  }
}
