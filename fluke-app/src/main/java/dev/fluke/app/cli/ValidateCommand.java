package dev.fluke.app.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fluke.http.ApiJson;
import dev.fluke.manifest.ExecutorSpec;
import dev.fluke.manifest.HclManifestLoader;
import dev.fluke.manifest.ManifestError;
import dev.fluke.manifest.ManifestSet;
import dev.fluke.manifest.TaskSpec;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code fluke validate DIR}: parses a manifest tree exactly as the server does. Prints the errors
 * ({@code file:line:column: message}; the first 100, then one line saying how many more) and exits
 * 1, or prints a summary and exits 0, so a manifest repository's own CI can run it. Whatever the
 * files hold, it ends with one of those two answers: the loader never throws.
 */
@Command(
    name = "validate",
    description = "Check a directory of manifests as the server would; exit 1 listing every error.",
    mixinStandardHelpOptions = true)
public final class ValidateCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "DIR", description = "root of the manifest tree")
  Path dir;

  @Option(
      names = "--glob",
      defaultValue = "**/*.fluke.hcl",
      description = "manifest files (default: ${DEFAULT-VALUE})")
  String glob;

  @Option(
      names = {"-o", "--output"},
      defaultValue = "table",
      description = "table or json")
  ClientCommand.Output output;

  @Override
  public Integer call() throws Exception {
    if (!Files.isDirectory(dir)) {
      throw new CliException("not a directory: " + dir);
    }
    ManifestSet set = HclManifestLoader.builtin().load(dir, glob);
    PrintWriter out = spec.commandLine().getOut();
    if (output == ClientCommand.Output.json) {
      ObjectMapper json = ApiJson.create();
      out.println(json.writerWithDefaultPrettyPrinter().writeValueAsString(report(set)));
      out.flush();
      return set.ok() ? 0 : 1;
    }
    if (!set.ok()) {
      PrintWriter err = spec.commandLine().getErr();
      for (ManifestError e : set.errors()) {
        err.println(e.format());
      }
      int total = set.totalErrors();
      err.printf(
          "%,d error%s in %s: the manifest set is rejected whole%n",
          total, total == 1 ? "" : "s", dir);
      err.flush();
      return 1;
    }
    if (set.files().isEmpty()) {
      throw new CliException("no files matching " + glob + " under " + dir);
    }
    int executors = set.tasks().stream().mapToInt(t -> t.executors().size()).sum();
    out.printf(
        "ok: %d task%s, %d executor%s in %d file%s under %s%n",
        set.tasks().size(),
        set.tasks().size() == 1 ? "" : "s",
        executors,
        executors == 1 ? "" : "s",
        set.files().size(),
        set.files().size() == 1 ? "" : "s",
        dir);
    if (!set.tasks().isEmpty()) {
      out.println();
      Table table = new Table("TASK", "POLICY", "SELECTOR", "EXECUTORS", "SOURCE");
      for (TaskSpec t : set.tasks()) {
        table.add(
            t.name(),
            t.driftPolicy().map(Object::toString).orElse("(server default)"),
            selector(t),
            t.executors().stream().map(ExecutorSpec::label).collect(Collectors.joining(", ")),
            t.pos().toString());
      }
      table.print(out);
    }
    out.flush();
    return 0;
  }

  private static String selector(TaskSpec t) {
    Map<String, String> labels = t.selector().matchLabels();
    return labels.isEmpty()
        ? "(every host)"
        : labels.entrySet().stream()
            .map(e -> e.getKey() + "=" + e.getValue())
            .collect(Collectors.joining(","));
  }

  private static Map<String, Object> report(ManifestSet set) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("ok", set.ok());
    r.put("files", set.files());
    r.put("total_errors", set.totalErrors());
    r.put(
        "errors",
        set.errors().stream()
            .map(
                e ->
                    Map.of(
                        "file",
                        e.pos().file(),
                        "line",
                        e.pos().line(),
                        "column",
                        e.pos().column(),
                        "message",
                        e.message()))
            .toList());
    r.put("tasks", set.ok() ? set.tasks().stream().map(ValidateCommand::task).toList() : List.of());
    return r;
  }

  private static Map<String, Object> task(TaskSpec t) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", t.name());
    m.put("description", t.description());
    m.put("policy", t.driftPolicy().map(Object::toString).orElse(null));
    m.put("selector", t.selector().matchLabels());
    m.put(
        "executors",
        t.executors().stream()
            .map(
                e -> {
                  Map<String, Object> x = new LinkedHashMap<>();
                  x.put("type", e.type());
                  x.put("name", e.name());
                  x.put("on_failure", e.onFailure().hclName());
                  x.put("attributes", e.attributes());
                  return x;
                })
            .toList());
    m.put("source", t.pos().toString());
    return m;
  }
}
