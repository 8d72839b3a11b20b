package dev.fluke.agent.actor;

/** The reply that says only "done". */
public enum Done {
  INSTANCE;

  public static Done getInstance() {
    return INSTANCE;
  }
}
