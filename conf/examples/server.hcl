# Example server configuration. See docs/configuration.md for every key.
server {
  listen_grpc  = ":7070"
  listen_http  = ":7071"
  # Agents present one of these in gRPC metadata. Prefer FLUKE_AGENT_TOKENS (comma separated).
  agent_tokens = [env("FLUKE_AGENT_TOKEN")]
  # Callers of the JSON API present one of these. Without any, the API answers loopback callers only.
  api_tokens   = [env("FLUKE_API_TOKEN")]
  data_dir     = "/var/lib/fluke"

  git {
    url           = "https://git.example.org/infra/fleet.git"
    branch        = "main"
    poll_interval = "60s"
    manifest_glob = "**/*.fluke.hcl"
    basic_auth_user     = "fluke"
    basic_auth_password = env("FLUKE_GIT_PASSWORD")
  }

  tls {
    enabled   = true
    cert_file = "/etc/fluke/tls/server.crt"
    key_file  = "/etc/fluke/tls/server.key"
  }

  drift {
    policy        = "remediate"
    alert_webhook = "https://alerts.example.org/hooks/fluke"
  }

  event_store {
    backend = "memory"
    memory { max_events_per_agent = 100 }
  }

  log {
    level  = "info"
    format = "text"
  }
}
