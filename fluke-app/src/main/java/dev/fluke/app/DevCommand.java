package dev.fluke.app;

import com.typesafe.config.ConfigFactory;
import dev.fluke.app.cli.CliException;
import dev.fluke.app.cli.FlukeCommand;
import dev.fluke.config.AgentConfig;
import dev.fluke.config.LogConfig;
import dev.fluke.config.ServerConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.transport.RefSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code fluke dev}: the embedded default. One process runs a server with in-memory events on a
 * local Git repository made from {@code conf/examples/manifests}, an agent for this host (labels
 * {@code role=demo, env=dev}) and the HTTP API on :7071, so a new user sees a real reconcile within
 * seconds. Everything the demo manifests touch lives under {@code /tmp/fluke-demo}.
 */
@Command(
    name = "dev",
    description =
        "Run the embedded default: a server, an agent for this host and the API on :7071, "
            + "manifests from a local Git repo made from conf/examples.",
    mixinStandardHelpOptions = true)
public final class DevCommand implements Callable<Integer> {
  static final Map<String, String> DEV_LABELS = Map.of("role", "demo", "env", "dev");
  static final Path DEMO_ROOT = Path.of("/tmp/fluke-demo");
  private static final PersonIdent AUTHOR = new PersonIdent("Fluke dev", "dev@fluke.invalid");

  @Spec CommandSpec spec;

  @Option(
      names = "--dir",
      defaultValue = ".fluke-dev",
      paramLabel = "DIR",
      description =
          "where the manifest repo and the server's and agent's state live (default: ${DEFAULT-VALUE})")
  Path dir;

  @Option(
      names = "--examples",
      paramLabel = "DIR",
      description =
          "the examples to seed the manifest repo from (default: conf/examples of this checkout)")
  Path examples;

  @Option(
      names = "--http-port",
      defaultValue = "7071",
      description = "API port (default: ${DEFAULT-VALUE})")
  int httpPort;

  @Option(
      names = "--grpc-port",
      defaultValue = "7070",
      description = "agents' gRPC port (default: ${DEFAULT-VALUE})")
  int grpcPort;

  @Option(
      names = "--poll-interval",
      defaultValue = "5s",
      description = "how often the manifest repo is polled (default: ${DEFAULT-VALUE})",
      converter = dev.fluke.app.cli.DurationConverter.class)
  Duration pollInterval;

  @Option(
      names = "--nodes",
      defaultValue = "1",
      paramLabel = "N",
      description =
          "server nodes: 1 runs the server in this process; 2 to 9 start that many `fluke server`"
              + " processes as one cluster on loopback (node i on the ports + 10 × (i − 1), the"
              + " cluster port above the API's), started again when one exits, and the agent"
              + " dials them all (default: ${DEFAULT-VALUE})")
  int nodes;

  @Override
  public Integer call() {
    if (nodes < 1 || nodes > 9) {
      throw new CliException("--nodes must be from 1 to 9, not " + nodes);
    }
    FlukeCommand root = (FlukeCommand) spec.root().userObject();
    Path home = dir.toAbsolutePath().normalize();
    Path seed = examples != null ? examples.toAbsolutePath() : locateExamples();
    Path manifests = home.resolve("manifests");
    boolean seeded = seedManifestRepo(seed.resolve("manifests"), manifests);
    if (Files.isDirectory(seed.resolve("demo-app"))) {
      seedDemoAppRepo(seed.resolve("demo-app"), DEMO_ROOT.resolve("demo-app.git"));
    }

    String token = HexFormat.of().formatHex(new SecureRandom().generateSeed(24));
    LogSetup.apply(LogConfig.defaults());
    String mise = misePath(root.env(), seed);
    if (nodes > 1) {
      return runCluster(root, home, manifests, seeded, token, mise);
    }
    ServerConfig server = serverConfig(home, manifests, token);
    AgentConfig agent =
        agentConfig(
            home, token, mise, List.of(new AgentConfig.ServerUrl("127.0.0.1", grpcPort, false)));
    try (ServerNode serverNode = ServerNode.start(server, ConfigFactory.load());
        AgentNode agentNode = AgentNode.start(agent, root.env(), ConfigFactory.load())) {
      banner(spec.commandLine().getOut(), serverNode, manifests, seeded, agent);
      serverNode.awaitTermination();
    } catch (IllegalStateException e) {
      throw new CliException(
          e.getMessage() + " (is another fluke running? try --http-port / --grpc-port)", e);
    }
    return 0;
  }

