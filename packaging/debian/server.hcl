# Fluke server configuration (installed by the fluke package; kept on upgrade and removal).
# Every key: /usr/share/doc/fluke/configuration.md. Start with: systemctl enable --now fluke-server
server {
  listen_grpc  = ":7070"
  listen_http  = ":7071"
  # Agents present one of these. Set FLUKE_AGENT_TOKENS in /etc/default/fluke-server rather than here.
  agent_tokens = []
  # Callers of the HTTP API (fluke get ...). Without any, the API answers callers on this host only.
  # Set FLUKE_API_TOKENS in /etc/default/fluke-server.
  api_tokens   = []
  data_dir     = "/var/lib/fluke"

  git {
    url           = "https://git.example.org/infra/fleet.git"
    branch        = "main"
    poll_interval = "60s"
  }

  # TLS for both listeners. The key must be readable by the fluke user (group fluke, mode 0640).
  tls {
    enabled   = true
    cert_file = "/etc/fluke/tls/server.crt"
    key_file  = "/etc/fluke/tls/server.key"
  }

  log {
    level  = "info"
    format = "text"
  }
}
