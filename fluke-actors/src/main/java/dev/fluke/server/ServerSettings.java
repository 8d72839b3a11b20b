package dev.fluke.server;

import com.typesafe.config.Config;
import dev.fluke.git.GitSource;
import dev.fluke.manifest.DriftPolicy;
import dev.fluke.manifest.FlapLimit;
import dev.fluke.manifest.RolloutSpec;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * Settings of the server engine, read from {@code fluke.server} ({@code fluke-server.conf}, every
 * key documented there) with {@link #create(Config)}, or built by fluke-app from {@code
 * server.hcl}: start from {@link #create(Config)} and replace what the HCL file sets with the
 * {@code with…} methods.
 */
public record ServerSettings(
    String version,
    Path dataDir,
    Git git,
    Reconcile reconcile,
    Agents agents,
    Alerts alerts,
    Api api,
    Events events,
    Live live,
    Rollout rollout,
    Supervision supervision,
    Clock clock) {

  public ServerSettings {
    Objects.requireNonNull(version, "version");
    Objects.requireNonNull(dataDir, "dataDir");
    Objects.requireNonNull(git, "git");
    Objects.requireNonNull(reconcile, "reconcile");
    Objects.requireNonNull(agents, "agents");
    Objects.requireNonNull(alerts, "alerts");
    Objects.requireNonNull(api, "api");
    Objects.requireNonNull(events, "events");
    Objects.requireNonNull(live, "live");
    Objects.requireNonNull(rollout, "rollout");
    Objects.requireNonNull(supervision, "supervision");
    Objects.requireNonNull(clock, "clock");
  }

  /**
   * The manifest repository: where it is, how often it is fetched, which files are manifests, and
   * whether a branch whose history was rewritten (force push) is followed ({@code followForcePush})
   * or refused until an operator accepts its new tip.
   */
  public record Git(
      GitSource source, Duration pollInterval, String manifestGlob, boolean followForcePush) {
    public Git {
      Objects.requireNonNull(source, "git source");
      positive(pollInterval, "git poll-interval");
      if (manifestGlob == null || manifestGlob.isBlank()) {
        throw new IllegalArgumentException("git manifest-glob must not be empty");
      }
    }

    /** False when no repository URL is configured. */
    public boolean configured() {
      return source.url() != null && !source.url().isBlank();
    }
  }

  /**
   * The reconcile loop: interval, default policy, server-side timeouts and retry backoff; the
   * server-wide flap guard ({@code drift { max_remediations period }} in server.hcl) and rollout of
   * tasks without their own (empty: a new commit reaches every agent at the fleet's pace).
   */
  public record Reconcile(
      Duration interval,
      DriftPolicy defaultPolicy,
      Duration checkTimeout,
      Duration applyTimeout,
      Duration retryBackoffMin,
      Duration retryBackoffMax,
      FlapLimit flapLimit,
      Optional<RolloutSpec> defaultRollout) {
    public Reconcile {
      positive(interval, "reconcile interval");
      Objects.requireNonNull(defaultPolicy, "default drift policy");
      positive(checkTimeout, "check-timeout");
      positive(applyTimeout, "apply-timeout");
      positive(retryBackoffMin, "retry-backoff-min");
      positive(retryBackoffMax, "retry-backoff-max");
      Objects.requireNonNull(flapLimit, "flap limit");
      Objects.requireNonNull(defaultRollout, "default rollout");
    }

    /** With the default flap guard (5 in 1 h) and no fleet-wide rollout. */
    public Reconcile(
        Duration interval,
        DriftPolicy defaultPolicy,
        Duration checkTimeout,
        Duration applyTimeout,
        Duration retryBackoffMin,
        Duration retryBackoffMax) {
      this(
          interval,
          defaultPolicy,
          checkTimeout,
          applyTimeout,
          retryBackoffMin,
          retryBackoffMax,
          FlapLimit.DEFAULT,
          Optional.empty());
    }

    /** These settings with another flap guard and fleet-wide rollout. */
    public Reconcile withSafeChange(FlapLimit flap, Optional<RolloutSpec> rollout) {
      return new Reconcile(
          interval,
          defaultPolicy,
          checkTimeout,
          applyTimeout,
          retryBackoffMin,
          retryBackoffMax,
          flap,
          rollout);
    }

    /**
     * Where in each interval this agent's periodic cycle falls: a hash of its name, so that 10,000
     * agents that connected together do not all check at the same instant, and each keeps its slot.
     */
    public Duration slotOf(String agent) {
      return slotOf(agent, interval);
    }

    static Duration slotOf(String agent, Duration interval) {
      long millis = Math.max(1, interval.toMillis());
      long offset = Math.floorMod(agent.hashCode() * 0x9E3779B97F4A7C15L, millis);
      return Duration.ofMillis(offset == 0 ? millis : offset);
    }

    /** The retry backoff never exceeds the interval (SPEC §4). */
    public Duration retryCap() {
      return retryBackoffMax.compareTo(interval) < 0 ? retryBackoffMax : interval;
    }
  }

  /** Agent connections: heartbeats, buffers and what is kept about them. */
  public record Agents(
      Duration heartbeatInterval,
      int heartbeatAllowedMisses,
      int outputLines,
      int streamBuffer,
      Duration disconnectedRetention,
      int disconnectedMax,
      Duration registerTimeout) {
    public Agents {
      positive(heartbeatInterval, "heartbeat-interval");
      atLeast(heartbeatAllowedMisses, 1, "heartbeat-allowed-misses");
      atLeast(outputLines, 1, "output-lines");
      atLeast(streamBuffer, 8, "stream-buffer");
      positive(disconnectedRetention, "disconnected-retention");
      atLeast(disconnectedMax, 0, "disconnected-max");
      positive(registerTimeout, "register-timeout");
    }
  }

  /** Alert webhook delivery. {@code webhook} is null when none is configured. */
  public record Alerts(
      URI webhook,
      int attempts,
      Duration backoffMin,
      Duration backoffMax,
      Duration requestTimeout,
      int maxPending,
      int maxOpenEpisodes) {
    public Alerts {
      atLeast(attempts, 1, "alert attempts");
      positive(backoffMin, "alert backoff-min");
      positive(backoffMax, "alert backoff-max");
      positive(requestTimeout, "alert request-timeout");
      atLeast(maxPending, 1, "alert max-pending");
      atLeast(maxOpenEpisodes, 1, "alert max-open-episodes");
    }
  }

  /** How the {@link dev.fluke.api.FleetApi} waits for answers. */
  public record Api(Duration askTimeout, Duration gatherTimeout, int recentEvents) {
    public Api {
      positive(askTimeout, "ask-timeout");
      positive(gatherTimeout, "gather-timeout");
      atLeast(recentEvents, 0, "recent-events");
    }
  }

  /** Bounds of the in-memory event store. */
  public record Events(int maxPerAgent, int maxServerWide, int maxAgents) {
    public Events {
      atLeast(maxPerAgent, 1, "events max-per-agent");
      atLeast(maxServerWide, 1, "events max-server-wide");
      atLeast(maxAgents, 1, "events max-agents");
    }
  }

  /**
   * Live viewers ({@link LiveHub}): how far one may fall behind before it loses updates, and how
   * much apply output is kept for viewers that arrive while (or after) an apply runs.
   */
  public record Live(int subscriberBuffer, int recentOutputLines, int recentOutputAgents) {
    public Live {
      atLeast(subscriberBuffer, 1, "live subscriber-buffer");
      atLeast(recentOutputLines, 1, "live recent-output-lines");
      atLeast(recentOutputAgents, 1, "live recent-output-agents");
    }
  }

  /**
   * How a new commit reaches the connected agents: the first {@code immediate} (by name) start
   * their cycle at once, each further one {@code 1 / perSecond} later than the one before.
   */
  public record Rollout(int immediate, double perSecond) {
    public Rollout {
      atLeast(immediate, 0, "rollout immediate");
      if (!(perSecond > 0) || Double.isInfinite(perSecond)) {
        throw new IllegalArgumentException(
            "fluke.server.rollout.per-second must be a positive number, got " + perSecond);
      }
    }

    /** The wait before the cycle of the agent in rollout slot {@code slot} (0 = first). */
    public Duration delayOf(int slot) {
      if (slot < immediate) {
        return Duration.ZERO;
      }
      return Duration.ofNanos((long) ((slot - immediate + 1) * 1_000_000_000.0 / perSecond));
    }
  }

  /**
   * How the engine's actors that talk to the outside (the alerter) are restarted after a failure:
   * with backoff from {@code restartMin} doubling up to {@code restartMax}, with this much jitter.
   */
  public record Supervision(Duration restartMin, Duration restartMax, double randomFactor) {
    public Supervision {
      positive(restartMin, "supervision restart-backoff-min");
      positive(restartMax, "supervision restart-backoff-max");
      if (!(randomFactor >= 0) || randomFactor > 1) {
        throw new IllegalArgumentException(
            "supervision restart-random-factor must be between 0 and 1, got " + randomFactor);
      }
    }
  }

  public static ServerSettings create(ActorSystem<?> system) {
    return create(system.settings().config());
  }

  /** Reads {@code fluke.server} from {@code config} (normally the actor system's configuration). */
  public static ServerSettings create(Config config) {
    Config c = config.getConfig("fluke.server");
    Config g = c.getConfig("git");
    GitSource source =
        new GitSource(
            emptyToNull(g.getString("url")),
            g.getString("branch"),
            emptyToNull(g.getString("ssh-key-file")) == null
                ? null
                : Path.of(g.getString("ssh-key-file")),
            emptyToNull(g.getString("basic-auth-user")),
            emptyToNull(g.getString("basic-auth-password")));
    Config r = c.getConfig("reconcile");
    String onForcePush = g.getString("on-force-push");
    if (!onForcePush.equals("follow") && !onForcePush.equals("refuse")) {
      throw new IllegalArgumentException(
          "fluke.server.git.on-force-push must be follow or refuse, got '" + onForcePush + "'");
    }
    String policyName = r.getString("default-drift-policy");
    DriftPolicy policy =
        DriftPolicy.parse(policyName)
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        "fluke.server.reconcile.default-drift-policy: unknown policy '"
                            + policyName
                            + "' (expected remediate, remediate_and_alert or alert_only)"));
    Config a = c.getConfig("agents");
    Config al = c.getConfig("alerts");
    String webhook = emptyToNull(al.getString("webhook"));
    Config api = c.getConfig("api");
    Config ev = c.getConfig("events");
    Config lv = c.getConfig("live");
    return new ServerSettings(
        c.getString("version"),
        Path.of(c.getString("data-dir")),
        new Git(
            source,
            g.getDuration("poll-interval"),
            g.getString("manifest-glob"),
            onForcePush.equals("follow")),
        new Reconcile(
            r.getDuration("interval"),
            policy,
            r.getDuration("check-timeout"),
            r.getDuration("apply-timeout"),
            r.getDuration("retry-backoff-min"),
            r.getDuration("retry-backoff-max")),
        new Agents(
            a.getDuration("heartbeat-interval"),
            a.getInt("heartbeat-allowed-misses"),
            a.getInt("output-lines"),
            a.getInt("stream-buffer"),
            a.getDuration("disconnected-retention"),
            a.getInt("disconnected-max"),
            a.getDuration("register-timeout")),
        new Alerts(
            webhook == null ? null : URI.create(webhook),
            al.getInt("attempts"),
            al.getDuration("backoff-min"),
            al.getDuration("backoff-max"),
            al.getDuration("request-timeout"),
            al.getInt("max-pending"),
            al.getInt("max-open-episodes")),
        new Api(
            api.getDuration("ask-timeout"),
            api.getDuration("gather-timeout"),
            api.getInt("recent-events")),
        new Events(
            ev.getInt("max-per-agent"), ev.getInt("max-server-wide"), ev.getInt("max-agents")),
        new Live(
            lv.getInt("subscriber-buffer"),
            lv.getInt("recent-output-lines"),
            lv.getInt("recent-output-agents")),
        new Rollout(c.getInt("rollout.immediate"), c.getDouble("rollout.per-second")),
        new Supervision(
            c.getDuration("supervision.restart-backoff-min"),
            c.getDuration("supervision.restart-backoff-max"),
            c.getDouble("supervision.restart-random-factor")),
        Clock.systemUTC());
  }

  public ServerSettings withVersion(String newVersion) {
    return with(c -> c.version = newVersion);
  }

  public ServerSettings withDataDir(Path dir) {
    return with(c -> c.dataDir = dir);
  }

  /**
   * {@code server { git { url branch poll_interval manifest_glob … } }}, keeping {@code
   * on-force-push}.
   */
  public ServerSettings withGit(GitSource source, Duration pollInterval, String manifestGlob) {
    return withGit(new Git(source, pollInterval, manifestGlob, git.followForcePush()));
  }

  public ServerSettings withGit(Git newGit) {
    return with(c -> c.git = newGit);
  }

  /** {@code server { drift { policy alert_webhook } }}; {@code webhook} may be null. */
  public ServerSettings withDrift(DriftPolicy defaultPolicy, URI webhook) {
    Reconcile r =
        new Reconcile(
            reconcile.interval(),
            defaultPolicy,
            reconcile.checkTimeout(),
            reconcile.applyTimeout(),
            reconcile.retryBackoffMin(),
            reconcile.retryBackoffMax(),
            reconcile.flapLimit(),
            reconcile.defaultRollout());
    Alerts a =
        new Alerts(
            webhook,
            alerts.attempts(),
            alerts.backoffMin(),
            alerts.backoffMax(),
            alerts.requestTimeout(),
            alerts.maxPending(),
            alerts.maxOpenEpisodes());
    return with(
        c -> {
          c.reconcile = r;
          c.alerts = a;
        });
  }

  public ServerSettings withReconcileInterval(Duration interval) {
    return withReconcile(
        new Reconcile(
            interval,
            reconcile.defaultPolicy(),
            reconcile.checkTimeout(),
            reconcile.applyTimeout(),
            reconcile.retryBackoffMin(),
            reconcile.retryBackoffMax(),
            reconcile.flapLimit(),
            reconcile.defaultRollout()));
  }

  /**
   * The server-wide flap guard and rollout (server.hcl {@code drift { max_remediations period }}
   * and {@code rollout { … }}) for tasks without their own.
   */
  public ServerSettings withSafeChange(FlapLimit flap, Optional<RolloutSpec> rollout) {
    return withReconcile(reconcile.withSafeChange(flap, rollout));
  }

  public ServerSettings withReconcile(Reconcile newReconcile) {
    return with(c -> c.reconcile = newReconcile);
  }

  public ServerSettings withAgents(Agents newAgents) {
    return with(c -> c.agents = newAgents);
  }

  public ServerSettings withAlerts(Alerts newAlerts) {
    return with(c -> c.alerts = newAlerts);
  }

  public ServerSettings withApi(Api newApi) {
    return with(c -> c.api = newApi);
  }

  /** {@code server { event_store { memory { max_events_per_agent } } }}. */
  public ServerSettings withMaxEventsPerAgent(int maxPerAgent) {
    return withEvents(new Events(maxPerAgent, events.maxServerWide(), events.maxAgents()));
  }

  public ServerSettings withEvents(Events newEvents) {
    return with(c -> c.events = newEvents);
  }

  public ServerSettings withLive(Live newLive) {
    return with(c -> c.live = newLive);
  }

  public ServerSettings withRollout(Rollout newRollout) {
    return with(c -> c.rollout = newRollout);
  }

  /**
   * The clock every engine actor reads the time from (event times, last seen, retention, cycle
   * ends). The system's UTC clock unless a test gives one it moves together with Pekko's {@code
   * ManualTime}, which drives the timers.
   */
  public ServerSettings withClock(Clock newClock) {
    return with(c -> c.clock = newClock);
  }

  /**
   * The withers' one shape: a copy of every part, {@code change} replaces some, then the record is
   * built (and checked) again.
   */
  private ServerSettings with(java.util.function.Consumer<Parts> change) {
    Parts c = new Parts(this);
    change.accept(c);
    return new ServerSettings(
        c.version,
        c.dataDir,
        c.git,
        c.reconcile,
        c.agents,
        c.alerts,
        c.api,
        c.events,
        c.live,
        c.rollout,
        c.supervision,
        c.clock);
  }

  /** The parts of a {@link ServerSettings} being changed by a wither. */
  private static final class Parts {
    String version;
    Path dataDir;
    Git git;
    Reconcile reconcile;
    Agents agents;
    Alerts alerts;
    Api api;
    Events events;
    Live live;
    Rollout rollout;
    Supervision supervision;
    Clock clock;

    Parts(ServerSettings s) {
      version = s.version;
      dataDir = s.dataDir;
      git = s.git;
      reconcile = s.reconcile;
      agents = s.agents;
      alerts = s.alerts;
      api = s.api;
      events = s.events;
      live = s.live;
      rollout = s.rollout;
      supervision = s.supervision;
      clock = s.clock;
    }
  }

  /** The current time of {@link #clock()}. */
  public Instant now() {
    return clock.instant();
  }

  private static String emptyToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }

  private static void positive(Duration d, String what) {
    if (d == null || d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(what + " must be a positive duration, got " + d);
    }
  }

  private static void atLeast(int value, int min, String what) {
    if (value < min) {
      throw new IllegalArgumentException(what + " must be at least " + min + ", got " + value);
    }
  }
}
