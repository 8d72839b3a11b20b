# Example agent configuration. See docs/configuration.md for every key.
agent {
  server_url = "grpcs://control.example.org:7070"
  # Several servers of one control plane instead (the agent starts at a random one and fails over to
  # the next; docs/operations.md, "Several servers"):
  # server_urls = ["grpcs://fluke-a.example.org:7070", "grpcs://fluke-b.example.org:7070"]
  token      = env("FLUKE_TOKEN")
  name       = "web-01"            # default: the host name
  labels     = { role = "web", env = "prod" }

  # How long an apply that runs when the agent is asked to stop may take to finish (then it is killed
  # and reported); the service manager's stop timeout must be longer (docs/operations.md).
  stop_grace = "2m"

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