  private ServerConfig serverConfig(Path home, Path manifests, String token) {
    return ServerNode.loopbackConfig(
        home.resolve("server"),
        manifests,
        grpcPort,
        httpPort,
        token,
        pollInterval,
        Duration.ofSeconds(30),
        200);
  }

  /**
   * {@code --nodes N}: the nodes as child processes ({@link DevCluster}), then, once they are one
   * cluster, this process's agent with every node in its {@code server_urls}.
   */
  private int runCluster(
      FlukeCommand root, Path home, Path manifests, boolean seeded, String token, String mise) {
    PrintWriter out = spec.commandLine().getOut();
    List<DevCluster.Node> layout = DevCluster.layout(home, nodes, grpcPort, httpPort);
    out.println(
        "Starting " + nodes + " server nodes (their logs: " + home + "/node-*/server.log) ...");
    out.flush();
    try (DevCluster cluster = DevCluster.start(layout, manifests, token, pollInterval, out)) {
      Thread stopNodes = new Thread(cluster::close, "fluke-dev-stop-nodes");
      Runtime.getRuntime().addShutdownHook(stopNodes);
      String notUp = cluster.awaitUp(Duration.ofMinutes(3));
      if (notUp != null) {
        throw new CliException(
            notUp
                + ": see "
                + home
                + "/node-*/server.log (is another fluke running? try --http-port / --grpc-port)");
      }
      List<AgentConfig.ServerUrl> urls =
          layout.stream()
              .map(n -> new AgentConfig.ServerUrl("127.0.0.1", n.grpcPort(), false))
              .toList();
      AgentConfig agent = agentConfig(home, token, mise, urls);
      try (AgentNode agentNode = AgentNode.start(agent, root.env(), ConfigFactory.load())) {
        clusterBanner(out, cluster, manifests, seeded, agent);
        agentNode.awaitTermination();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return 0;
  }

  private void clusterBanner(
      PrintWriter out, DevCluster cluster, Path manifests, boolean seeded, AgentConfig agent) {
    synchronized (out) {
      out.println();
      out.println("Fluke dev is running: a cluster of " + nodes + " server nodes.");
      if (nodes % 2 == 0) {
        out.println(
            "  (an even number: the cluster keeps a majority, so it survives no more lost nodes"
                + " than with "
                + (nodes - 1)
                + "; docs/cluster.md)");
      }
      for (DevCluster.Node n : cluster.nodes()) {
        out.printf(
            "  Node %d:  %s/  (agents :%d, cluster :%d)  pid %d%n",
            n.number(),
            n.api().replace("127.0.0.1", "localhost"),
            n.grpcPort(),
            n.clusterPort(),
            cluster.pid(n.number()));
      }
      out.println(
          "  Agent:   "
              + agent.name()
              + " "
              + agent.labels()
              + ", dialing the "
              + nodes
              + " nodes");
      out.println("  Manifest repo:  " + manifests + (seeded ? " (new, from conf/examples)" : ""));
      out.println("  Demo files:     " + DEMO_ROOT);
      out.println();
      out.println("Try, in another terminal:");
      String other = " --server " + cluster.nodes().get(1).api().replace("127.0.0.1", "localhost");
      String first = httpPort == 7071 ? "" : " --server http://localhost:" + httpPort;
      out.println("  bin/fluke get nodes" + first + "            # which node holds the agent");
      out.println("  bin/fluke get agents" + other + "   # the whole fleet from any node");
      out.println(
          "  kill -9 <that node's pid>      # the agent moves to another node; dev starts the node again");
      out.println();
      out.println("Press Ctrl-C to stop (every node leaves the cluster and stops).");
      out.flush();
    }
  }

  private AgentConfig agentConfig(
      Path home, String token, String mise, List<AgentConfig.ServerUrl> servers) {
    return new AgentConfig(
        servers,
        token,
        hostname(),
        DEV_LABELS,
        home.resolve("agent"),
        Duration.ofSeconds(10),
        new AgentConfig.Tls(Optional.empty(), false),
        new AgentConfig.Execution(
            "/bin/bash", Duration.ofMinutes(5), "systemctl", mise, "sudo", 16_384),
        LogConfig.defaults());
  }

  private void banner(
      PrintWriter out, ServerNode server, Path manifests, boolean seeded, AgentConfig agent) {
    String api = "http://localhost:" + server.httpPort();
    out.println();
    out.println("Fluke dev is running.");
    out.println("  Dashboard:      " + api + "/");
    out.println("  API:            " + api + "/api/v1/agents");
    out.println("  Agent:          " + agent.name() + " " + agent.labels());
    out.println("  Manifest repo:  " + manifests + (seeded ? " (new, from conf/examples)" : ""));
    out.println(
        "                  edit a manifest there and `git commit`: it is applied within seconds");
    out.println("  Demo files:     " + DEMO_ROOT);
    out.println();
    out.println("Try, in another terminal:");
    String server8 = server.httpPort() == 7071 ? "" : " --server " + api;
    out.println("  bin/fluke get agents" + server8);
    out.println("  bin/fluke get drift" + server8);
    out.println("  bin/fluke reconcile task demo_review --wait" + server8);
    out.println("  bin/fluke logs agent " + agent.name() + " -f" + server8);
    out.println();
    out.println("Press Ctrl-C to stop.");
    out.flush();
  }

  /**
   * conf/examples of this checkout: next to the working dir, or next to the jar (fluke-app/target).
   */
  private static Path locateExamples() {
    Path cwd = Path.of("").toAbsolutePath().resolve("conf/examples");
    if (Files.isDirectory(cwd)) {
      return cwd;
    }
    try {
      Path jar =
          Path.of(DevCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      for (Path p = jar.getParent(); p != null; p = p.getParent()) {
        if (Files.isDirectory(p.resolve("conf/examples/manifests"))) {
          return p.resolve("conf/examples");
        }
      }
    } catch (java.net.URISyntaxException | SecurityException e) {
      // fall through to the error below
    }
    throw new CliException(
        "cannot find conf/examples: run from the Fluke checkout or pass --examples DIR");
  }

  /** mise on PATH, else the copy scripts/install-test-tools.sh puts in .tools/ of the checkout. */
  static String misePath(Map<String, String> env, Path examples) {
    String path = env.getOrDefault("PATH", "");
    for (String d : path.split(":")) {
      if (!d.isEmpty() && Files.isExecutable(Path.of(d, "mise"))) {
        return Path.of(d, "mise").toString();
      }
    }
    Path local =
        examples.toAbsolutePath().getParent().getParent().resolve(".tools/node_modules/.bin/mise");
    return Files.isExecutable(local) ? local.toString() : "mise";
  }

  /**
   * Creates the manifest repo from the examples unless it exists; returns true when it was created.
   */
  static boolean seedManifestRepo(Path from, Path repo) {
    if (Files.isDirectory(repo.resolve(".git"))) {
      return false;
    }
    try (Git git = Git.init().setDirectory(repo.toFile()).setInitialBranch("main").call()) {
      copyTree(from, repo);
      git.add().addFilepattern(".").call();
      git.commit()
          .setMessage("Manifests from conf/examples")
          .setAuthor(AUTHOR)
          .setCommitter(AUTHOR)
          .setSign(false)
          .call();
      return true;
    } catch (GitAPIException e) {
      throw new CliException(
          "cannot create the manifest repo in " + repo + ": " + e.getMessage(), e);
    }
  }

  /**
   * The demo app's own repo, cloned by the demo's mise block; made once from
   * conf/examples/demo-app.
   */
  static void seedDemoAppRepo(Path from, Path bare) {
    if (Files.isDirectory(bare.resolve("refs"))) {
      return;
    }
    Path work = bare.resolveSibling("demo-app-seed");
    try {
      deleteTree(work);
      try (Git init =
              Git.init().setDirectory(bare.toFile()).setBare(true).setInitialBranch("main").call();
          Git git = Git.init().setDirectory(work.toFile()).setInitialBranch("main").call()) {
        copyTree(from, work);
        git.add().addFilepattern(".").call();
        git.commit()
            .setMessage("Demo app")
            .setAuthor(AUTHOR)
            .setCommitter(AUTHOR)
            .setSign(false)
            .call();
        git.push()
            .setRemote(bare.toUri().toString())
            .setRefSpecs(new RefSpec("refs/heads/main:refs/heads/main"))
            .call();
      }
      deleteTree(work);
    } catch (GitAPIException e) {
      throw new CliException(
          "cannot create the demo app repo in " + bare + ": " + e.getMessage(), e);
    }
  }

  private static void copyTree(Path from, Path to) {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        Path target = to.resolve(from.relativize(f).toString());
        if (Files.isDirectory(f)) {
          Files.createDirectories(target);
        } else {
          Files.copy(f, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot copy " + from + " to " + to, e);
    }
  }

  private static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + dir, e);
    }
  }

  private static String hostname() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return Optional.ofNullable(System.getenv("HOSTNAME")).orElse("localhost");
    }
  }
}
