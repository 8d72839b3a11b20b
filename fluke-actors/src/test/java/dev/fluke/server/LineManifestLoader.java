package dev.fluke.server;

import dev.fluke.hcl.SourcePos;
import dev.fluke.manifest.DriftPolicy;
import dev.fluke.manifest.ExecutorSpec;
import dev.fluke.manifest.ManifestError;
import dev.fluke.manifest.ManifestLoader;
import dev.fluke.manifest.ManifestSet;
import dev.fluke.manifest.OnFailure;
import dev.fluke.manifest.Selector;
import dev.fluke.manifest.TaskSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A {@link ManifestLoader} test double with a one-line-per-task format, so the server's actors can
 * be tested without the HCL parser:
 *
 * <pre>
 * task NAME [policy=alert_only] [exec=shell:marker,mise:deploy] [label=value ...]
 * error MESSAGE...
 * </pre>
 *
 * Files matching the glob are read in path order; duplicate task names and unknown policies are
 * errors.
 */
public final class LineManifestLoader implements ManifestLoader {
  private final AtomicInteger loads = new AtomicInteger();

  int loads() {
    return loads.get();
  }

  /** One line of the format, for tests that build manifests. */
  public static String task(String name, String policy, String execs, String selector) {
    return "task "
        + name
        + (policy == null ? "" : " policy=" + policy)
        + " exec="
        + execs
        + (selector.isEmpty() ? "" : " " + selector)
        + "\n";
  }

  @Override
  public ManifestSet load(Path root, String glob) {
    loads.incrementAndGet();
    PathMatcher matcher = root.getFileSystem().getPathMatcher("glob:" + glob);
    List<Path> files;
    try (Stream<Path> walk = Files.walk(root)) {
      files =
          walk.filter(Files::isRegularFile)
              .map(root::relativize)
              .filter(matcher::matches)
              .sorted()
              .toList();
    } catch (IOException e) {
      return new ManifestSet(
          List.of(),
          List.of(new ManifestError(SourcePos.UNKNOWN, "cannot read " + root)),
          List.of());
    }
    List<TaskSpec> tasks = new ArrayList<>();
    List<ManifestError> errors = new ArrayList<>();
    Map<String, SourcePos> seen = new HashMap<>();
    for (Path rel : files) {
      List<String> lines;
      try {
        lines = Files.readAllLines(root.resolve(rel));
      } catch (IOException e) {
        errors.add(new ManifestError(new SourcePos(rel.toString(), 0, 0), "cannot read file"));
        continue;
      }
      for (int i = 0; i < lines.size(); i++) {
        String line = lines.get(i).trim();
        SourcePos pos = new SourcePos(rel.toString(), i + 1, 1);
        if (line.isEmpty() || line.startsWith("#")) {
          continue;
        }
        if (line.startsWith("error ")) {
          errors.add(new ManifestError(pos, line.substring(6)));
          continue;
        }
        String[] words = line.split("\\s+");
        if (!words[0].equals("task") || words.length < 2) {
          errors.add(new ManifestError(pos, "expected 'task NAME ...'"));
          continue;
        }
        String name = words[1];
        Optional<DriftPolicy> policy = Optional.empty();
        List<ExecutorSpec> execs = new ArrayList<>();
        Map<String, String> selector = new LinkedHashMap<>();
        for (int w = 2; w < words.length; w++) {
          String[] kv = words[w].split("=", 2);
          if (kv[0].equals("policy")) {
            policy = DriftPolicy.parse(kv[1]);
            if (policy.isEmpty()) {
              errors.add(new ManifestError(pos, "unknown policy " + kv[1]));
            }
          } else if (kv[0].equals("exec")) {
            for (String e : kv[1].split(",")) {
              String[] tn = e.split(":", 2);
              execs.add(
                  new ExecutorSpec(tn[0], tn[1], Map.of("check", "true"), OnFailure.ABORT, pos));
            }
          } else {
            selector.put(kv[0], kv[1]);
          }
        }
        SourcePos first = seen.putIfAbsent(name, pos);
        if (first != null) {
          errors.add(new ManifestError(pos, "task " + name + " is also declared at " + first));
          continue;
        }
        tasks.add(new TaskSpec(name, "task " + name, policy, new Selector(selector), execs, pos));
      }
    }
    return new ManifestSet(tasks, errors, files.stream().map(Path::toString).toList());
  }
}
