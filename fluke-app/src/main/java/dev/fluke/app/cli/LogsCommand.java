package dev.fluke.app.cli;

import dev.fluke.api.LiveUpdate;
import dev.fluke.app.client.ApiClient;
import dev.fluke.app.client.LiveStream;
import java.time.Duration;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code fluke logs agent NAME [-f] [--task T]}: the output of an agent's applies, read from the
 * server's live stream ({@code GET /api/v1/stream?agent=NAME}). The server first replays the lines
 * it buffered of the running (or last) apply, then sends new lines as the agent prints them.
 */
@Command(
    name = "logs",
    description = "Print the output of applies, live with -f.",
    mixinStandardHelpOptions = true,
    subcommands = {LogsCommand.Agent.class})
final class LogsCommand extends GroupCommand {

  @Command(
      name = "agent",
      description = {
        "Print the output of the agent's running (or last) apply; with -f, keep printing new lines and each"
            + " apply and verify outcome until Ctrl-C."
      },
      mixinStandardHelpOptions = true)
  static final class Agent extends ClientCommand {
    /** How long a follower waits on a quiet stream before checking again; only bounds each wait. */
    private static final Duration FOLLOW_POLL = Duration.ofSeconds(60);

    /**
     * How long the server may take to send the buffered lines (it sends them at once, from memory).
     */
    private static final Duration REPLAY_WAIT = Duration.ofSeconds(30);

    @Parameters(paramLabel = "NAME", description = "The agent's name (see 'fluke get agents').")
    String name;

    @Option(
        names = {"-f", "--follow"},
        description = "Keep printing new output and apply/verify outcomes until Ctrl-C.")
    boolean follow;

    @Option(names = "--task", paramLabel = "TASK", description = "Only the output of this task.")
    String task;

    @Override
    public Integer call() throws InterruptedException {
      // The stream does not know agents: ask first, so a typo is an error rather than a silent
      // wait.
      client().agent(name);
      List<String> kinds = follow ? List.of("output", "event") : List.of("output");
      try (LiveStream stream = client().stream(name, kinds)) {
        if (follow) {
          return follow(stream);
        }
        return buffered(stream);
      }
    }

    /** Prints the replayed lines: those the server sends before its {@code replayed} marker. */
    private int buffered(LiveStream stream) throws InterruptedException {
      long deadline = System.nanoTime() + REPLAY_WAIT.toNanos();
      int printed = 0;
      while (true) {
        ApiClient.Reply<LiveUpdate> reply =
            stream.next(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
        if (reply == null) {
          throw new CliException(
              "the Fluke server at "
                  + client().server()
                  + " did not send the buffered output of "
                  + name
                  + " within "
                  + REPLAY_WAIT.toSeconds()
                  + "s; try again, or use -f");
        }
        LiveUpdate u = reply.value();
        if (u.kind().equals("replayed")) {
          break;
        }
        if (u.kind().equals("output") && wanted(u)) {
          print(reply);
          printed++;
        }
      }
      if (printed == 0 && !json()) {
        err()
            .println(
                "No apply output of "
                    + name
                    + (task == null ? "" : " for task " + task)
                    + " is buffered on the server (nothing applied since it started, or it was restarted);"
                    + " use -f to wait for the next apply.");
        err().flush();
      }
      return 0;
    }

    /**
     * Prints until the thread is interrupted (embedding, tests) or the process is stopped (Ctrl-C).
     */
    private int follow(LiveStream stream) {
      try {
        while (true) {
          ApiClient.Reply<LiveUpdate> reply = stream.next(FOLLOW_POLL);
          if (reply != null && wanted(reply.value())) {
            print(reply);
          }
        }
      } catch (InterruptedException stopped) {
        Thread.currentThread().interrupt();
        return 0;
      }
    }

    private boolean wanted(LiveUpdate u) {
      if (u.kind().equals("lost")) {
        return true;
      }
      return u.agent().equals(name)
          && (task == null || task.equals(u.task()))
          && LiveLines.shown(u);
    }

    private void print(ApiClient.Reply<LiveUpdate> reply) {
      out().println(json() ? compact(reply.json()) : LiveLines.text(reply.value(), false));
      out().flush();
    }
  }
}
