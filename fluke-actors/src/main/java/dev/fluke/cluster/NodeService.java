package dev.fluke.cluster;

import dev.fluke.api.Dto;
import dev.fluke.api.FleetApi;
import dev.fluke.api.TargetKind;
import dev.fluke.server.AgentRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;

/**
 * A node's face to the other nodes: registered with the cluster {@link Receptionist} under {@link
 * #KEY}, it answers questions about the agents this node holds by asking its local {@link
 * AgentRegistry}, and {@link Question}s about its engine by asking its own (local) {@link
 * FleetApi}, answered in chunks. Every message it takes and sends crosses nodes (CBOR).
 */
public final class NodeService {
  public static final ServiceKey<Command> KEY = ServiceKey.create(Command.class, "fluke-node");

  public sealed interface Command extends CborSerializable {}

  /** Does this node hold a live session of agent {@code name}? */
  public record IsLive(String name, ActorRef<Liveness> replyTo) implements Command {}

  public record Liveness(boolean live) implements CborSerializable {}

  /** Did a session of agent {@code name} on this node receive the result {@code key}? */
  public record HasReceived(String name, String key, ActorRef<Received> replyTo)
      implements Command {}

  public record Received(boolean received) implements CborSerializable {}

  /**
   * A page of the agents this node knows (its registry: connected and recently disconnected), from
   * {@code offset}, at most {@link #PAGE} (so no message nears Artery's frame size).
   */
  public record GetAgents(int offset, ActorRef<AgentsPage> replyTo) implements Command {}

  /**
   * @param total how many agents the node knows: the asker pages on while {@code offset +
   *     agents.size() < total}
   */
  public record AgentsPage(List<Dto.AgentSummary> agents, int total) implements CborSerializable {
    /** The page of {@code all} from {@code offset}. */
    static AgentsPage of(List<Dto.AgentSummary> all, int offset) {
      int from = Math.min(offset, all.size());
      return new AgentsPage(
          List.copyOf(all.subList(from, Math.min(from + PAGE, all.size()))), all.size());
    }
  }

  /** How many agents this node holds, and its version. */
  public record GetStats(ActorRef<Stats> replyTo) implements Command {}

  public record Stats(int agents, String version) implements CborSerializable {
    /** {@code agents} counted as connected. */
    static Stats of(List<Dto.AgentSummary> agents, String version) {
      return new Stats((int) agents.stream().filter(Dto.AgentSummary::connected).count(), version);
    }
  }

  /**
   * A question answered from this node's own {@link FleetApi} (its engine: the agents it holds,
   * their tasks and drift): the answer comes back in {@link Chunks.Chunk}s ({@link NodeAnswers}).
   */
  public sealed interface Question extends Command {
    ActorRef<Chunks.Chunk> replyTo();

    /** Its answer from {@code api}. */
    CompletionStage<?> of(FleetApi api);
  }

  public record AskAgent(String name, ActorRef<Chunks.Chunk> replyTo) implements Question {
    @Override
    public CompletionStage<?> of(FleetApi api) {
      return api.agent(name);
    }
  }

  public record AskReconcile(
      Dto.ReconcileTarget target, boolean force, ActorRef<Chunks.Chunk> replyTo)
      implements Question {
    @Override
    public CompletionStage<?> of(FleetApi api) {
      return api.reconcile(target, force);
    }
  }

  public record AskTasks(ActorRef<Chunks.Chunk> replyTo) implements Question {
    @Override
    public CompletionStage<?> of(FleetApi api) {
      return api.tasks();
    }
  }

  public record AskTask(String name, ActorRef<Chunks.Chunk> replyTo) implements Question {
    @Override
    public CompletionStage<?> of(FleetApi api) {
      return api.task(name);
    }
  }

  public record AskDrift(ActorRef<Chunks.Chunk> replyTo) implements Question {
    @Override
    public CompletionStage<?> of(FleetApi api) {
      return api.drift();
    }
  }

  public record AskSuspensions(ActorRef<Chunks.Chunk> replyTo) implements Question {
    @Override
    public CompletionStage<?> of(FleetApi api) {
      return api.suspensions();
    }
  }

  public record AskSuspend(
      TargetKind scope,
      String name,
      String by,
      String reason,
      Duration forHowLong,
      ActorRef<Chunks.Chunk> replyTo)
      implements Question {
    @Override
    public CompletionStage<?> of(FleetApi api) {
      return api.suspend(scope, name, by, reason, forHowLong);
    }
  }

  public record AskResume(TargetKind scope, String name, String by, ActorRef<Chunks.Chunk> replyTo)
      implements Question {
    @Override
    public CompletionStage<?> of(FleetApi api) {
      return api.resume(scope, name, by);
    }
  }

  public record AskPlan(String ref, Duration timeout, ActorRef<Chunks.Chunk> replyTo)
      implements Question {
    @Override
    public CompletionStage<?> of(FleetApi api) {
      return api.plan(ref, timeout);
    }
  }

