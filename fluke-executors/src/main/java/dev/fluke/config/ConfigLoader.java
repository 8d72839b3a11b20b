package dev.fluke.config;

import dev.fluke.exec.ExecSettings;
import dev.fluke.hcl.Body;
import dev.fluke.hcl.Body.Block;
import dev.fluke.hcl.Body.BodyItem;
import dev.fluke.hcl.Decoded;
import dev.fluke.hcl.Diagnostics;
import dev.fluke.hcl.Durations;
import dev.fluke.hcl.Evaluator;
import dev.fluke.hcl.HclFunctions;
import dev.fluke.hcl.HclParser;
import dev.fluke.hcl.SchemaDecoder;
import dev.fluke.hcl.SourcePos;
import dev.fluke.manifest.DriftPolicy;
import dev.fluke.manifest.FlapLimit;
import dev.fluke.manifest.ManifestError;
import dev.fluke.manifest.RolloutSpec;
import dev.fluke.schema.BlockSchema;
import dev.fluke.schema.Schema;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads {@code server.hcl} and {@code agent.hcl} (SPEC §3, docs/configuration.md) with the strict
 * HCL reader: unknown keys, wrong types, bad durations and bad enum values are errors with their
 * {@code file:line:column}, then the rules across keys are applied (tokens, TLS, alert webhook,
 * files that must exist). All problems are collected and thrown together as one {@link
 * ConfigException}.
 *
 * <p>Config files may use {@code locals} and every manifest function, plus {@code env("NAME")} (an
 * error when unset) and {@code env("NAME", "default")}. Relative file paths are resolved against
 * the config file's directory.
 */
