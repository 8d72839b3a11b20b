# Node 3 of a three-node cluster on ONE machine (loopback, plaintext): try cluster mode locally.
# See docs/cluster.md. Start the three in three terminals (any order):
#   FLUKE_AGENT_TOKEN=dev-token fluke server --config conf/examples/cluster/server-3.hcl
# Then: fluke get nodes --server http://127.0.0.1:7091
server {
  listen_grpc  = "127.0.0.1:7090"   # agents of this node
  listen_http  = "127.0.0.1:7091"   # API and UI of this node (every node answers for the whole fleet)
  agent_tokens = [env("FLUKE_AGENT_TOKEN")]
  data_dir     = "/tmp/fluke-cluster/node-3"

  git {
    # the same repository on every node (here: the example manifests of this checkout, as a local repo)
    url           = "file:///tmp/fluke-cluster/manifests"
    poll_interval = "10s"
  }

  tls { enabled = false }   # loopback only; a real cluster uses tls + cluster.ca_file

  cluster {
    listen = "127.0.0.1:7092"
    seeds  = ["127.0.0.1:7072", "127.0.0.1:7082", "127.0.0.1:7092"]
  }
}
