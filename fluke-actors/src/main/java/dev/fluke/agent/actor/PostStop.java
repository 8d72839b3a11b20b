package dev.fluke.agent.actor;

/** The actor has stopped (after its children): release what it holds. */
public enum PostStop implements Signal {
  INSTANCE
}