public final class ConfigLoader {
  private static final Pattern SERVER_URL =
      Pattern.compile("(grpcs?)://(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9_.-]+)(?::(\\d{1,5}))?/?");
  private static final Pattern AGENT_NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]*");
  private static final int DEFAULT_PORT = 7070;

  private final Supplier<String> hostname;

  /** A loader whose default agent name is this machine's host name. */
  public ConfigLoader() {
    this(ConfigLoader::systemHostname);
  }

  /**
   * @param hostname the default agent name (tests pass a fixed one)
   */
  public ConfigLoader(Supplier<String> hostname) {
    this.hostname = hostname;
  }

  // ---- entry points

  public ServerConfig loadServer(Path file, Map<String, String> env) throws ConfigException {
    return parseServer(file.toString(), read(file), env);
  }

  public AgentConfig loadAgent(Path file, Map<String, String> env) throws ConfigException {
    return parseAgent(file.toString(), read(file), env);
  }

  /**
   * {@code fileName} names the file in errors; relative paths in it resolve against its directory.
   */
  public ServerConfig parseServer(String fileName, String content, Map<String, String> env)
      throws ConfigException {
    Diagnostics diags = new Diagnostics();
    Decoded server = decodeTop(fileName, content, env, "server", ConfigSchemas.SERVER, diags);
    ServerConfig config =
        server == null ? null : new ServerBuilder(server, env, baseDir(fileName), diags).build();
    if (diags.hasErrors()) {
      throw new ConfigException(ManifestError.all(diags.sorted(List.of(fileName))));
    }
    return config;
  }

  public AgentConfig parseAgent(String fileName, String content, Map<String, String> env)
      throws ConfigException {
    Diagnostics diags = new Diagnostics();
    Decoded agent = decodeTop(fileName, content, env, "agent", ConfigSchemas.AGENT, diags);
    AgentConfig config = agent == null ? null : buildAgent(agent, env, baseDir(fileName), diags);
    if (diags.hasErrors()) {
      throw new ConfigException(ManifestError.all(diags.sorted(List.of(fileName))));
    }
    return config;
  }

  private static String read(Path file) throws ConfigException {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new ConfigException(
          List.of(
              new ManifestError(
                  new SourcePos(file.toString(), 0, 0), "cannot read the config file: " + e)));
    }
  }

  private static Path baseDir(String fileName) {
    Path parent = Path.of(fileName).toAbsolutePath().getParent();
    return parent == null ? Path.of("").toAbsolutePath() : parent;
  }

  private static String systemHostname() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      String env = System.getenv("HOSTNAME");
      return env == null ? "" : env;
    }
  }

  static HclFunctions functions(Map<String, String> env) {
    return HclFunctions.standard()
        .with(
            "env",
            1,
            2,
            "env(name[, default])",
            a -> {
              String name = a.string(0);
              String v = env.get(name);
              if (v != null) {
                return v;
              }
              if (a.size() == 2) {
                return a.value(1);
              }
              throw a.error(
                  0,
                  "environment variable "
                      + name
                      + " is not set (to make it optional write env(\""
                      + name
                      + "\", \"default\"))");
            });
  }

  /** Parses the file, evaluates its locals and decodes its one top-level block; null if absent. */
  private static Decoded decodeTop(
      String fileName,
      String content,
      Map<String, String> env,
      String blockName,
      Schema schema,
      Diagnostics diags) {
    Body body = HclParser.parse(fileName, content, diags);
    Evaluator evaluator = new Evaluator(functions(env), diags);
    List<BodyItem> rest = new ArrayList<>();
    for (BodyItem item : body.items()) {
      if (item instanceof Block b && b.type().equals("locals")) {
        evaluator.defineLocals(b);
      } else {
        rest.add(item);
      }
    }
    evaluator.evaluateLocals();
    Schema top = new Schema(List.of(), List.of(new BlockSchema(blockName, 0, true, false, schema)));
    Decoded file =
        new SchemaDecoder(evaluator, diags)
            .decode(
                rest,
                new SourcePos(fileName, 1, 1),
                top,
                SchemaDecoder.TOP_LEVEL,
                List.of(),
                List.of("locals"));
    return file.block(blockName);
  }

  /** A block's decoded values, or its defaults when the block is absent. */
  private static Decoded orDefaults(Decoded parent, String name, Schema schema) {
    Decoded d = parent.block(name);
    if (d != null) {
      return d;
    }
    return new SchemaDecoder(
            new Evaluator(HclFunctions.standard(), new Diagnostics()), new Diagnostics())
        .decode(List.of(), parent.pos(), schema, name, List.of(), List.of());
  }

  // ---- shared checks

  private static Duration positiveDuration(Decoded d, String key, Diagnostics diags) {
    String s = d.string(key);
    if (s == null) {
      return null;
    }
    Duration v = Durations.parse(s);
    if (v.isZero()) {
      diags.error(d.posOf(key), "\"" + key + "\" in " + d.where() + " must be greater than 0");
      return null;
    }
    return v;
  }

  /**
   * A path resolved against the config's directory that must name a readable file; null if unset.
   */
  private static Optional<Path> existingFile(
      Decoded d, String key, Path baseDir, Diagnostics diags) {
    String s = d.string(key);
    if (s == null) {
      return Optional.empty();
    }
    Path p = baseDir.resolve(s).normalize();
    if (!Files.isRegularFile(p)) {
      diags.error(d.posOf(key), "\"" + key + "\" in " + d.where() + ": no such file " + p);
    } else if (!Files.isReadable(p)) {
      diags.error(d.posOf(key), "\"" + key + "\" in " + d.where() + ": cannot read " + p);
    }
    return Optional.of(p);
  }

  private static LogConfig log(Decoded parent) {
    Decoded log = orDefaults(parent, "log", ConfigSchemas.LOG);
    String level = log.string("level");
    String format = log.string("format");
    return level == null || format == null ? null : LogConfig.of(level, format);
  }

  // ---- server

  /** Builds a {@link ServerConfig} from the decoded block, reporting every rule broken. */
  private static final class ServerBuilder {
    private final Decoded s;
    private final Map<String, String> env;
    private final Path baseDir;
    private final Diagnostics diags;

    ServerBuilder(Decoded s, Map<String, String> env, Path baseDir, Diagnostics diags) {
      this.s = s;
      this.env = env;
      this.baseDir = baseDir;
      this.diags = diags;
    }

    ServerConfig build() {
      ListenAddress grpc = listen("listen_grpc");
      ListenAddress http = listen("listen_http");
      if (grpc != null
          && http != null
          && grpc.port() != 0
          && grpc.port() == http.port()
          && (grpc.host().equals(http.host())
              || grpc.allInterfaces()
              || http.allInterfaces()
              || (grpc.loopback() && http.loopback()))) {
        diags.error(
            s.posOf("listen_http"),
            "listen_http " + http + " uses the same port as listen_grpc " + grpc);
      }
      List<String> agentTokens = tokens("agent_tokens", "FLUKE_AGENT_TOKENS");
      if (agentTokens != null && agentTokens.isEmpty()) {
        diags.error(
            s.posOf("agent_tokens"),
            "no agent token: set agent_tokens = [\"…\"] in "
                + s.where()
                + " or the environment variable FLUKE_AGENT_TOKENS (comma separated)");
      }
      List<String> apiTokens = tokens("api_tokens", "FLUKE_API_TOKENS");
      Path dataDir =
          s.string("data_dir") == null ? null : baseDir.resolve(s.string("data_dir")).normalize();
      ServerConfig.Git git = git();
      Duration reconcile = positiveDuration(s, "reconcile_interval", diags);
      if (reconcile == null && git != null) {
        reconcile = git.pollInterval();
      }
      ServerConfig.Tls tls = tls(grpc, http);
      ServerConfig.Drift drift = drift();
      ServerConfig.EventStore events = eventStore();
      Optional<ServerConfig.Cluster> cluster = cluster(grpc, http, tls);
      Optional<RolloutSpec> rollout =
          s.block("rollout") == null
              ? Optional.empty()
              : RolloutSpec.fromHcl(s.block("rollout"), diags);
      if (diags.hasErrors()) {
        return null;
      }
      return new ServerConfig(
          grpc,
          http,
          agentTokens,
          apiTokens,
          dataDir,
          reconcile,
          git,
          tls,
          drift,
          events,
          log(s),
          cluster,
          rollout);
    }

    /**
     * {@code cluster { listen advertise seeds ca_file plaintext rebalance }}: addresses with fixed
     * ports, a port of its own, and TLS like the listeners: with the server's tls enabled the nodes
     * authenticate each other (ca_file required); plaintext only on loopback or chosen explicitly.
     */
    private Optional<ServerConfig.Cluster> cluster(
        ListenAddress grpc, ListenAddress http, ServerConfig.Tls tls) {
      Decoded c = s.block("cluster");
      if (c == null) {
        return Optional.empty();
      }
      ListenAddress listen = clusterAddress(c, "listen");
      ListenAddress advertise = c.isSet("advertise") ? clusterAddress(c, "advertise") : listen;
      if (listen != null
          && c.isSet("advertise")
          && advertise != null
          && advertise.allInterfaces()) {
        diags.error(
            c.posOf("advertise"),
            "\"advertise\" in "
                + c.where()
                + " must name a host the other nodes can reach, not all interfaces");
      } else if (listen != null && !c.isSet("advertise") && listen.allInterfaces()) {
        diags.error(
            c.posOf("listen"),
            "cluster listen = \""
                + c.string("listen")
                + "\" binds all interfaces: add advertise = \"host:port\" (the address the other"
                + " nodes reach this one at)");
      }
      if (listen != null) {
        for (ListenAddress other : new ListenAddress[] {grpc, http}) {
          if (other != null
              && other.port() == listen.port()
              && (other.host().equals(listen.host())
                  || other.allInterfaces()
                  || listen.allInterfaces())) {
            diags.error(
                c.posOf("listen"),
                "cluster listen " + listen + " uses the same port as the listener " + other);
          }
        }
      }
      List<ListenAddress> seeds = new ArrayList<>();
      if (c.isSet("seeds")) {
        if (c.stringList("seeds").isEmpty()) {
          diags.error(
              c.posOf("seeds"),
              "\"seeds\" in "
                  + c.where()
                  + " must name at least one node (this one, for the first node of a cluster)");
        }
        for (String seed : c.stringList("seeds")) {
          Optional<ListenAddress> a = ListenAddress.parse(seed);
          if (a.isEmpty() || a.get().allInterfaces() || a.get().port() == 0) {
            diags.error(
                c.posOf("seeds"),
                "bad seed \""
                    + seed
                    + "\" in "
                    + c.where()
                    + ": expected host:port of a node's cluster address, e.g. \"10.0.0.1:7072\"");
          } else {
            seeds.add(a.get());
          }
        }
      }
      boolean plaintextChosen = Boolean.TRUE.equals(c.get("plaintext"));
      boolean secure = tls != null && tls.enabled() && !plaintextChosen;
      Optional<Path> ca = existingFile(c, "ca_file", baseDir, diags);
      if (secure && ca.isEmpty()) {
        diags.error(
            c.pos(),
            "the server has tls enabled, so cluster traffic is TLS with mutual authentication:"
                + " set ca_file = \"…\" (the CA that issued the nodes' tls certificates), or choose"
                + " plaintext cluster traffic explicitly with plaintext = true");
      }
      if (!secure && ca.isPresent()) {
        diags.error(
            c.posOf("ca_file"),
            "ca_file authenticates cluster peers over TLS, which needs tls enabled in "
                + s.where()
                + (plaintextChosen ? " and plaintext = false" : ""));
      }
      if (!secure && !plaintextChosen && listen != null && advertise != null) {
        boolean loopbackOnly = listen.loopback() && advertise.loopback();
        for (ListenAddress seed : seeds) {
          loopbackOnly &= seed.loopback();
        }
        if (!loopbackOnly) {
          diags.error(
              c.pos(),
              "cluster traffic would be plaintext off loopback: enable tls in "
                  + s.where()
                  + " (cert_file, key_file) and set ca_file here, or choose plaintext explicitly"
                  + " with plaintext = true (without TLS only loopback addresses such as"
                  + " 127.0.0.1:7072 are used in plaintext)");
        }
      }
      boolean rebalance = !Boolean.FALSE.equals(c.get("rebalance"));
      return Optional.of(new ServerConfig.Cluster(listen, advertise, seeds, secure, ca, rebalance));
    }

    /** A cluster address: host:port with a fixed port (the other nodes must know it). */
    private ListenAddress clusterAddress(Decoded c, String key) {
      String v = c.string(key);
      if (v == null) {
        return null;
      }
      Optional<ListenAddress> a = ListenAddress.parse(v);
      if (a.isEmpty() || a.get().port() == 0) {
        diags.error(
            c.posOf(key),
            "bad address \""
                + v
                + "\" for \""
                + key
                + "\" in "
                + c.where()
                + ": expected host:port with a fixed port, e.g. \"10.0.0.1:7072\"");
        return null;
      }
      return a.get();
    }

    private ListenAddress listen(String key) {
      String v = s.string(key);
      if (v == null) {
        return null;
      }
      Optional<ListenAddress> a = ListenAddress.parse(v);
      if (a.isEmpty()) {
        diags.error(
            s.posOf(key),
            "bad address \""
                + v
                + "\" for \""
                + key
                + "\": expected host:port or :port,"
                + " e.g. \":7070\" (all interfaces) or \"127.0.0.1:7070\"");
        return null;
      }
      return a.get();
    }

    /** Tokens from the file and from the environment variable, both accepted; null if invalid. */
    private List<String> tokens(String key, String envVar) {
      if (s.written(key) && !s.isSet(key)) {
        return null;
      }
      LinkedHashSet<String> out = new LinkedHashSet<>();
      boolean ok = true;
      for (String t : s.stringList(key)) {
        if (t.isBlank()) {
          diags.error(
              s.posOf(key), "\"" + key + "\" in " + s.where() + " must not contain empty tokens");
          ok = false;
        } else {
          out.add(t);
        }
      }
      String fromEnv = env.get(envVar);
      if (fromEnv != null) {
        for (String t : fromEnv.split(",")) {
          if (!t.isBlank()) {
            out.add(t.strip());
          }
        }
      }
      return ok ? List.copyOf(out) : null;
    }

    private ServerConfig.Git git() {
      Decoded g = s.block("git");
      if (g == null) {
        return null;
      }
      Duration poll = positiveDuration(g, "poll_interval", diags);
      Optional<Path> key = existingFile(g, "ssh_key_file", baseDir, diags);
      if (g.isSet("basic_auth_password") && !g.isSet("basic_auth_user")) {
        diags.error(
            g.posOf("basic_auth_password"),
            "basic_auth_password in " + g.where() + " needs basic_auth_user as well");
      }
      if (g.string("url") != null && g.string("url").isBlank()) {
        diags.error(g.posOf("url"), "\"url\" in " + g.where() + " must not be empty");
      }
      return new ServerConfig.Git(
          g.string("url"),
          g.string("branch"),
          poll,
          g.string("manifest_glob"),
          key,
          Optional.ofNullable(g.string("basic_auth_user")),
          Optional.ofNullable(g.string("basic_auth_password")),
          Optional.ofNullable(g.string("webhook_secret")).filter(w -> !w.isEmpty()),
          !"refuse".equals(g.string("on_force_push")));
    }

    /**
     * SPEC §3: plaintext must be chosen explicitly with {@code tls { enabled = false }}, unless
     * both listeners are on loopback only.
     */
    private ServerConfig.Tls tls(ListenAddress grpc, ListenAddress http) {
      Decoded t = s.block("tls");
      if (t == null) {
        if (grpc == null || http == null) {
          return ServerConfig.Tls.plaintext();
        }
        for (String key : List.of("listen_grpc", "listen_http")) {
          ListenAddress a = key.equals("listen_grpc") ? grpc : http;
          if (!a.loopback()) {
            diags.error(
                s.posOf(key),
                "the server has no tls block but "
                    + key
                    + " = \""
                    + s.string(key)
                    + "\" listens on "
                    + (a.allInterfaces() ? "all interfaces" : a.host())
                    + ": add tls { cert_file = \"…\"  key_file = \"…\" }, or choose plaintext explicitly with"
                    + " tls { enabled = false } (without a tls block only loopback addresses such as"
                    + " 127.0.0.1:7070 are served in plaintext)");
            break;
          }
        }
        return ServerConfig.Tls.plaintext();
      }
      if (!t.bool("enabled")) {
        for (String key : List.of("client_ca_file", "crl_file")) {
          if (t.isSet(key)) {
            diags.error(
                t.posOf(key),
                key
                    + " asks agents for a client certificate, which needs TLS: remove it, or"
                    + " enable tls with cert_file and key_file");
          }
        }
        return ServerConfig.Tls.plaintext();
      }
      List<String> missing = new ArrayList<>();
      for (String key : List.of("cert_file", "key_file")) {
        if (!t.isSet(key)) {
          missing.add(key);
        }
      }
      if (!missing.isEmpty()) {
        diags.error(
            t.pos(),
            "tls is enabled but "
                + String.join(" and ", missing)
                + (missing.size() == 1 ? " is" : " are")
                + " not set: give cert_file and key_file, or write enabled = false for plaintext");
      }
      if (t.isSet("crl_file") && !t.isSet("client_ca_file")) {
        diags.error(
            t.posOf("crl_file"),
            "crl_file revokes agent certificates: it needs client_ca_file (the CA that issues"
                + " them)");
      }
      return new ServerConfig.Tls(
          true,
          existingFile(t, "cert_file", baseDir, diags),
          existingFile(t, "key_file", baseDir, diags),
          existingFile(t, "client_ca_file", baseDir, diags),
          existingFile(t, "crl_file", baseDir, diags));
    }

    private ServerConfig.Drift drift() {
      Decoded d = orDefaults(s, "drift", ConfigSchemas.SERVER_DRIFT);
      DriftPolicy policy =
          d.string("policy") == null ? null : DriftPolicy.parse(d.string("policy")).orElseThrow();
      Optional<URI> webhook = Optional.empty();
      String w = d.string("alert_webhook");
      if (w != null) {
        try {
          URI uri = new URI(w);
          String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
          if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
            diags.error(
                d.posOf("alert_webhook"),
                "bad alert_webhook \"" + w + "\": expected an http:// or https:// URL");
          }
          webhook = Optional.of(uri);
        } catch (URISyntaxException e) {
          diags.error(
              d.posOf("alert_webhook"), "bad alert_webhook \"" + w + "\": " + e.getReason());
        }
      }
      if (policy != null && policy.alerts() && w == null && !d.written("alert_webhook")) {
        diags.error(
            d.posOf("policy"),
            "drift policy \""
                + policy
                + "\" sends alerts, so "
                + d.where()
                + " needs alert_webhook = \"https://…\"");
      }
      Integer max = d.wholeNumber("max_remediations", 1, 1_000_000, diags);
      Duration period = positiveDuration(d, "period", diags);
      FlapLimit flap =
          max == null || period == null ? FlapLimit.DEFAULT : new FlapLimit(max, period);
      return new ServerConfig.Drift(policy, webhook, flap);
    }

    private ServerConfig.EventStore eventStore() {
      Decoded es = orDefaults(s, "event_store", ConfigSchemas.EVENT_STORE);
      Decoded memory = orDefaults(es, "memory", ConfigSchemas.EVENT_STORE_MEMORY);
      Decoded redis = orDefaults(es, "redis", ConfigSchemas.EVENT_STORE_REDIS);
      Integer max = memory.wholeNumber("max_events_per_agent", 1, 1_000_000, diags);
      String url = redis.string("url");
      if (url != null && !(url.startsWith("redis://") || url.startsWith("rediss://"))) {
        diags.error(
            redis.posOf("url"),
            "bad redis url \"" + url + "\": expected redis://host:port or rediss://host:port");
      }
      Duration ttl = positiveDuration(redis, "ttl", diags);
      ServerConfig.EventStore.Backend backend =
          es.string("backend") == null
              ? null
              : ServerConfig.EventStore.Backend.valueOf(
                  es.string("backend").toUpperCase(Locale.ROOT));
      return new ServerConfig.EventStore(
          backend,
          new ServerConfig.Memory(max == null ? 0 : max),
          new ServerConfig.Redis(url, redis.string("prefix"), ttl));
    }
  }

  // ---- agent

  /**
   * {@code server_url} (one server) or {@code server_urls} (several, tried in turn): exactly one of
   * them; every URL {@code grpc://host:port} or {@code grpcs://host:port}, all with the same scheme
   * (the tls block applies to every one), none twice. Empty when something is wrong (reported).
   */
  private static List<AgentConfig.ServerUrl> serverUrls(Decoded a, Diagnostics diags) {
    boolean one = a.isSet("server_url");
    boolean several = a.isSet("server_urls");
    if (one && several) {
      diags.error(
          a.posOf("server_urls"),
          "give either server_url (one server) or server_urls (several) in "
              + a.where()
              + ", not both");
      return List.of();
    }
    if (!one && !several) {
      if (!a.written("server_url") && !a.written("server_urls")) {
        diags.error(
            a.pos(),
            "missing server_url in "
                + a.where()
                + ": give server_url = \"grpcs://host:port\", or server_urls = [\"grpcs://a:7070\","
                + " \"grpcs://b:7070\"] for several servers");
      }
      return List.of();
    }
    String key = one ? "server_url" : "server_urls";
    List<String> given = one ? List.of(a.string("server_url")) : a.stringList("server_urls");
    if (given.isEmpty()) {
      diags.error(
          a.posOf(key), "\"server_urls\" in " + a.where() + " must name at least one server");
      return List.of();
    }
    List<AgentConfig.ServerUrl> urls = new ArrayList<>();
    for (String u : given) {
      AgentConfig.ServerUrl url = serverUrl(u);
      if (url == null) {
        diags.error(
            a.posOf(key),
            "bad "
                + key
                + " \""
                + u
                + "\": expected grpc://host:port (plaintext) or grpcs://host:port (TLS)");
      } else if (urls.contains(url)) {
        diags.error(a.posOf(key), "\"" + key + "\" names " + url + " twice");
      } else if (!urls.isEmpty() && urls.get(0).tls() != url.tls()) {
        diags.error(
            a.posOf(key),
            "\""
                + key
                + "\" mixes grpc:// and grpcs:// ("
                + urls.get(0)
                + ", "
                + url
                + "): use one for every server (the tls block applies to all of them)");
      } else {
        urls.add(url);
      }
    }
    return urls.size() == given.size() ? List.copyOf(urls) : List.of();
  }

  /** {@code grpc[s]://host[:port]}, the port 7070 by default; null when it is not such a URL. */
  private static AgentConfig.ServerUrl serverUrl(String u) {
    Matcher m = SERVER_URL.matcher(u.strip());
    if (!m.matches()) {
      return null;
    }
    int port = m.group(3) != null ? Integer.parseInt(m.group(3)) : DEFAULT_PORT;
    if (port < 1 || port > 65535) {
      return null;
    }
    String host =
        m.group(2).startsWith("[") ? m.group(2).substring(1, m.group(2).length() - 1) : m.group(2);
    return new AgentConfig.ServerUrl(host, port, m.group(1).equals("grpcs"));
  }

  private AgentConfig buildAgent(
      Decoded a, Map<String, String> env, Path baseDir, Diagnostics diags) {
    List<AgentConfig.ServerUrl> urls = serverUrls(a, diags);

    String token = a.string("token");
    String envToken = env.get("FLUKE_TOKEN");
    if (envToken != null && envToken.isBlank()) {
      envToken = null;
    }
    if (token != null && token.isBlank()) {
      diags.error(a.posOf("token"), "\"token\" in " + a.where() + " must not be empty");
    } else if (token != null && envToken != null && !token.equals(envToken)) {
      diags.error(
          a.posOf("token"),
          "the token is set both here and in the environment variable FLUKE_TOKEN,"
              + " with different values: set it in one place");
    } else if (token == null && envToken == null && !a.written("token")) {
      diags.error(
          a.pos(),
          "no agent token: set token = \"…\" in "
              + a.where()
              + " or the environment variable FLUKE_TOKEN");
    }
    if (token == null) {
      token = envToken;
    }

    String name = a.string("name");
    if (name == null && !a.written("name")) {
      name = hostname.get();
      if (name == null || !AGENT_NAME.matcher(name).matches()) {
        diags.error(
            a.pos(),
            "cannot use the host name \""
                + name
                + "\" as the agent name: set name = \"…\" in "
                + a.where()
                + " (letters, digits, '_', '-' and '.')");
      }
    } else if (name != null && !AGENT_NAME.matcher(name).matches()) {
      diags.error(
          a.posOf("name"),
          "bad agent name \""
              + name
              + "\": use letters, digits, '_', '-' and '.'"
              + " (names appear in URLs, CLI arguments and events)");
    }

    Map<String, String> labels = a.stringMap("labels");
    for (String key : labels.keySet()) {
      if (key.isBlank()) {
        diags.error(a.posOf("labels"), "label names in " + a.where() + " must not be empty");
      }
    }

    Decoded t = a.block("tls");
    AgentConfig.Tls tls = new AgentConfig.Tls(Optional.empty(), false);
    if (t != null) {
      if (!urls.isEmpty() && !urls.get(0).tls()) {
        String key = a.isSet("server_urls") ? "server_urls" : "server_url";
        diags.error(
            t.pos(),
            "a tls block needs a grpcs:// "
                + key
                + ": with "
                + urls.get(0)
                + " the connection is plaintext (use grpcs:// for TLS, or remove the tls block)");
      }
      if (t.isSet("cert_file") != t.isSet("key_file")) {
        diags.error(
            t.pos(),
            "a client certificate needs both cert_file and key_file in "
                + t.where()
                + " (only "
                + (t.isSet("cert_file") ? "cert_file" : "key_file")
                + " is set)");
      }
      tls =
          new AgentConfig.Tls(
              existingFile(t, "ca_file", baseDir, diags),
              t.bool("insecure_skip_verify"),
              existingFile(t, "cert_file", baseDir, diags),
              existingFile(t, "key_file", baseDir, diags));
    }

    Duration stopGrace = positiveDuration(a, "stop_grace", diags);

    Decoded x = orDefaults(a, "execution", ConfigSchemas.AGENT_EXECUTION);
    Duration timeout = positiveDuration(x, "command_timeout", diags);
    Integer tail = x.wholeNumber("output_tail_bytes", 1, 64 * 1024 * 1024, diags);
    Integer checks =
        x.wholeNumber("check_concurrency", 1, ExecSettings.MAX_CHECK_CONCURRENCY, diags);
    for (String key : List.of("default_shell", "systemctl_path", "mise_path", "sudo_path")) {
      if (x.string(key) != null && x.string(key).isBlank()) {
        diags.error(x.posOf(key), "\"" + key + "\" in " + x.where() + " must not be empty");
      }
    }
    AgentConfig.Execution execution =
        new AgentConfig.Execution(
            x.string("default_shell"),
            timeout,
            x.string("systemctl_path"),
            x.string("mise_path"),
            x.string("sudo_path"),
            tail == null ? 0 : tail,
            checks == null ? ExecSettings.defaultCheckConcurrency() : checks);

    if (diags.hasErrors()) {
      return null;
    }
    return new AgentConfig(
        urls,
        token,
        name,
        labels,
        baseDir.resolve(a.string("state_dir")).normalize(),
        stopGrace,
        tls,
        execution,
        log(a));
  }
}