  public record AskRollouts(ActorRef<Chunks.Chunk> replyTo) implements Question {
    @Override
    public CompletionStage<?> of(FleetApi api) {
      return api.rollouts();
    }
  }

  public record AskResumeRollout(String task, String who, ActorRef<Chunks.Chunk> replyTo)
      implements Question {
    @Override
    public CompletionStage<?> of(FleetApi api) {
      return api.resumeRollout(task, who);
    }
  }

  /**
   * The events of this node's own event store matching {@code query} (newest first, at most its
   * limit): a cluster with stores of their own merges every node's answer ({@link EventsMerge}).
   */
  public record AskEvents(dev.fluke.events.EventQuery query, ActorRef<Chunks.Chunk> replyTo)
      implements Question {
    @Override
    public CompletionStage<?> of(FleetApi api) {
      return api.events(query);
    }
  }

  /** The next chunk of a large answer. */
  public record More(long id, int offset, ActorRef<Chunks.Chunk> replyTo) implements Command {}

  /** A question's answer, serialized (never crosses nodes). */
  private record Answered(ActorRef<Chunks.Chunk> replyTo, byte[] bytes, String failure)
      implements Command {}

  /** Summaries per page: ~500 bytes each in CBOR, well below the 256 KiB frame. */
  public static final int PAGE = 200;

  private NodeService() {}

  /** A service that answers {@link Question}s from {@code local} (this node's own engine). */
  public static Behavior<Command> create(
      ActorRef<AgentRegistry.Command> registry, FleetApi local, Duration timeout, String version) {
    return Behaviors.setup(
        ctx -> {
          ctx.getSystem().receptionist().tell(Receptionist.register(KEY, ctx.getSelf()));
          NodeAnswers answers = new NodeAnswers(ctx.getSystem(), local);
          Chunks chunks = new Chunks(Chunks.SIZE, 64);
          return Behaviors.receive(Command.class)
              .onMessage(
                  Question.class,
                  q -> {
                    ctx.pipeToSelf(
                        answers.answer(q),
                        (bytes, failure) ->
                            new Answered(
                                q.replyTo(),
                                bytes,
                                failure == null ? null : NodeAnswers.describe(failure)));
                    return Behaviors.same();
                  })
              .onMessage(
                  Answered.class,
                  a -> {
                    a.replyTo()
                        .tell(
                            a.failure() != null
                                ? Chunks.Chunk.failed(a.failure())
                                : chunks.first(a.bytes()));
                    return Behaviors.same();
                  })
              .onMessage(
                  More.class,
                  m -> {
                    m.replyTo().tell(chunks.next(m.id(), m.offset()));
                    return Behaviors.same();
                  })
              .onMessage(
                  IsLive.class,
                  q -> {
                    // A registry that does not answer in time counts as "live": refusing a
                    // registration is safe, admitting a duplicate is not.
                    CompletionStage<Boolean> live =
                        AskPattern.<AgentRegistry.Command, Boolean>ask(
                                registry,
                                r -> new AgentRegistry.IsLive(q.name(), r),
                                timeout,
                                ctx.getSystem().scheduler())
                            .exceptionally(e -> true);
                    live.thenAccept(l -> q.replyTo().tell(new Liveness(l)));
                    return Behaviors.same();
                  })
              .onMessage(
                  HasReceived.class,
                  q -> {
                    // A registry that does not answer in time counts as "not received": the
                    // result is then recorded (perhaps twice), never dropped.
                    AskPattern.<AgentRegistry.Command, Boolean>ask(
                            registry,
                            r -> new AgentRegistry.HasReceived(q.name(), q.key(), r),
                            timeout,
                            ctx.getSystem().scheduler())
                        .exceptionally(e -> false)
                        .thenAccept(got -> q.replyTo().tell(new Received(got)));
                    return Behaviors.same();
                  })
              .onMessage(
                  GetAgents.class,
                  q -> {
                    agents(ctx.getSystem(), registry, timeout)
                        .thenAccept(all -> q.replyTo().tell(AgentsPage.of(all, q.offset())));
                    return Behaviors.same();
                  })
              .onMessage(
                  GetStats.class,
                  q -> {
                    agents(ctx.getSystem(), registry, timeout)
                        .thenAccept(all -> q.replyTo().tell(Stats.of(all, version)));
                    return Behaviors.same();
                  })
              .build();
        });
  }

  /** A service without a local engine to ask (tests of the registry questions only). */
  public static Behavior<Command> create(
      ActorRef<AgentRegistry.Command> registry, Duration timeout, String version) {
    return create(registry, null, timeout, version);
  }

  private static CompletionStage<List<Dto.AgentSummary>> agents(
      ActorSystem<?> system, ActorRef<AgentRegistry.Command> registry, Duration timeout) {
    return AskPattern.ask(registry, AgentRegistry.GetAgents::new, timeout, system.scheduler());
  }
}
