package dev.fluke.config;

import dev.fluke.git.GitSource;
import dev.fluke.hcl.Durations;
import dev.fluke.manifest.DriftPolicy;
import dev.fluke.manifest.FlapLimit;
import dev.fluke.manifest.RolloutSpec;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * {@code server.hcl} after checking (SPEC §3, docs/configuration.md): every default filled in,
 * every duration parsed, every rule applied. Built by {@link ConfigLoader#loadServer}. {@link
 * #toString()} hides tokens and passwords, so the config can be logged.
 *
 * @param agentTokens tokens agents may present: {@code agent_tokens} plus {@code
 *     FLUKE_AGENT_TOKENS}; never empty
 * @param apiTokens tokens for the HTTP API and CLI: {@code api_tokens} plus {@code
 *     FLUKE_API_TOKENS}; may be empty
 * @param reconcileInterval how often every agent is reconciled; defaults to the Git poll interval
 */
public record ServerConfig(
    ListenAddress listenGrpc,
    ListenAddress listenHttp,
    List<String> agentTokens,
    List<String> apiTokens,
    Path dataDir,
    Duration reconcileInterval,
    Git git,
    Tls tls,
    Drift drift,
    EventStore eventStore,
    LogConfig log,
    Optional<Cluster> cluster,
    Optional<RolloutSpec> rollout) {
  public ServerConfig {
    agentTokens = List.copyOf(agentTokens);
    apiTokens = List.copyOf(apiTokens);
    cluster = cluster == null ? Optional.empty() : cluster;
    rollout = rollout == null ? Optional.empty() : rollout;
  }

  /** A single server (no {@code cluster} block) without a fleet-wide rollout. */
  public ServerConfig(
      ListenAddress listenGrpc,
      ListenAddress listenHttp,
      List<String> agentTokens,
      List<String> apiTokens,
      Path dataDir,
      Duration reconcileInterval,
      Git git,
      Tls tls,
      Drift drift,
      EventStore eventStore,
      LogConfig log) {
    this(
        listenGrpc,
        listenHttp,
        agentTokens,
        apiTokens,
        dataDir,
        reconcileInterval,
        git,
        tls,
        drift,
        eventStore,
        log,
        Optional.empty(),
        Optional.empty());
  }

  /** This config as one node of a cluster. */
  public ServerConfig withCluster(Cluster c) {
    return new ServerConfig(
        listenGrpc,
        listenHttp,
        agentTokens,
        apiTokens,
        dataDir,
        reconcileInterval,
        git,
        tls,
        drift,
        eventStore,
        log,
        Optional.of(c),
        rollout);
  }

  /**
   * {@code cluster { … }}: this server is one node of a cluster (docs/cluster.md).
   *
   * @param listen where this node's cluster transport (Pekko Artery over TCP) binds
   * @param advertise the address other nodes reach this one at (NAT, containers); defaults to
   *     {@code listen}
   * @param seeds the nodes a starting node contacts to join (in {@code advertise} form); the first
   *     one forms the cluster when none is up yet
   * @param tls true: cluster traffic is TLS with mutual authentication, with the server's tls
   *     cert/key as this node's identity and {@code caFile} as the CA peers must be issued by
   * @param caFile the CA (PEM) of the peers' certificates; with tls, required
   * @param rebalance a node holding more than its share of the agents hands idle ones to the other
   *     nodes (docs/cluster.md, "Rebalancing")
   */
  public record Cluster(
      ListenAddress listen,
      ListenAddress advertise,
      List<ListenAddress> seeds,
      boolean tls,
      Optional<Path> caFile,
      boolean rebalance) {
    public Cluster {
      seeds = List.copyOf(seeds);
    }

    /** A node that rebalances (the default). */
    public Cluster(
        ListenAddress listen,
        ListenAddress advertise,
        List<ListenAddress> seeds,
        boolean tls,
        Optional<Path> caFile) {
      this(listen, advertise, seeds, tls, caFile, true);
    }

    /** A plaintext cluster node (loopback tests and examples). */
    public static Cluster plaintext(ListenAddress listen, List<ListenAddress> seeds) {
      return new Cluster(listen, listen, seeds, false, Optional.empty());
    }
  }

  /**
   * {@code git { … }}: where the manifests come from.
   *
   * @param webhookSecret verifies push webhooks (GitHub/Gitea HMAC signature, GitLab token); when
   *     empty the webhook endpoint is off and only polling finds new commits
   * @param followForcePush {@code on_force_push}: true ({@code "follow"}) follows a branch whose
   *     history was rewritten; false ({@code "refuse"}) keeps the commit in force until an operator
   *     accepts the new tip
   */
  public record Git(
      String url,
      String branch,
      Duration pollInterval,
      String manifestGlob,
      Optional<Path> sshKeyFile,
      Optional<String> basicAuthUser,
      Optional<String> basicAuthPassword,
      Optional<String> webhookSecret,
      boolean followForcePush) {
    /** The repository to read, for {@link dev.fluke.git.GitSync}. */
    public GitSource source() {
      return new GitSource(
          url,
          branch,
          sshKeyFile.orElse(null),
          basicAuthUser.orElse(null),
          basicAuthPassword.orElse(null));
    }

    @Override
    public String toString() {
      return "Git[url="
          + source().redactedUrl()
          + ", branch="
          + branch
          + ", pollInterval="
          + Durations.format(pollInterval)
          + ", manifestGlob="
          + manifestGlob
          + ", sshKeyFile="
          + sshKeyFile.map(Path::toString).orElse("-")
          + ", basicAuthUser="
          + basicAuthUser.orElse("-")
          + ", basicAuthPassword="
          + (basicAuthPassword.isPresent() ? "***" : "-")
          + ", webhookSecret="
          + (webhookSecret.isPresent() ? "***" : "-")
          + ", onForcePush="
          + (followForcePush ? "follow" : "refuse")
          + "]";
    }
  }

  /**
   * {@code tls { … }}, used by both listeners. {@code enabled=false} is plaintext (explicitly
   * chosen, or implied when both listeners are loopback-only and there is no tls block). {@code
   * clientCaFile} (mutual TLS) applies to the agents' gRPC listener only: agents must present a
   * certificate issued by it, not revoked by {@code crlFile}.
   */
  public record Tls(
      boolean enabled,
      Optional<Path> certFile,
      Optional<Path> keyFile,
      Optional<Path> clientCaFile,
      Optional<Path> crlFile) {
    /** TLS without client certificates. */
    public Tls(boolean enabled, Optional<Path> certFile, Optional<Path> keyFile) {
      this(enabled, certFile, keyFile, Optional.empty(), Optional.empty());
    }

    public static Tls plaintext() {
      return new Tls(false, Optional.empty(), Optional.empty());
    }
  }

  /**
   * {@code drift { policy alert_webhook max_remediations period }}: the server-wide default policy,
   * where alerts go, and the flap guard of tasks without their own.
   */
  public record Drift(DriftPolicy policy, Optional<URI> alertWebhook, FlapLimit flapLimit) {
    public Drift(DriftPolicy policy, Optional<URI> alertWebhook) {
      this(policy, alertWebhook, FlapLimit.DEFAULT);
    }
  }

  /** {@code event_store { backend … }}; both sub-configs are always present (with defaults). */
  public record EventStore(Backend backend, Memory memory, Redis redis) {
    public enum Backend {
      MEMORY,
      REDIS
    }
  }

  /** In-memory ring buffer per agent. */
  public record Memory(int maxEventsPerAgent) {}

  /** Redis-backed events, kept for {@code ttl}, keys under {@code prefix}. */
  public record Redis(String url, String prefix, Duration ttl) {}

  @Override
  public String toString() {
    return "ServerConfig[listenGrpc="
        + listenGrpc
        + ", listenHttp="
        + listenHttp
        + ", agentTokens="
        + agentTokens.size()
        + " hidden, apiTokens="
        + apiTokens.size()
        + " hidden, dataDir="
        + dataDir
        + ", reconcileInterval="
        + Durations.format(reconcileInterval)
        + ", git="
        + git
        + ", tls="
        + tls
        + ", drift="
        + drift
        + ", eventStore="
        + eventStore
        + ", log="
        + log
        + ", cluster="
        + cluster.map(Object::toString).orElse("-")
        + "]";
  }
}
