package dev.fluke.cluster;

import dev.fluke.cluster.AgentLocations.Admit;
import dev.fluke.cluster.AgentLocations.Command;
import dev.fluke.cluster.AgentLocations.HolderAnswered;
import dev.fluke.cluster.AgentLocations.HolderCheck;
import dev.fluke.cluster.AgentLocations.Read;
import dev.fluke.cluster.AgentLocations.Written;
import dev.fluke.cluster.DirectoryPatience.Timing;
import dev.fluke.server.AgentAdmission;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.cluster.ddata.LWWMap;
import org.apache.pekko.cluster.ddata.LWWMapKey;
import org.apache.pekko.cluster.ddata.typed.javadsl.Replicator;
import org.apache.pekko.cluster.ddata.typed.javadsl.ReplicatorMessageAdapter;

/**
 * {@link AgentLocations}' admission of registrations, run on the actor's thread: read the agent's
 * entry from a majority → decide ({@link Placement}) → ask the holding node when needed → write the
 * new entry to a majority → answer. An agent that presents the token of the entry this node's
 * replica holds is decided from the replica, without the read ({@link Placement#fromReplica}).
 * While the holder is asked it is also looked up in the membership every {@link #HOLDER_CHECK}: a
 * crashed holder never answers, and the failure detector marks it unreachable within seconds, so
 * the agent is taken over then rather than refused after the whole ask timeout (docs/cluster.md,
 * admission rule 5). Whichever of the answer and the loss comes first decides; the other is
 * ignored.
 *
 * <p>Reads and writes go by shard, one of each in flight per shard: the admissions that arrive
 * while a shard is being read wait for its next read, and those ready to be written while it is
 * being written go together in its next write. A fleet reconnecting at once (a node's agents after
 * its crash, every agent after a restart) then costs a few majority round trips per shard instead
 * of two per agent, which on a busy node is the difference between answering within the timeout and
 * refusing everyone (docs/cluster.md, "Admission under load").
 *
 * <p>A read or write that no majority answered in time is tried again (from the read) while the
 * registration's patience lasts and this node reaches a majority ({@link DirectoryPatience}); a
 * node that reaches none refuses at once.
 */
final class Admitting {
  /** How often a holder being asked is looked up in the membership. */
  static final Duration HOLDER_CHECK = Duration.ofMillis(250);

  /** The directory's one way to change entries of a shard ({@link AgentLocations#update}). */
  interface Update {
    void apply(
        int shard,
        Replicator.WriteConsistency consistency,
        Map<String, Function<AgentLocation, AgentLocation>> changes,
        Function<Boolean, Command> answer);
  }

  /** An admission decided: write its entry with {@code epoch}. */
  record Write(Admit admit, long epoch) {}

  private final ActorContext<Command> context;
  private final ReplicatorMessageAdapter<Command, LWWMap<String, AgentLocation>> replicator;
  private final Membership membership;
  private final String self;
  private final Timing timing;
  private final LocalDirectory local;
  private final Update update;

  /** When a read or write of this node last timed out ({@code System.nanoTime()}), if ever. */
  private Long lastTimeout;

  /** When each admission not yet answered arrived ({@code System.nanoTime()}). */
  private final Map<Admit, Long> started = new HashMap<>();

  /** Admissions whose holder is being asked. */
  private final Set<Admit> asking = new HashSet<>();

  /** Admissions whose first read or write timed out: their batches wait {@code directory}. */
  private final Set<Admit> retried = new HashSet<>();

  /** Admissions whose registration's stream ended: never written ({@link #abandon}). */
  private final Set<Admit> abandoned = new HashSet<>();

  /** Per shard: one majority read and one majority write in flight, the rest batched. */
  private final ShardBatches<Admit> reads = new ShardBatches<>();

  private final ShardBatches<Write> writes = new ShardBatches<>();

  Admitting(
      ActorContext<Command> context,
      ReplicatorMessageAdapter<Command, LWWMap<String, AgentLocation>> replicator,
      Membership membership,
      Timing timing,
      LocalDirectory local,
      Update update) {
    this.context = context;
    this.replicator = replicator;
    this.membership = membership;
    this.self = membership.self();
    this.timing = timing;
    this.local = local;
    this.update = update;
  }

  void admit(Admit a) {
    DirectoryPatience.Reach reach = membership.reach();
    if (!reach.majority()) {
      a.answer().complete(ClusterAdmission.noMajority(reach));
      return;
    }
    started.put(a, System.nanoTime());
    Placement.Admit resumed = Placement.fromReplica(local.locate(a.name()), a.resumes());
    if (resumed != null) {
      // The agent resumes the session this node's replica records: no majority read (after a
      // crash, every agent of the dead node; the read's first try often waits for that node).
      write(a, resumed.epoch());
      return;
    }
    toRead(a);
  }

  private void toRead(Admit a) {
    int shard = AgentLocations.shardOf(a.name());
    read(shard, reads.add(shard, a));
  }

  private void answer(Admit a, AgentAdmission.Decision decision) {
    started.remove(a);
    abandoned.remove(a);
    retried.remove(a);
    a.answer().complete(decision);
  }

  /**
   * The registrations of {@code name} waiting here ended their streams: those not being written yet
   * are refused when their turn to be written comes. Written anyway, the entry of an agent that had
   * meanwhile registered on another node would fence its live session there (seen in the
   * 1,000-agent rolling restart: a registration abandoned after a slow admission, its entry written
   * seconds later).
   */
  void abandon(String name) {
    for (Admit a : started.keySet()) {
      if (a.name().equals(name)) {
        abandoned.add(a);
      }
    }
  }

