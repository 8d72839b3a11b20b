package dev.fluke.app;

import static org.junit.jupiter.api.Assertions.*;

import dev.fluke.app.cli.VersionInfo;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The Debian package (issue 12), built once by the one documented command ({@code
 * scripts/package-deb.sh}, from the jar this build made), checked with {@code dpkg-deb} and
 * unpacked ({@code dpkg-deb -x}) into a throw-away tree under {@code target/}: never installed into
 * this machine's root, so the maintainer scripts are checked for syntax and content, not run. The
 * packaged launcher then runs on the packaged Java runtime with no other Java on the PATH.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DebianPackageIT {
  private static final Path CHECKOUT = Path.of("..").toAbsolutePath().normalize();
  private static final Path OUT = Path.of("target", "deb-it").toAbsolutePath();
  private static final Path ROOT = OUT.resolve("root");
  private static final String DEB_VERSION = VersionInfo.current().version().replace('-', '~');
  private static Path deb;

  record Run(int exit, String out) {}

  private static Run run(Map<String, String> env, Path dir, String... command)
      throws IOException, InterruptedException {
    Path log = Files.createTempFile(OUT, "run", ".txt");
    ProcessBuilder pb =
        new ProcessBuilder(command)
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    if (env != null) {
      pb.environment().clear();
      pb.environment().putAll(env);
    }
    Process p = pb.start();
    if (!p.waitFor(15, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      fail(String.join(" ", command) + " did not end");
    }
    return new Run(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
  }

  private static Run run(String... command) throws IOException, InterruptedException {
    return run(null, CHECKOUT, command);
  }

  @BeforeAll
  static void buildThePackage() throws Exception {
    Files.createDirectories(OUT);
    Path jar = Path.of("target", "fluke.jar").toAbsolutePath();
    assertTrue(Files.isRegularFile(jar), "the jar is built before integration tests");
    Map<String, String> env = new java.util.HashMap<>(System.getenv());
    env.put("JAVA_HOME", System.getProperty("java.home"));
    env.put("XDG_CONFIG_HOME", OUT.toString());
    Run build =
        run(
            env,
            CHECKOUT,
            "bash",
            "scripts/package-deb.sh",
            "--jar",
            jar.toString(),
            "--out",
            OUT.toString());
    assertEquals(0, build.exit(), build.out());
    deb = OUT.resolve("fluke_" + DEB_VERSION + "_amd64.deb");
    assertTrue(Files.isRegularFile(deb), build.out());
    run("rm", "-rf", ROOT.toString());
    Run unpack = run("dpkg-deb", "-x", deb.toString(), ROOT.toString());
    assertEquals(0, unpack.exit(), unpack.out());
  }

  @Test
  @Order(1)
  void metadataNamesThePackageItsVersionAndWhatItNeeds() throws Exception {
    Run info = run("dpkg-deb", "--field", deb.toString());
    assertEquals(0, info.exit(), info.out());
    List<String> fields = info.out().lines().toList();
    assertTrue(fields.contains("Package: fluke"), info.out());
    assertTrue(fields.contains("Version: " + DEB_VERSION), info.out());
    assertTrue(fields.contains("Architecture: amd64"), info.out());
    assertTrue(fields.contains("Depends: libc6, zlib1g, passwd"), info.out());
    assertTrue(info.out().contains("neither enabled nor started"), info.out());

    Path control = OUT.resolve("control");
    Files.createDirectories(control);
    Run extracted = run("dpkg-deb", "--control", deb.toString(), control.toString());
    assertEquals(0, extracted.exit(), extracted.out());
    assertEquals(
        List.of(
            "/etc/fluke/server.hcl",
            "/etc/fluke/agent.hcl",
            "/etc/default/fluke-server",
            "/etc/default/fluke-agent"),
        Files.readAllLines(control.resolve("conffiles")),
        "the configuration is kept by upgrades and removal");
    for (String script : List.of("postinst", "prerm", "postrm")) {
      Path file = control.resolve(script);
      assertTrue(Files.isExecutable(file), script);
      Run syntax = run("sh", "-n", file.toString());
      assertEquals(0, syntax.exit(), script + ": " + syntax.out());
    }
    String postinst = Files.readString(control.resolve("postinst"));
    assertTrue(postinst.contains("useradd --system"), "a fluke system user for the server");
    assertFalse(postinst.contains("systemctl enable"), "units are never enabled by the package");
    assertFalse(postinst.contains("systemctl start"), "units are never started by the package");
    String postrm = Files.readString(control.resolve("postrm"));
    assertTrue(postrm.contains("rm -rf /var/lib/fluke /var/lib/fluke-agent"), "purge removes data");
  }

  @Test
  @Order(2)
  void contentsAreTheLauncherRuntimeJarUnitsAndConfigurationAllOwnedByRoot() throws Exception {
    Run listing = run("dpkg-deb", "--contents", deb.toString());
    assertEquals(0, listing.exit(), listing.out());
    String contents = listing.out();
    for (String path :
        List.of(
            "./usr/bin/fluke -> ../lib/fluke/bin/fluke",
            "./usr/lib/fluke/bin/fluke",
            "./usr/lib/fluke/bin/fluke-cds-dump",
            "./usr/lib/fluke/lib/fluke.jar",
            "./usr/lib/fluke/lib/fluke-client.classlist",
            "./usr/lib/fluke/lib/fluke-agent.classlist",
            "./usr/lib/fluke/runtime/bin/java",
            "./usr/lib/fluke/runtime/lib/modules",
            "./lib/systemd/system/fluke-server.service",
            "./lib/systemd/system/fluke-agent.service",
            "./etc/fluke/server.hcl",
            "./etc/fluke/agent.hcl",
            "./etc/default/fluke-server",
            "./etc/default/fluke-agent",
            "./usr/share/doc/fluke/copyright",
            "./usr/share/doc/fluke/operations.md")) {
      assertTrue(contents.contains(path), path + " in\n" + contents);
    }
    for (String line : contents.lines().toList()) {
      assertTrue(line.contains(" root/root "), "owned by root: " + line);
    }
    assertFalse(contents.contains("./usr/lib/fluke/runtime/bin/javac"), "a runtime, not a JDK");
    assertFalse(
        contents.lines().anyMatch(l -> l.contains("./usr/lib/fluke/lib/") && l.endsWith(".jsa")),
        "the jar's archives are made on the host, for the jar there");
    assertTrue(
        contents.contains("./usr/lib/fluke/runtime/lib/server/classes.jsa"),
        "the runtime's own archive of its classes (jlink --generate-cds-archive)");
    assertFalse(contents.contains("./var/"), "state directories are made by postinst and systemd");
  }

  @Test
  @Order(3)
  void unitsStopWithTheAgentsGraceRestartOnFailureAndConfineTheServer() throws Exception {
    Path system = ROOT.resolve("lib/systemd/system");
    List<String> agent = Files.readAllLines(system.resolve("fluke-agent.service"));
    for (String line :
        List.of(
            "ExecStart=/usr/bin/fluke agent --config /etc/fluke/agent.hcl",
            "User=root",
            "KillMode=mixed",
            "KillSignal=SIGTERM",
            "TimeoutStopSec=2m30s",
            "Restart=on-failure",
            "StateDirectory=fluke-agent",
            "WantedBy=multi-user.target")) {
      assertTrue(agent.contains(line), "fluke-agent.service: " + line);
    }
    assertFalse(agent.contains("NoNewPrivileges=yes"), "run_as needs sudo, which is setuid");
    List<String> server = Files.readAllLines(system.resolve("fluke-server.service"));
    for (String line :
        List.of(
            "ExecStart=/usr/bin/fluke server --config /etc/fluke/server.hcl",
            "User=fluke",
            "KillSignal=SIGTERM",
            "Restart=on-failure",
            "StateDirectory=fluke",
            "NoNewPrivileges=yes",
            "ProtectSystem=strict",
            "ProtectHome=yes",
            "PrivateTmp=yes",
            "CapabilityBoundingSet=")) {
      assertTrue(server.contains(line), "fluke-server.service: " + line);
    }
    assertFalse(
        server.stream().anyMatch(l -> l.startsWith("MemoryDenyWriteExecute=yes")),
        "the JIT needs writable and executable memory");
  }

  @Test
  @Order(4)
  void thePackagedFlukeRunsOnItsOwnRuntimeWithNoOtherJavaOnThePath() throws Exception {
    // What the postinst runs on a host, here for the unpacked tree.
    Run dump = run(ROOT.resolve("usr/lib/fluke/bin/fluke-cds-dump").toString(), ROOT.toString());
    assertEquals(0, dump.exit(), dump.out());
    assertTrue(Files.isRegularFile(ROOT.resolve("var/cache/fluke/fluke-client.jsa")));
    assertTrue(Files.isRegularFile(ROOT.resolve("var/cache/fluke/fluke-agent.jsa")));

    // A PATH with the shell tools the launcher uses, and no java.
    Path bin = OUT.resolve("path");
    Files.createDirectories(bin);
    for (String tool : List.of("bash", "readlink", "dirname")) {
      Path link = bin.resolve(tool);
      Files.deleteIfExists(link);
      Files.createSymbolicLink(link, which(tool));
    }
    Map<String, String> env =
        Map.of("PATH", bin.toString(), "HOME", OUT.toString(), "LANG", "C.UTF-8");
    assertNotEquals(0, run(env, OUT, "bash", "-c", "command -v java").exit(), "no java on PATH");

    String fluke = ROOT.resolve("usr/bin/fluke").toString();
    Run version = run(env, OUT, fluke, "version");
    assertEquals(0, version.exit(), version.out());
    List<String> lines = version.out().lines().toList();
    assertEquals("fluke " + VersionInfo.current().version(), lines.get(0));
    assertTrue(
        lines.get(2).endsWith(" at " + ROOT.resolve("usr/lib/fluke/runtime")),
        "the packaged runtime: " + version.out());

    Run validate =
        run(env, OUT, fluke, "validate", CHECKOUT.resolve("conf/examples/manifests").toString());
    assertEquals(0, validate.exit(), validate.out());
    assertTrue(validate.out().startsWith("ok: "), validate.out());

    // The archive the postinst made is the one the launcher starts the client commands with.
    Map<String, String> logged = new java.util.HashMap<>(env);
    logged.put("FLUKE_JAVA_OPTS", "-Xlog:class+load=info");
    Run classes = run(logged, OUT, fluke, "version");
    assertEquals(0, classes.exit(), classes.out());
    long shared =
        classes.out().lines().filter(l -> l.contains("source: shared objects file")).count();
    assertTrue(shared > 1000, "classes from the AppCDS archive: " + shared);
  }

  private static Path which(String tool) {
    for (String dir : List.of("/usr/bin", "/bin")) {
      File f = new File(dir, tool);
      if (f.canExecute()) {
        return f.toPath();
      }
    }
    throw new AssertionError("no " + tool + " in /usr/bin or /bin");
  }
}
