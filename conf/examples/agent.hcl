# Example agent configuration. See docs/configuration.md for every key.
agent {
  server_url = "grpcs://control.example.org:7070"
  token      = env("FLUKE_TOKEN")
  name       = "web-01"            # default: the host name
  labels     = { role = "web", env = "prod" }

  tls {
    ca_file = "/etc/fluke/tls/ca.crt"
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
