# Fluke agent configuration (installed by the fluke package; kept on upgrade and removal).
# Every key: /usr/share/doc/fluke/configuration.md. Start with: systemctl enable --now fluke-agent
agent {
  server_url = "grpcs://control.example.org:7070"
  # The agent token: set FLUKE_TOKEN in /etc/default/fluke-agent rather than here.
  labels     = { role = "web", env = "prod" }
  state_dir  = "/var/lib/fluke-agent"

  # How long an apply that is running when the agent is asked to stop may take to finish
  # (fluke-agent.service gives the agent 2m30s before it is killed).
  stop_grace = "2m"

  tls {
    # ca_file = "/etc/fluke/tls/ca.crt"
  }

  execution {
    default_shell   = "/bin/bash"
    command_timeout = "5m"
  }

  log {
    level  = "info"
    format = "text"
  }
}
