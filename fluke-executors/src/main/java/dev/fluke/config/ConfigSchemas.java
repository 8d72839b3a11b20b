package dev.fluke.config;

import dev.fluke.schema.Attr;
import dev.fluke.schema.AttrType;
import dev.fluke.schema.BlockSchema;
import dev.fluke.schema.Schema;
import java.util.List;
import java.util.Map;

/**
 * The schemas of {@code server.hcl} and {@code agent.hcl} (SPEC §3). Defaults live here and only
 * here; docs/configuration.md describes the same keys. Rules across keys (TLS, tokens, alert
 * webhook) are in {@link ConfigLoader}.
 */
public final class ConfigSchemas {
  private ConfigSchemas() {}

  public static final Schema LOG =
      Schema.of(
          Attr.oneOf(
              "level",
              "info",
              List.of("trace", "debug", "info", "warn", "error"),
              "least severe level logged"),
          Attr.oneOf(
              "format",
              "text",
              List.of("text", "json"),
              "text for people, json for log collectors"));

  public static final Schema SERVER_GIT =
      Schema.of(
          Attr.required("url", AttrType.STRING, "repository holding the manifests"),
          Attr.optional("branch", AttrType.STRING, "main", "branch to follow"),
          Attr.optional("poll_interval", AttrType.DURATION, "60s", "how often to fetch"),
          Attr.optional(
              "manifest_glob", AttrType.STRING, "**/*.fluke.hcl", "which files are manifests"),
          Attr.optional(
              "ssh_key_file", AttrType.STRING, null, "private key for ssh:// and git@ URLs"),
          Attr.optional("basic_auth_user", AttrType.STRING, null, "user for https:// URLs"),
          Attr.optional(
              "basic_auth_password",
              AttrType.STRING,
              null,
              "password or access token for https:// URLs"),
          Attr.optional(
              "webhook_secret",
              AttrType.STRING,
              null,
              "secret of the push webhook; unset = webhook off"),
          Attr.oneOf(
              "on_force_push",
              "follow",
              List.of("follow", "refuse"),
              "a rewritten branch: follow it, or refuse it until accepted"));

  public static final Schema SERVER_TLS =
      Schema.of(
          Attr.optional(
              "enabled", AttrType.BOOL, Boolean.TRUE, "false = plaintext, chosen explicitly"),
          Attr.optional("cert_file", AttrType.STRING, null, "certificate chain (PEM)"),
          Attr.optional(
              "key_file",
              AttrType.STRING,
              null,
              "private key (PEM: PKCS#8 RSA/EC/Ed25519, PKCS#1 RSA or SEC1 EC)"),
          Attr.optional(
              "client_ca_file",
              AttrType.STRING,
              null,
              "CA certificate(s) (PEM) of agent certificates; set = agents need one (mutual TLS)"),
          Attr.optional(
              "crl_file",
              AttrType.STRING,
              null,
              "certificate revocation list(s) (PEM or DER) of client_ca_file; re-read on change"));

  public static final Schema SERVER_DRIFT =
      Schema.of(
          Attr.oneOf(
              "policy",
              "remediate",
              List.of("remediate", "remediate_and_alert", "alert_only"),
              "default drift policy of tasks"),
          Attr.optional("alert_webhook", AttrType.STRING, null, "URL alerts are POSTed to"),
          Attr.optional(
              "max_remediations",
              AttrType.NUMBER,
              5L,
              "flap guard of tasks without their own: remediations on one agent within period"),
          Attr.optional(
              "period", AttrType.DURATION, "1h", "flap guard of tasks without their own: period"));

  public static final Schema EVENT_STORE_MEMORY =
      Schema.of(
          Attr.optional(
              "max_events_per_agent", AttrType.NUMBER, 100L, "ring buffer size per agent"));

  public static final Schema EVENT_STORE_REDIS =
      Schema.of(
          Attr.optional(
              "url", AttrType.STRING, "redis://localhost:6379", "redis:// or rediss:// URL"),
          Attr.optional("prefix", AttrType.STRING, "fluke", "key prefix"),
          Attr.optional("ttl", AttrType.DURATION, "168h", "how long events are kept"));

  public static final Schema EVENT_STORE =
      Schema.of(
              Attr.oneOf("backend", "memory", List.of("memory", "redis"), "where events are kept"))
          .withBlocks(
              BlockSchema.optional("memory", EVENT_STORE_MEMORY),
              BlockSchema.optional("redis", EVENT_STORE_REDIS));

