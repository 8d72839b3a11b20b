package dev.fluke.cluster;

import dev.fluke.api.LiveUpdate;
import dev.fluke.server.LiveHub;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.pubsub.Topic;

/**
 * The live stream across nodes: every update a node's {@link LiveHub} publishes goes to the
 * cluster-wide Pekko {@link Topic} {@code fluke-live} (one message per other node), and each node's
 * subscriber hands the updates of the other nodes to its hub ({@link LiveHub#fromOtherNode}); a
 * node's own updates, which the topic also delivers back to it, are skipped (its hub has shown them
 * already), so each update reaches each viewer once.
 */
public final class LiveRelay {
  /** One update and the node that published it. */
  public record Envelope(String origin, LiveUpdate update) implements CborSerializable {}

  private final ActorRef<Topic.Command<Envelope>> topic;

  private LiveRelay(ActorRef<Topic.Command<Envelope>> topic) {
    this.topic = topic;
  }

  /** Connects {@code hub} to the other nodes' hubs. */
  public static LiveRelay start(ActorSystem<?> system, LiveHub hub) {
    String self = Membership.of(system).self();
    ActorRef<Topic.Command<Envelope>> topic =
        system.systemActorOf(
            Topic.create(Envelope.class, "fluke-live"), "fluke-cluster-live", Props.empty());
    ActorRef<Envelope> subscriber =
        system.systemActorOf(
            Behaviors.receive(Envelope.class)
                .onMessage(
                    Envelope.class,
                    e -> {
                      if (!e.origin().equals(self)) {
                        hub.fromOtherNode(e.update());
                      }
                      return Behaviors.same();
                    })
                .build(),
            "fluke-cluster-live-in",
            Props.empty());
    topic.tell(Topic.subscribe(subscriber));
    hub.relayTo(update -> topic.tell(Topic.publish(new Envelope(self, update))));
    return new LiveRelay(topic);
  }

  /** The topic (for its stats in tests). */
  public ActorRef<Topic.Command<Envelope>> topic() {
    return topic;
  }
}
