package dev.fluke.manifest;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * How long loading a manifest set takes (issue 6: "a 5 MB manifest set keeps loading in well under
 * a second"), and how long the worst inputs the limits allow take. Not a test: run it by hand and
 * write the figures into docs/performance.md.
 *
 * <pre>
 * mvn -B -pl fluke-executors -am test-compile
 * mvn -B -pl fluke-executors dependency:build-classpath -Dmdep.outputFile=cp.txt
 * java -cp "fluke-executors/target/test-classes:fluke-executors/target/classes:$(cat fluke-executors/cp.txt)" \
 *     dev.fluke.manifest.ManifestLoadBench [megabytes] [files]
 * </pre>
 *
 * <p>{@code -Dbench.setOnly=true} stops after the set; {@code -Dbench.keep=true} keeps it on disk.
 */
public final class ManifestLoadBench {
  private ManifestLoadBench() {}

  public static void main(String[] args) throws IOException {
    int megabytes = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    int files = args.length > 1 ? Integer.parseInt(args[1]) : 50;
    Path dir = Files.createTempDirectory("fluke-bench-manifests");
    long bytes = write(dir, megabytes * 1_000_000L, files);
    HclManifestLoader loader = HclManifestLoader.builtin();
    ManifestSet set = loader.load(dir, "**/*.fluke.hcl");
    if (!set.ok()) {
      throw new IllegalStateException("the generated set does not load: " + set.errors());
    }
    System.out.printf(
        "set: %,d bytes in %d files, %,d tasks, %,d executors%n",
        bytes,
        set.files().size(),
        set.tasks().size(),
        set.tasks().stream().mapToInt(t -> t.executors().size()).sum());
    time("load the set from disk", 5, 20, () -> loader.load(dir, "**/*.fluke.hcl"));
    if (Boolean.getBoolean("bench.setOnly")) {
      return;
    }

    System.out.println("worst inputs the limits allow (each rejected):");
    Map<String, String> worst = new TreeMap<>();
    worst.put("1 MiB of '}'", "}".repeat(1 << 20));
    worst.put("2,000 nested lists", "locals { x = " + "[".repeat(2000) + "]".repeat(2000) + " }\n");
    worst.put(
        "nested for over 1,000 elements (work limit)",
        "locals {\n  big = split(\"\", format(\"%1000s\", \"\"))\n"
            + "  n = [for a in local.big : length([for b in local.big : length([for c in local.big"
            + " : c])])]\n}\n");
    worst.put(
        "backtracking regular expression (work limit)",
        "locals { x = replace(\"" + "a".repeat(40) + "!\", \"/((a+)+)+c/\", \"x\") }\n");
    worst.put("format(\"%.999999999f\", 1.5)", "locals { x = format(\"%.999999999f\", 1.5) }\n");
    for (Map.Entry<String, String> w : worst.entrySet()) {
      TreeMap<String, String> one = new TreeMap<>(Map.of("a.fluke.hcl", w.getValue()));
      time("  " + w.getKey(), 2, 5, () -> loader.parse(one));
    }
    if (Boolean.getBoolean("bench.keep")) {
      System.out.println("kept the set in " + dir);
      return;
    }
    try (var walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  private static void time(String what, int warmups, int runs, Runnable r) {
    for (int i = 0; i < warmups; i++) {
      r.run();
    }
    List<Long> ms = new ArrayList<>();
    List<Long> cpu = new ArrayList<>();
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    for (int i = 0; i < runs; i++) {
      long c = threads.getCurrentThreadCpuTime();
      long t = System.nanoTime();
      r.run();
      ms.add((System.nanoTime() - t) / 1_000_000);
      cpu.add((threads.getCurrentThreadCpuTime() - c) / 1_000_000);
    }
    Collections.sort(ms);
    Collections.sort(cpu);
    // CPU time of the loading thread: what the load costs, whatever else the machine runs.
    System.out.printf(
        "%s: median %d ms CPU (min %d, max %d), %d ms wall (min %d, max %d), %d runs%n",
        what,
        cpu.get(cpu.size() / 2),
        cpu.get(0),
        cpu.get(cpu.size() - 1),
        ms.get(ms.size() / 2),
        ms.get(0),
        ms.get(ms.size() - 1),
        runs);
  }

  /** Writes about {@code total} bytes of realistic manifests into {@code files} files. */
  private static long write(Path dir, long total, int files) throws IOException {
    long written = 0;
    int task = 0;
    for (int f = 0; f < files; f++) {
      StringBuilder sb = new StringBuilder();
      sb.append("locals {\n")
          .append("  root_")
          .append(f)
          .append(" = \"/srv/app-")
          .append(f)
          .append("\"\n")
          .append("  ports_")
          .append(f)
          .append(" = [80, 443, 8080]\n")
          .append("  env_")
          .append(f)
          .append(" = { APP_ENV = \"production\", REGION = \"eu-")
          .append(f % 3)
          .append("\" }\n}\n\n");
      while (sb.length() < total / files) {
        String name = "task_" + task++;
        sb.append("task \"")
            .append(name)
            .append("\" {\n")
            .append("  description = \"Keeps ")
            .append(name)
            .append(" deployed on ${local.root_")
            .append(f)
            .append("}\"\n")
            .append("  drift { policy = \"remediate\" }\n")
            .append("  selector { match_labels = { role = \"web\", tier = \"")
            .append(task % 5)
            .append("\" } }\n\n")
            .append("  shell \"layout\" {\n")
            .append("    check   = \"test -d ${local.root_")
            .append(f)
            .append("}/releases\"\n")
            .append("    command = \"mkdir -p ${local.root_")
            .append(f)
            .append("}/releases\"\n")
            .append("    env     = merge(local.env_")
            .append(f)
            .append(", { TASK = \"")
            .append(name)
            .append("\" })\n  }\n\n")
            .append("  shell \"ports\" {\n")
            .append("    check   = join(\" && \", [for p in local.ports_")
            .append(f)
            .append(" : \"ss -ltn | grep -q :${p}\"])\n")
            .append("    command = <<-EOT\n")
            .append("      %{ for p in local.ports_")
            .append(f)
            .append(" ~}\n")
            .append("      open-port ${p}\n")
            .append("      %{ endfor ~}\n")
            .append("      EOT\n")
            .append("    on_failure = \"continue\"\n  }\n\n")
            .append("  systemd \"app\" {\n    unit    = \"")
            .append(name)
            .append(".service\"\n    enabled = true\n  }\n}\n\n");
      }
      Path file = dir.resolve(String.format("group-%02d/app-%03d.fluke.hcl", f % 10, f));
      Files.createDirectories(file.getParent());
      Files.writeString(file, sb);
      written += Files.size(file);
    }
    return written;
  }
}
