package dev.fluke.app.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fluke.app.client.ApiClient;
import dev.fluke.json.PlainJson;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
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

  /** Set when {@link DirectRun} runs the command without picocli (then {@link #spec} is null). */
  private FlukeCommand directRoot;

  private PrintWriter directOut;
  private PrintWriter directErr;

  /** Makes the command run without picocli: its root, standard output and error. */
  void runWithout(FlukeCommand root, PrintWriter out, PrintWriter err) {
    this.directRoot = root;
    this.directOut = out;
    this.directErr = err;
  }

  /**
   * The API's data-binding mapper, for the few commands that build JSON trees; the questions read
   * and print answers with jackson-core alone (docs/performance.md, "The CLI: loading less").
   */
  ObjectMapper mapper() {
    return ApiClient.json();
  }

  FlukeCommand root() {
    return directRoot != null ? directRoot : (FlukeCommand) spec.root().userObject();
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
    return directOut != null ? directOut : spec.commandLine().getOut();
  }

  PrintWriter err() {
    return directErr != null ? directErr : spec.commandLine().getErr();
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
      out().println(pretty(json));
    } catch (IOException e) {
      out().println(json);
    }
  }

  /**
   * The first JSON value of {@code json} indented as the data binding's default pretty printer
   * indents a tree read from it, with jackson-core alone.
   *
   * @throws IOException when it is not JSON
   */
  static String pretty(String json) throws IOException {
    StringWriter text = new StringWriter();
    try (JsonParser p = PlainJson.factory().createParser(json);
        JsonGenerator g = PlainJson.factory().createGenerator(text)) {
      g.setPrettyPrinter(new DefaultPrettyPrinter());
      if (p.nextToken() == null) {
        throw new com.fasterxml.jackson.core.JsonParseException(p, "no JSON value");
      }
      g.copyCurrentStructure(p);
    }
    return text.toString();
  }

  void printJson(JsonNode node) {
    try {
      out().println(mapper().writerWithDefaultPrettyPrinter().writeValueAsString(node));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a JSON tree always serialises", e);
    }
  }

  /** JSON on one line, for output read one object per line (a stream of updates). */
  String compact(String json) {
    try {
      return mapper().writeValueAsString(mapper().readTree(json));
    } catch (JsonProcessingException e) {
      throw new CliException("the server sent malformed JSON: " + e.getOriginalMessage(), e);
    }
  }

  JsonNode tree(String json) {
    try {
      return mapper().readTree(json);
    } catch (JsonProcessingException e) {
      throw new CliException("the server sent malformed JSON: " + e.getOriginalMessage(), e);
    }
  }
}
