package dev.fluke.server;

import dev.fluke.api.LiveFeed;
import dev.fluke.api.LiveUpdate;
import dev.fluke.events.EventStore;
import dev.fluke.metrics.FlukeMetrics;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.QueueOfferResult;
import org.apache.pekko.stream.javadsl.Source;

/**
 * The server's {@link LiveFeed}: fans every {@link LiveUpdate} out to the current subscribers (the
 * web UI's and {@code fluke logs -f}'s server-sent event streams) and keeps each agent's recent
 * apply output for viewers that arrive while an apply runs.
 *
 * <p>Who publishes: every event appended to the store ({@link #publishing(EventStore)} decorates
 * the engine's store), every apply output line an {@link AgentSession} receives ({@link #output}),
 * agents connecting, disconnecting or changing status ({@link AgentRegistry}), and new snapshots or
 * manifest errors ({@link GitWatcher}).
 *
 * <p>Not an actor, on purpose: publishers are actors on many threads (and event-store completions
 * on the store's own), and a publish must cost them a few non-blocking enqueues, never a hop or a
 * wait. Each subscriber is a {@link BoundedSourceQueue} of {@code live.subscriber-buffer} updates:
 * a subscriber that does not keep up finds its queue full and loses the updates that do not fit
 * (counted in {@code fluke_live_updates_dropped_total}, and told to it by a {@code lost} marker);
 * the server and the other subscribers are not slowed, and memory per subscriber is bounded. A
 * subscriber's queue is registered when its source is materialized, synchronously, so it sees every
 * update published from that moment on. Recent output is bounded in lines per agent and in agents.
 *
 * <p>In cluster mode every update is also relayed to the other nodes ({@link #relayTo}, a Pekko
 * {@code Topic}) and theirs arrive through {@link #fromOtherNode}: a viewer on any node sees the
 * updates of agents on every node, each once.
 */
public final class LiveHub implements LiveFeed {
  private final ServerSettings.Live settings;
  private final FlukeMetrics metrics;
  private final Clock clock;
  // Iterated on every publish, changed only when a viewer comes or goes.
  private final List<Subscriber> subscribers = new CopyOnWriteArrayList<>();
  // Cluster mode: to the other nodes (dev.fluke.cluster.LiveRelay); else nowhere.
  private volatile Consumer<LiveUpdate> relay = u -> {};
  // Insertion order = order in which each agent's last apply started: the stalest is forgotten
  // first.
  private final LinkedHashMap<String, ArrayDeque<LiveUpdate>> recent = new LinkedHashMap<>();

  /**
   * Feeds {@code fluke_live_subscribers} and {@code fluke_live_updates_dropped_total} in {@code
   * metrics} (one hub per metrics instance); its updates carry the system clock's time.
   */
  public LiveHub(ServerSettings.Live settings, FlukeMetrics metrics) {
    this(settings, metrics, Clock.systemUTC());
  }

  /** A hub whose updates carry {@code clock}'s time (the engine's injected clock). */
  public LiveHub(ServerSettings.Live settings, FlukeMetrics metrics, Clock clock) {
    this.settings = settings;
    this.metrics = metrics;
    this.clock = clock;
    metrics.liveSubscribers(subscribers::size);
  }

  /** One viewer: its queue, what it wants, and how many updates it lost since it was last told. */
  private record Subscriber(
      BoundedSourceQueue<LiveUpdate> queue, Predicate<LiveUpdate> wanted, AtomicLong lost) {}

  @Override
  public Source<LiveUpdate, NotUsed> subscribe(Predicate<LiveUpdate> wanted) {
    return Source.<LiveUpdate>queue(settings.subscriberBuffer())
        .watchTermination(
            (queue, done) -> {
              Subscriber s = new Subscriber(queue, wanted, new AtomicLong());
              subscribers.add(s);
              done.whenComplete((ok, failure) -> subscribers.remove(s));
              return NotUsed.getInstance();
            });
  }