  /**
   * The directory did not answer {@code a}'s read or write in time: read again while the patience
   * lasts and a majority is reached, else refuse with {@code refusal}.
   */
  private void retryOrRefuse(Admit a, AgentAdmission.Decision refusal) {
    Long since = started.get(a);
    if (since != null
        && DirectoryPatience.retry(
            since, System.nanoTime(), timing.patience(), timing.directory(), membership.reach())) {
      retried.add(a);
      toRead(a);
    } else {
      answer(a, refusal);
    }
  }

  /** One majority read of {@code shard} for {@code batch} (null: nothing to start). */
  private void read(int shard, List<Admit> batch) {
    if (batch == null) {
      return;
    }
    LWWMapKey<String, AgentLocation> key = AgentLocations.key(shard);
    Duration timeout = timeout(batch.stream().anyMatch(retried::contains));
    replicator.askGet(
        replyTo -> new Replicator.Get<>(key, new Replicator.ReadMajority(timeout), replyTo),
        rsp ->
            rsp instanceof Replicator.GetSuccess<LWWMap<String, AgentLocation>> ok
                ? new Read(shard, batch, ok.get(key).getEntries(), false, timeout)
                : new Read(shard, batch, Map.of(), !(rsp instanceof Replicator.NotFound), timeout));
  }

  private Duration timeout(boolean retry) {
    return timing.attempt(
        retry, lastTimeout == null ? null : Duration.ofNanos(System.nanoTime() - lastTimeout));
  }

  void read(Read r) {
    if (r.failed()) {
      lastTimeout = System.nanoTime();
      context
          .getLog()
          .info(
              "No majority answered a read of directory shard {} within {}: {} registration(s)"
                  + " try again (patience {})",
              r.shard(),
              r.timeout(),
              r.batch().size(),
              timing.patience());
    }
    for (Admit a : r.batch()) {
      decide(a, r.entries().get(a.name()), r.failed());
    }
    read(r.shard(), reads.done(r.shard()));
  }

  private void decide(Admit a, AgentLocation current, boolean unreadable) {
    if (unreadable) {
      retryOrRefuse(a, ClusterAdmission.unreadable(timing.patience()));
      return;
    }
    Placement.NodeState holder =
        current == null ? Placement.NodeState.GONE : membership.state(current.node());
    Placement.Step step = Placement.decide(current, self, holder, a.resumes());
    if (step instanceof Placement.Admit admit) {
      write(a, admit.epoch());
    } else if (step instanceof Placement.AskHolder ask) {
      asking.add(a);
      context.scheduleOnce(HOLDER_CHECK, context.getSelf(), new HolderCheck(a, ask));
      context.pipeToSelf(
          NodeQuestions.isLive(context.getSystem(), ask.node(), a.name(), timing.ask()),
          (live, failure) -> new HolderAnswered(a, ask, failure == null ? live : null));
    }
  }

  void check(HolderCheck c) {
    if (!asking.contains(c.admit())) {
      return; // answered meanwhile
    }
    if (membership.state(c.ask().node()) == Placement.NodeState.GONE) {
      asking.remove(c.admit());
      write(c.admit(), c.ask().epoch());
    } else {
      context.scheduleOnce(HOLDER_CHECK, context.getSelf(), c);
    }
  }

  void answered(HolderAnswered h) {
    if (!asking.remove(h.admit())) {
      return; // already taken over: its holder was lost while asked
    }
    if (Placement.admitAfterAsking(h.live(), membership.state(h.ask().node()))) {
      write(h.admit(), h.ask().epoch());
    } else {
      answer(h.admit(), ClusterAdmission.heldElsewhere(h.admit().name(), h.ask().node(), h.live()));
    }
  }

  private void write(Admit a, long epoch) {
    if (abandoned.contains(a)) {
      answer(a, ClusterAdmission.abandoned());
      return;
    }
    int shard = AgentLocations.shardOf(a.name());
    write(shard, writes.add(shard, new Write(a, epoch)));
  }

  /** One majority write of {@code shard} with {@code batch} (null: nothing to start). */
  private void write(int shard, List<Write> batch) {
    if (batch == null) {
      return;
    }
    Map<String, AgentLocation> written = new HashMap<>();
    Map<String, Function<AgentLocation, AgentLocation>> changes = new HashMap<>();
    for (Write w : batch) {
      Admit a = w.admit();
      changes.put(
          a.name(),
          before -> {
            AgentLocation entry = LocationEntries.admitted(before, self, w.epoch(), a.token());
            written.put(a.name(), entry);
            return entry;
          });
    }
    update.apply(
        shard,
        new Replicator.WriteMajority(
            timeout(batch.stream().anyMatch(w -> retried.contains(w.admit())))),
        changes,
        ok -> new Written(shard, batch, Map.copyOf(written), ok));
  }

  void written(Written w) {
    if (!w.ok()) {
      lastTimeout = System.nanoTime();
      context
          .getLog()
          .info(
              "No majority confirmed a write of directory shard {} in time: {} registration(s)"
                  + " try again (patience {})",
              w.shard(),
              w.batch().size(),
              timing.patience());
    }
    for (Write each : w.batch()) {
      Admit a = each.admit();
      AgentLocation entry = w.ok() ? w.entries().get(a.name()) : null;
      if (entry == null) {
        // Read again: the entry may be in force on some nodes already, so the next admission
        // takes a higher epoch (an epoch is never reused).
        retryOrRefuse(a, ClusterAdmission.unrecorded(timing.patience()));
      } else {
        local.admitted(a.name(), entry.epoch());
        answer(a, ClusterAdmission.admitted(entry));
      }
    }
    write(w.shard(), writes.done(w.shard()));
  }
}
