package dev.fluke.app.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fluke.app.client.ApiClient;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * Base of the commands that talk to a server through its HTTP API: the common options {@code
 * --server}, {@code --token} and {@code -o}, the client built from them (falling back to {@code
 * FLUKE_SERVER}, {@code FLUKE_API_TOKEN}, then {@code http://localhost:7071}), and output helpers.
 */
abstract class ClientCommand implements Callable<Integer> {
  enum Output {
    table,
    json
  }

  @Spec CommandSpec spec;

  @Option(
      names = "--server",
      paramLabel = "URL",
      description = "The Fluke server; default: env FLUKE_SERVER, else http://localhost:7071")
  String server;

  @Option(
      names = "--token",
      paramLabel = "TOKEN",
      description =
          "One of the server's api_tokens; default: env FLUKE_API_TOKEN (keeps it out of ps)")
  String token;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FORMAT",
      description = "table (for people, the default) or json (the server's JSON, for scripts)")
  Output output = Output.table;

  private ApiClient client;
  final ObjectMapper mapper = ApiClient.json();

  FlukeCommand root() {
    return (FlukeCommand) spec.root().userObject();
  }

  ApiClient client() {
    if (client == null) {
      try {
        client = ApiClient.fromOptions(server, token, root().env());
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), "invalid server URL: " + e.getMessage());
      }
    }
    return client;
  }

  PrintWriter out() {
    return spec.commandLine().getOut();
  }

  PrintWriter err() {
    return spec.commandLine().getErr();
  }

  Instant now() {
    return root().clock().instant();
  }

  boolean json() {
    return output == Output.json;
  }

  /** Prints JSON as the server sent it, indented for reading. */
  void printJson(String json) {
    try {
      printJson(mapper.readTree(json));
    } catch (JsonProcessingException e) {
      out().println(json);
    }
  }

  void printJson(JsonNode node) {
    try {
      out().println(mapper.writerWithDefaultPrettyPrinter().writeValueAsString(node));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a JSON tree always serialises", e);
    }
  }

  /** JSON on one line, for output read one object per line (a stream of updates). */
  String compact(String json) {
    try {
      return mapper.writeValueAsString(mapper.readTree(json));
    } catch (JsonProcessingException e) {
      throw new CliException("the server sent malformed JSON: " + e.getOriginalMessage(), e);
    }
  }

  JsonNode tree(String json) {
    try {
      return mapper.readTree(json);
    } catch (JsonProcessingException e) {
      throw new CliException("the server sent malformed JSON: " + e.getOriginalMessage(), e);
    }
  }
}
