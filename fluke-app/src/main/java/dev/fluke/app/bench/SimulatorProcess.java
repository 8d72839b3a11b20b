package dev.fluke.app.bench;

import dev.fluke.app.ChildJvm;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Starts one simulator child ({@code fluke bench-agents}, {@link SimulatedAgentsCommand}) for the
 * benches: this JVM's own java and class path, small thread stacks, its output in {@code
 * logs}{@code .out} / {@code .err} (files, not pipes: a pipe nobody reads until the end would block
 * a chatty child).
 */
final class SimulatorProcess {
  private SimulatorProcess() {}

  /**
   * @param servers the agents' server URLs (several: each agent starts at a random one and rotates,
   *     as {@code server_urls} does)
   * @param fleetConnectRate the whole fleet's registrations per second; this child gets its share
   *     of it ({@code count} of {@code fleet} agents)
   * @param extra further options (e.g. {@code --ca-file})
   * @param jvmOptions JVM options of the child ({@code --agents-java-opts})
   */
  static Process start(
      List<String> servers,
      String token,
      int first,
      int count,
      int fleet,
      double drift,
      int fleetConnectRate,
      Duration maxTime,
      List<String> extra,
      List<String> jvmOptions,
      Path logs)
      throws IOException {
    List<String> options = new ArrayList<>(List.of("-Xss512k"));
    options.addAll(jvmOptions);
    List<String> command = ChildJvm.command(options);
    command.add("bench-agents");
    for (String server : servers) {
      command.addAll(List.of("--server", server));
    }
    command.addAll(
        List.of(
            "--token",
            token,
            "--first",
            Integer.toString(first),
            "--count",
            Integer.toString(count),
            "--drift",
            drift == 0 ? "0" : Double.toString(drift),
            "--connect-rate",
            Integer.toString(Math.max(1, fleetConnectRate * count / fleet)),
            "--max-time",
            maxTime.toSeconds() + "s"));
    command.addAll(extra);
    return new ProcessBuilder(command)
        .redirectOutput(logs.resolveSibling(logs.getFileName() + ".out").toFile())
        .redirectError(logs.resolveSibling(logs.getFileName() + ".err").toFile())
        .start();
  }
}