  @Override
  public CompletionStage<List<LiveUpdate>> recentOutput(String agent) {
    synchronized (recent) {
      ArrayDeque<LiveUpdate> lines = recent.get(agent);
      return CompletableFuture.completedFuture(lines == null ? List.of() : List.copyOf(lines));
    }
  }

  /**
   * Sends {@code update} to every current subscriber that wants it, dropping it for those whose
   * buffer is full; a subscriber that lost updates gets a {@link LiveUpdate#lost} marker, with how
   * many, as soon as its buffer has room again (just before the next update it does get).
   */
  public void publish(LiveUpdate update) {
    deliver(update);
    if (!update.kind().equals("manifest")) {
      relay.accept(update);
    }
  }

  /**
   * Cluster mode: every update published here is also handed to {@code relay} (to the other nodes),
   * except {@code manifest} changes (every node follows the commit in force itself).
   */
  public void relayTo(Consumer<LiveUpdate> relay) {
    this.relay = relay;
  }

  /**
   * An update published on another node (cluster mode): shown to this node's subscribers, and an
   * output line kept as that agent's recent output; not relayed again.
   */
  public void fromOtherNode(LiveUpdate update) {
    if (update.kind().equals("output")) {
      keep(update);
    }
    deliver(update);
  }

  private void deliver(LiveUpdate update) {
    for (Subscriber s : subscribers) {
      if (!s.wanted().test(update)) {
        continue;
      }
      long lost = s.lost().get();
      if (lost > 0
          && s.lost().compareAndSet(lost, 0)
          && s.queue().offer(LiveUpdate.lost(clock.instant(), lost))
              != QueueOfferResult.enqueued()) {
        s.lost().addAndGet(lost); // still full: told later
      }
      if (s.queue().offer(update) == QueueOfferResult.dropped()) {
        s.lost().incrementAndGet();
        metrics.liveUpdateDropped();
      }
    }
  }

  /** Something shown about {@code agent} changed (its summary, its tasks' statuses). */
  public void agentChanged(String agent) {
    publish(LiveUpdate.agentChanged(clock.instant(), agent));
  }

  /** What the manifest page shows changed (commit in force, candidate, errors, fetch status). */
  public void manifestChanged() {
    publish(LiveUpdate.manifestChanged(clock.instant()));
  }

  /**
   * An apply starts on {@code agent}: its recent output starts over (empty until the first line).
   */
  public void applyStarted(String agent) {
    synchronized (recent) {
      recent.remove(agent);
      recent.put(agent, new ArrayDeque<>());
      forgetStalest();
    }
  }

  /** One line of the running apply: kept as the agent's recent output, then published. */
  public void output(String agent, String task, String executor, String line) {
    String text = line == null ? "" : line;
    LiveUpdate update =
        LiveUpdate.output(
            clock.instant(),
            agent,
            task,
            executor,
            text.length() > OutputTail.MAX_LINE ? text.substring(0, OutputTail.MAX_LINE) : text);
    // Kept before it is published: a viewer that subscribes and then reads the recent output finds
    // every line in one or the other (the stream route drops the duplicates).
    keep(update);
    publish(update);
  }

  private void keep(LiveUpdate update) {
    synchronized (recent) {
      ArrayDeque<LiveUpdate> lines = recent.get(update.agent());
      if (lines == null) {
        lines = new ArrayDeque<>();
        recent.put(update.agent(), lines);
        forgetStalest();
      }
      if (lines.size() >= settings.recentOutputLines()) {
        lines.removeFirst();
      }
      lines.addLast(update);
    }
  }

  /**
   * {@code store}, with every append also published as {@link LiveUpdate#ofEvent} and every failed
   * append or query counted in {@code fluke_event_store_errors_total}.
   */
  public EventStore publishing(EventStore store) {
    return new LiveEventStore(store, this, metrics);
  }

  /** Viewers subscribed now. */
  public int subscribers() {
    return subscribers.size();
  }

  private void forgetStalest() {
    Iterator<String> stalest = recent.keySet().iterator();
    while (recent.size() > settings.recentOutputAgents() && stalest.hasNext()) {
      stalest.next();
      stalest.remove();
    }
  }
}
