package dev.fluke.agent.actor;

/**
 * What the runtime tells a behavior about its own life (not a message): {@link PostStop}, {@link
 * PreRestart}.
 */
public sealed interface Signal permits PostStop, PreRestart {}
