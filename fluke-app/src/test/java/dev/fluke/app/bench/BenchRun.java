package dev.fluke.app.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.fluke.app.cli.FlukeCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Clock;
import java.util.Map;

/** One {@code fluke} command run in this JVM with its output captured (the bench tests' set-up). */
record BenchRun(int exit, String out, String err) {
  static BenchRun of(String... args) {
    return of(Map.of(), args);
  }

  /** With {@code env} as the command's environment. */
  static BenchRun of(Map<String, String> env, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    var cli = FlukeCommand.commandLine(env, Clock.systemUTC());
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int exit = cli.execute(args);
    return new BenchRun(exit, out.toString(), err.toString());
  }

  /** The report (standard output) of a run that must have succeeded. */
  String report() {
    assertEquals(0, exit, out + "\n" + err);
    return out;
  }
}
