package dev.fluke.cluster;

import dev.fluke.cluster.AgentLocations.Admit;
import dev.fluke.cluster.AgentLocations.Command;
import dev.fluke.cluster.AgentLocations.HolderAnswered;
import dev.fluke.cluster.AgentLocations.HolderCheck;
import dev.fluke.cluster.AgentLocations.Read;
import dev.fluke.cluster.AgentLocations.Written;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Function;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.cluster.ddata.LWWMap;
import org.apache.pekko.cluster.ddata.LWWMapKey;
import org.apache.pekko.cluster.ddata.typed.javadsl.Replicator;
import org.apache.pekko.cluster.ddata.typed.javadsl.ReplicatorMessageAdapter;

/**
 * {@link AgentLocations}' admission of one registration, run on the actor's thread: read the
 * agent's entry from a majority → decide ({@link Placement}) → ask the holding node when needed →
 * write the new entry to a majority → answer. While the holder is asked it is also looked up in the
 * membership every {@link #HOLDER_CHECK}: a crashed holder never answers, and the failure detector
 * marks it unreachable within seconds, so the agent is taken over then rather than refused after
 * the whole ask timeout (docs/cluster.md, admission rule 5). Whichever of the answer and the loss
 * comes first decides; the other is ignored.
 */
final class Admitting {
  /** How often a holder being asked is looked up in the membership. */
  static final Duration HOLDER_CHECK = Duration.ofMillis(250);

  /** The directory's one way to change an entry ({@link AgentLocations#update}). */
  interface Update {
    void apply(
        String name,
        Replicator.WriteConsistency consistency,
        Function<AgentLocation, AgentLocation> change,
        Function<Boolean, Command> answer);
  }

  private final ActorContext<Command> context;
  private final ReplicatorMessageAdapter<Command, LWWMap<String, AgentLocation>> replicator;
  private final Membership membership;
  private final String self;
  private final Duration timeout;
  private final LocalDirectory local;
  private final Update update;

  /** Admissions whose holder is being asked. */
  private final Set<Admit> asking = new HashSet<>();

  Admitting(
      ActorContext<Command> context,
      ReplicatorMessageAdapter<Command, LWWMap<String, AgentLocation>> replicator,
      Membership membership,
      Duration timeout,
      LocalDirectory local,
      Update update) {
    this.context = context;
    this.replicator = replicator;
    this.membership = membership;
    this.self = membership.self();
    this.timeout = timeout;
    this.local = local;
    this.update = update;
  }

  void admit(Admit a) {
    LWWMapKey<String, AgentLocation> key = AgentLocations.key(AgentLocations.shardOf(a.name()));
    replicator.askGet(
        replyTo -> new Replicator.Get<>(key, new Replicator.ReadMajority(timeout), replyTo),
        rsp ->
            rsp instanceof Replicator.GetSuccess<LWWMap<String, AgentLocation>> ok
                ? new Read(a, ok.get(key).getEntries().get(a.name()), false)
                : new Read(a, null, !(rsp instanceof Replicator.NotFound)));
  }

  void read(Read r) {
    if (r.failed()) {
      r.admit().answer().complete(ClusterAdmission.unreadable(timeout));
      return;
    }
    AgentLocation current = r.current();
    Placement.NodeState holder =
        current == null ? Placement.NodeState.GONE : membership.state(current.node());
    Placement.Step step = Placement.decide(current, self, holder, r.admit().resumes());
    if (step instanceof Placement.Admit admit) {
      write(r.admit(), admit.epoch());
    } else if (step instanceof Placement.AskHolder ask) {
      asking.add(r.admit());
      context.scheduleOnce(HOLDER_CHECK, context.getSelf(), new HolderCheck(r.admit(), ask));
      context.pipeToSelf(
          NodeService.isLive(context.getSystem(), ask.node(), r.admit().name(), timeout),
          (live, failure) -> new HolderAnswered(r.admit(), ask, failure == null ? live : null));
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
      h.admit()
          .answer()
          .complete(ClusterAdmission.heldElsewhere(h.admit().name(), h.ask().node(), h.live()));
    }
  }

  void written(Written w) {
    if (w.entry() == null) {
      w.admit().answer().complete(ClusterAdmission.unrecorded(timeout));
      return;
    }
    local.admitted(w.admit().name(), w.entry().epoch());
    w.admit().answer().complete(ClusterAdmission.admitted(w.entry()));
  }

  private void write(Admit a, long epoch) {
    AgentLocation[] written = new AgentLocation[1];
    update.apply(
        a.name(),
        new Replicator.WriteMajority(timeout),
        before -> written[0] = LocationEntries.admitted(before, self, epoch, a.token()),
        ok -> new Written(a, ok ? written[0] : null));
  }
}
