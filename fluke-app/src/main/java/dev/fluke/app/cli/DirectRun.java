package dev.fluke.app.cli;

import dev.fluke.app.AgentCommand;
import dev.fluke.app.client.ApiClient;
import java.io.BufferedWriter;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.ParameterException;

/**
 * The everyday questions ({@code fluke get agents|tasks|drift|manifest|suspensions|nodes}, {@code
 * fluke describe agent|task NAME}) run without picocli when their command line is plain: picocli
 * reads the annotations of the commands by reflection before it parses anything, which costs a
 * short command more CPU than the question itself (docs/performance.md, "The CLI: loading less").
 *
 * <p>"Plain" is what picocli parses one way only: the command's words, then {@code --server URL},
 * {@code --token TOKEN}, {@code -o|--output table|json} (each at most once, the value as the next
 * argument or after {@code =} for the long names) and, for {@code get agents}, filter words, for
 * {@code describe}, exactly one name, that do not start with {@code -} or {@code @}. Anything else
 * (help, a mistake, an unknown option, an invalid server URL, a value that looks like an option) is
 * left to picocli, so usage, help and error messages come from one place. The command objects and
 * their {@code call()} are the same either way; {@code DirectRunIT} runs each plain form both ways
 * against the real HTTP API and compares output and exit code.
 *
 * <p>{@code fluke agent --config FILE} runs without picocli too, for the agent's memory rather than
 * its start-up ({@link #runAgent}).
 */
final class DirectRun {
  private DirectRun() {}

  /** Returned by {@link #run} when picocli must run the command line. */
  static final int NOT_PLAIN = Integer.MIN_VALUE;

  /**
   * Runs {@code args} when they are plain and returns the exit code, else {@link #NOT_PLAIN} having
   * run nothing.
   */
  static int run(
      String[] args, Map<String, String> env, Clock clock, PrintWriter out, PrintWriter err) {
    if (args.length > 0 && args[0].equals("agent")) {
      return runAgent(args, env, err);
    }
    ClientCommand command = parse(args, env);
    if (command == null) {
      return NOT_PLAIN;
    }
    command.runWithout(FlukeCommand.root(env, clock), out, err);
    try {
      Integer exit = command.call();
      return exit == null ? 0 : exit;
    } catch (ParameterException e) {
      // Not thrown by the plain commands today (the server URL is checked before); should one
      // come, picocli runs the command line again and reports it as a usage error.
      return NOT_PLAIN;
    } catch (Exception e) {
      return FlukeCommand.onFailure(e, err);
    } finally {
      out.flush();
      err.flush();
    }
  }

  /**
   * {@code fluke agent --config FILE} (or {@code -c FILE}, {@code --config=FILE}): the agent, a
   * long-lived process whose memory counts, loads none of picocli's ~170 classes for its one
   * option.
   */
  private static int runAgent(String[] args, Map<String, String> env, PrintWriter err) {
    Path config = agentConfig(args);
    if (config == null) {
      return NOT_PLAIN;
    }
    try {
      return AgentCommand.run(config, env);
    } catch (Exception e) {
      return FlukeCommand.onFailure(e, err);
    } finally {
      err.flush();
    }
  }

  /** The config file of a plain {@code fluke agent} command line; else null. */
  static Path agentConfig(String[] args) {
    String file;
    if (args.length == 3 && (args[1].equals("-c") || args[1].equals("--config"))) {
      file = args[2];
    } else if (args.length == 2 && args[1].startsWith("--config=")) {
      file = args[1].substring("--config=".length());
    } else {
      return null;
    }
    if (file.isEmpty() || file.startsWith("-") || file.startsWith("@")) {
      return null;
    }
    try {
      return Path.of(file);
    } catch (InvalidPathException e) {
      return null;
    }
  }

  /** The command for plain {@code args}, its fields set as picocli would set them; else null. */
  static ClientCommand parse(String[] args, Map<String, String> env) {
    if (args.length < 2) {
      return null;
    }
    ClientCommand command =
        switch (args[0] + " " + args[1]) {
          case "get agents" -> new GetCommand.Agents();
          case "get tasks" -> new GetCommand.Tasks();
          case "get drift" -> new GetCommand.Drift();
          case "get manifest" -> new GetCommand.Manifest();
          case "get suspensions" -> new GetCommand.Suspensions();
          case "get nodes" -> new GetCommand.Nodes();
          case "describe agent" -> new DescribeCommand.Agent();
          case "describe task" -> new DescribeCommand.Task();
          default -> null;
        };
    if (command == null) {
      return null;
    }
    String server = null;
    String token = null;
    String output = null;
    List<String> words = new ArrayList<>();
    for (int i = 2; i < args.length; i++) {
      String a = args[i];
      String name = a;
      String value = null;
      int eq = a.indexOf('=');
      if (a.startsWith("--") && eq > 0) {
        name = a.substring(0, eq);
        value = a.substring(eq + 1);
      }
      switch (name) {
        case "--server", "--token", "-o", "--output" -> {
          if (value == null) {
            if (i + 1 >= args.length) {
              return null;
            }
            value = args[++i];
            if (value.startsWith("-")) {
              return null;
            }
          }
          switch (name) {
            case "--server" -> {
              if (server != null) {
                return null;
              }
              server = value;
            }
            case "--token" -> {
              if (token != null) {
                return null;
              }
              token = value;
            }
            default -> {
              if (output != null) {
                return null;
              }
              output = value;
            }
          }
        }
        default -> {
          if (a.isEmpty() || a.startsWith("-") || a.startsWith("@")) {
            return null;
          }
          words.add(a);
        }
      }
    }
    if (command instanceof DescribeCommand.Agent agent && words.size() == 1) {
      agent.name = words.get(0);
    } else if (command instanceof DescribeCommand.Task task && words.size() == 1) {
      task.name = words.get(0);
    } else if (command instanceof GetCommand.Agents agents) {
      if (!words.isEmpty()) {
        agents.filter = words;
      }
    } else if (!words.isEmpty()
        || command instanceof DescribeCommand.Agent
        || command instanceof DescribeCommand.Task) {
      return null;
    }
    if (output != null) {
      if (output.equalsIgnoreCase("table")) {
        command.output = ClientCommand.Output.table;
      } else if (output.equalsIgnoreCase("json")) {
        command.output = ClientCommand.Output.json;
      } else {
        return null;
      }
    }
    try {
      ApiClient.fromOptions(server, token, env);
    } catch (IllegalArgumentException e) {
      return null;
    }
    command.server = server;
    command.token = token;
    return command;
  }

  /** Standard output or error as picocli writes to it (its encoding property, else the default). */
  static PrintWriter writer(OutputStream stream, String encodingProperty) {
    String name = System.getProperty(encodingProperty);
    Charset charset = Charset.defaultCharset();
    if (name != null) {
      try {
        charset = Charset.forName("cp65001".equalsIgnoreCase(name) ? "UTF-8" : name);
      } catch (IllegalArgumentException unknown) {
        // as picocli: the default
      }
    }
    return new PrintWriter(new BufferedWriter(new OutputStreamWriter(stream, charset)), true);
  }
}
