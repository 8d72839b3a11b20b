package dev.fluke.agent.actor;

/** The actor failed and is about to be restarted by its {@link SupervisorStrategy}. */
public enum PreRestart implements Signal {
  INSTANCE
}
