package dev.fluke.app.bench;

import dev.fluke.app.cli.CliException;
import dev.fluke.app.cli.DurationConverter;
import java.time.Duration;
import picocli.CommandLine.Option;

/**
 * The options {@code fluke bench} and {@code fluke bench server} share (a picocli {@code @Mixin}):
 * how many simulated agents, the generated manifests' size, and how long a phase may take. Each
 * command keeps its own options where their meaning or default differs ({@code --connect-rate}:
 * 500/s for {@code bench}, 150/s for {@code bench server}).
 */
final class FleetOptions {
  @Option(
      names = "--agents",
      defaultValue = "1000",
      description = "Simulated agents (default: ${DEFAULT-VALUE}).")
  int agents;

  @Option(
      names = "--tasks",
      defaultValue = "10",
      description = "Tasks in the manifests, all matching every agent (default: ${DEFAULT-VALUE}).")
  int tasks;

  @Option(
      names = "--executors",
      defaultValue = "3",
      description = "Shell blocks per task (default: ${DEFAULT-VALUE}).")
  int executors;

  @Option(
      names = "--timeout",
      defaultValue = "15m",
      converter = DurationConverter.class,
      description = "Give up when a phase takes longer than this (default: ${DEFAULT-VALUE}).")
  Duration timeout;

  /** True when the counts are usable: at least one agent, task and block. */
  boolean valid() {
    return agents >= 1 && tasks >= 1 && executors >= 1;
  }

  /** The error of a phase that took longer than {@code --timeout}. */
  CliException gaveUp(String what) {
    return new CliException(
        "bench: gave up waiting for " + what + " after " + timeout.toSeconds() + "s");
  }
}
