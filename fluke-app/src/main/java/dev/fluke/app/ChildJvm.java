package dev.fluke.app;

import java.util.ArrayList;
import java.util.List;

/**
 * The command line of a child JVM running Fluke's {@link Main} with this JVM's java and class path
 * (the nodes of {@code fluke dev --nodes}, the processes of {@code fluke bench}); the caller adds
 * the Fluke command and its arguments.
 */
public final class ChildJvm {
  private ChildJvm() {}

  /** {@code java <jvmOptions> -cp <this class path> dev.fluke.app.Main}. */
  public static List<String> command(List<String> jvmOptions) {
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElse("java"));
    cmd.addAll(jvmOptions);
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(Main.class.getName());
    return cmd;
  }
}
