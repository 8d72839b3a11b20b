package dev.fluke.app;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher ({@code bin/fluke}, also {@code /usr/bin/fluke} in the package) run for real with a
 * stand-in {@code java} that prints the command line and environment it was given: which JVM
 * options each role gets, that {@code FLUKE_JAVA_OPTS} comes last, which AppCDS archive is used and
 * when none is, and where the packaged layout finds its runtime, jar and archives.
 */
class LauncherTest {
  private static final Path LAUNCHER = Path.of("..", "bin", "fluke").toAbsolutePath().normalize();

  @TempDir Path tmp;
  private Path fakeJava;
  private Path jar;

  @BeforeEach
  void setUp() throws IOException {
    fakeJava =
        executable(
            tmp.resolve("java"),
            "printf '%s\\n' \"$@\"; echo \"MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-}\"");
    jar = tmp.resolve("dist/fluke.jar");
    Files.createDirectories(jar.getParent());
    Files.writeString(jar, "not really a jar");
    Files.setLastModifiedTime(jar, FileTime.from(Instant.parse("2025-01-01T00:00:00Z")));
  }

  private static Path executable(Path file, String body) throws IOException {
    Files.createDirectories(file.getParent());
    Files.writeString(file, "#!/bin/sh\n" + body + "\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    return file;
  }

  /** The arguments the launcher gave java, one per line, then MALLOC_ARENA_MAX=.... */
  private List<String> launch(Path launcher, Map<String, String> env, String... args)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(launcher.toString()));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().remove("FLUKE_JAR");
    pb.environment().remove("FLUKE_JAVA");
    pb.environment().remove("FLUKE_JAVA_OPTS");
    pb.environment().remove("MALLOC_ARENA_MAX");
    pb.environment().putAll(env);
    Process p = pb.start();
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.exitValue(), out);
    return out.lines().toList();
  }

  private List<String> launch(Map<String, String> extra, String... args) throws Exception {
    Map<String, String> env =
        new HashMap<>(Map.of("FLUKE_JAR", jar.toString(), "FLUKE_JAVA", fakeJava.toString()));
    env.putAll(extra);
    return launch(LAUNCHER, env, args);
  }

  private static void assertEndsWith(List<String> args, String... tail) {
    List<String> expected = List.of(tail);
    assertEquals(
        expected,
        args.subList(args.size() - 1 - expected.size(), args.size() - 1),
        "the command, after the options: " + args);
  }

  @Test
  void theAgentGetsASmallResidentJvm() throws Exception {
    List<String> args = launch(Map.of(), "agent", "--config", "/etc/fluke/agent.hcl");
    for (String option :
        List.of(
            "-XX:+UseSerialGC",
            "-Xmx96m",
            "-XX:TieredStopAtLevel=1",
            "-XX:MaxHeapFreeRatio=20",
            "-XX:CICompilerCount=1",
            "-Djdk.lang.Process.launchMechanism=VFORK",
            "-Dio.grpc.netty.shaded.io.netty.allocator.numDirectArenas=1",
            "-Dio.grpc.netty.shaded.io.netty.allocator.maxOrder=7",
            "-Dslf4j.provider=dev.fluke.app.log.PlainLogProvider")) {
      assertTrue(args.contains(option), option + " in " + args);
    }
    assertEquals("MALLOC_ARENA_MAX=2", args.get(args.size() - 1));
    assertEndsWith(
        args,
        "-cp",
        jar.toString(),
        "dev.fluke.app.Main",
        "agent",
        "--config",
        "/etc/fluke/agent.hcl");
  }

  @Test
  void clientCommandsStartFastAndTheServerKeepsTheJvmDefaults() throws Exception {
    List<String> client = launch(Map.of(), "get", "agents");
    assertTrue(client.contains("-XX:TieredStopAtLevel=1"), client.toString());
    assertTrue(client.contains("-XX:-UsePerfData"), client.toString());
    assertFalse(client.contains("-Xmx96m"), client.toString());
    assertEquals("MALLOC_ARENA_MAX=", client.get(client.size() - 1));

    List<String> server = launch(Map.of(), "server", "--config", "s.hcl");
    assertEquals(
        List.of("-cp", jar.toString(), "dev.fluke.app.Main", "server", "--config", "s.hcl"),
        server.subList(0, server.size() - 1),
        "no options of the launcher's own");
  }

  @Test
  void theOperatorsJavaOptionsComeLastSoTheyWin() throws Exception {
    List<String> args = launch(Map.of("FLUKE_JAVA_OPTS", "-Xmx256m -Dx=1"), "agent");
    int ours = args.indexOf("-Xmx96m");
    int theirs = args.indexOf("-Xmx256m");
    assertTrue(ours >= 0 && theirs > ours, args.toString());
    assertEquals(theirs + 1, args.indexOf("-Dx=1"));
    assertEquals(theirs + 2, args.indexOf("-cp"));
  }

  @Test
  void anArchiveIsUsedOnlyWhenNewerThanTheJar() throws Exception {
    Path client = tmp.resolve("dist/fluke-client.jsa");
    Files.writeString(client, "archive");
    Files.setLastModifiedTime(client, FileTime.from(Instant.parse("2025-06-01T00:00:00Z")));
    assertTrue(
        launch(Map.of(), "version").contains("-XX:SharedArchiveFile=" + client),
        "a fresh archive is used");
    assertFalse(
        launch(Map.of(), "agent").stream().anyMatch(a -> a.startsWith("-XX:SharedArchiveFile")),
        "no agent archive, none used");

    Files.setLastModifiedTime(client, FileTime.from(Instant.parse("2024-06-01T00:00:00Z")));
    assertFalse(
        launch(Map.of(), "version").stream().anyMatch(a -> a.startsWith("-XX:SharedArchiveFile")),
        "an archive older than the jar is left out");
  }

  @Test
  void thePackagedLayoutUsesItsOwnRuntimeJarAndCachedArchives() throws Exception {
    Path root = tmp.resolve("pkg");
    Path lib = root.resolve("usr/lib/fluke");
    Path launcher = lib.resolve("bin/fluke");
    Files.createDirectories(launcher.getParent());
    Files.copy(LAUNCHER, launcher);
    Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.createDirectories(root.resolve("usr/bin"));
    Files.createSymbolicLink(root.resolve("usr/bin/fluke"), Path.of("../lib/fluke/bin/fluke"));
    Path runtimeJava =
        executable(lib.resolve("runtime/bin/java"), "echo RUNTIME; printf '%s\\n' \"$@\"");
    Path packagedJar = lib.resolve("lib/fluke.jar");
    Files.createDirectories(packagedJar.getParent());
    Files.writeString(packagedJar, "jar");
    Files.setLastModifiedTime(packagedJar, FileTime.from(Instant.parse("2025-01-01T00:00:00Z")));
    Path agentArchive = root.resolve("var/cache/fluke/fluke-agent.jsa");
    Files.createDirectories(agentArchive.getParent());
    Files.writeString(agentArchive, "archive");

    List<String> args = launch(root.resolve("usr/bin/fluke"), Map.of(), "agent");
    assertEquals(
        "RUNTIME", args.get(0), "the package's runtime, not a java on the PATH: " + runtimeJava);
    assertTrue(
        args.stream()
            .anyMatch(
                a ->
                    a.startsWith("-XX:SharedArchiveFile=")
                        && Path.of(a.substring(a.indexOf('=') + 1))
                            .normalize()
                            .equals(agentArchive)),
        args.toString());
    int cp = args.indexOf("-cp");
    assertEquals(packagedJar, Path.of(args.get(cp + 1)).normalize());
  }
}
