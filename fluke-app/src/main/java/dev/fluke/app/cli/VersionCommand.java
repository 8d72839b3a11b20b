package dev.fluke.app.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fluke.http.ApiJson;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code fluke version}: the version and the Git commit this binary was built from, and the Java
 * runtime running it (its version, vendor and home: the packaged runtime under /usr/lib/fluke when
 * installed from the .deb).
 */
@Command(
    name = "version",
    description =
        "Print the version and the Git commit of this binary, and the Java runtime it runs on.",
    mixinStandardHelpOptions = true)
final class VersionCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FORMAT",
      description = "text (default) or json.")
  String output = "text";

  @Override
  public Integer call() throws Exception {
    VersionInfo v = VersionInfo.current();
    PrintWriter out = spec.commandLine().getOut();
    String java =
        System.getProperty("java.version")
            + " ("
            + System.getProperty("java.vendor")
            + ") at "
            + System.getProperty("java.home");
    switch (output) {
      case "json" -> {
        ObjectMapper mapper = ApiJson.create();
        ObjectNode node = mapper.createObjectNode();
        node.put("version", v.version());
        node.put("commit", v.commit());
        node.put("dirty", v.dirty());
        node.put("java", System.getProperty("java.version"));
        node.put("java_home", System.getProperty("java.home"));
        out.println(mapper.writerWithDefaultPrettyPrinter().writeValueAsString(node));
      }
      case "text", "table" -> {
        out.println("fluke " + v.version());
        out.println("commit " + v.commit() + (v.dirty() ? " (with uncommitted changes)" : ""));
        out.println("java " + java);
      }
      default ->
          throw new picocli.CommandLine.ParameterException(
              spec.commandLine(), "-o must be text or json, got '" + output + "'");
    }
    return 0;
  }
}