  public static final Schema SERVER_CLUSTER =
      Schema.of(
          Attr.required(
              "listen", AttrType.STRING, "host:port this node's cluster transport binds to"),
          Attr.optional(
              "advertise",
              AttrType.STRING,
              null,
              "host:port the other nodes reach this one at; default: listen"),
          Attr.required(
              "seeds", AttrType.STRING_LIST, "host:port of the nodes a starting node joins"),
          Attr.optional(
              "ca_file",
              AttrType.STRING,
              null,
              "CA certificate(s) (PEM) of the nodes' certificates; required when tls is enabled"),
          Attr.optional(
              "plaintext",
              AttrType.BOOL,
              Boolean.FALSE,
              "true = cluster traffic without TLS off loopback, chosen explicitly"),
          Attr.optional(
              "rebalance",
              AttrType.BOOL,
              Boolean.TRUE,
              "a node holding more than its share of the agents hands idle ones to the others"));

  public static final Schema SERVER =
      Schema.of(
              Attr.optional("listen_grpc", AttrType.STRING, ":7070", "address agents connect to"),
              Attr.optional(
                  "listen_http", AttrType.STRING, ":7071", "address of the API, UI and webhook"),
              Attr.optional(
                  "agent_tokens", AttrType.STRING_LIST, null, "tokens agents may present"),
              Attr.optional("api_tokens", AttrType.STRING_LIST, null, "tokens for the API and CLI"),
              Attr.optional(
                  "data_dir", AttrType.STRING, "/var/lib/fluke", "where the Git checkout is kept"),
              Attr.optional(
                  "reconcile_interval",
                  AttrType.DURATION,
                  null,
                  "how often agents are reconciled; default: git.poll_interval"))
          .withBlocks(
              new BlockSchema("git", 0, true, false, SERVER_GIT),
              BlockSchema.optional("tls", SERVER_TLS),
              BlockSchema.optional("drift", SERVER_DRIFT),
              BlockSchema.optional("rollout", dev.fluke.manifest.HclManifestLoader.ROLLOUT),
              BlockSchema.optional("event_store", EVENT_STORE),
              BlockSchema.optional("log", LOG),
              BlockSchema.optional("cluster", SERVER_CLUSTER));

  public static final Schema AGENT_TLS =
      Schema.of(
          Attr.optional(
              "ca_file", AttrType.STRING, null, "CA certificate (PEM) to trust for the server"),
          Attr.optional(
              "insecure_skip_verify",
              AttrType.BOOL,
              Boolean.FALSE,
              "accept any server certificate"),
          Attr.optional(
              "cert_file",
              AttrType.STRING,
              null,
              "this agent's client certificate (PEM) for a server with client_ca_file"),
          Attr.optional("key_file", AttrType.STRING, null, "the key of cert_file (PEM)"));

  public static final Schema AGENT_EXECUTION =
      Schema.of(
          Attr.optional(
              "default_shell", AttrType.STRING, "/bin/bash", "shell running shell check/command"),
          Attr.optional(
              "command_timeout", AttrType.DURATION, "5m", "a step running longer is killed"),
          Attr.optional("systemctl_path", AttrType.STRING, "systemctl", "systemctl binary"),
          Attr.optional("mise_path", AttrType.STRING, "mise", "mise binary"),
          Attr.optional("sudo_path", AttrType.STRING, "sudo", "sudo binary, for run_as"),
          Attr.optional("output_tail_bytes", AttrType.NUMBER, 16384L, "output kept per step"),
          Attr.optional(
              "check_concurrency",
              AttrType.NUMBER,
              null,
              "checks of one request run at the same time; default: the cores, at most 4"));

  public static final Schema AGENT =
      Schema.of(
              Attr.optional(
                  "server_url", AttrType.STRING, null, "grpc://host:port or grpcs://host:port"),
              Attr.optional(
                  "server_urls",
                  AttrType.STRING_LIST,
                  null,
                  "several servers of one control plane, tried in turn (instead of server_url)"),
              Attr.optional("token", AttrType.STRING, null, "agent token; or env FLUKE_TOKEN"),
              Attr.optional("name", AttrType.STRING, null, "agent name; default: host name"),
              Attr.optional("labels", AttrType.STRING_MAP, Map.of(), "labels selectors match"),
              Attr.optional(
                  "state_dir", AttrType.STRING, "/var/lib/fluke-agent", "the agent's own files"),
              Attr.optional(
                  "stop_grace",
                  AttrType.DURATION,
                  "2m",
                  "how long a running apply may take to finish when the agent is stopped"))
          .withBlocks(
              BlockSchema.optional("tls", AGENT_TLS),
              BlockSchema.optional("execution", AGENT_EXECUTION),
              BlockSchema.optional("log", LOG));
}
