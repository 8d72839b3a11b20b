package dev.fluke.server;

import dev.fluke.events.EventStore;
import dev.fluke.metrics.FlukeMetrics;
import dev.fluke.protocol.AgentMessage;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;

/** Everything an {@link AgentSession} (and its {@link CycleRunner}) starts with. */
public record SessionSetup(
    ServerSettings settings,
    AgentMessage.Register register,
    String peer,
    ActorRef<Outbound> out,
    ActorRef<AgentRegistry.Command> registry,
    ActorRef<DriftAlerter.Command> alerter,
    EventStore events,
    LiveHub live,
    FlukeMetrics metrics,
    long cycleBase,
    DesiredState state,
    Map<String, ActorRef<TaskReconciler.Command>> reconcilers,
    ReceivedResults received,
    Suspensions suspensions,
    String sessionToken) {}
