# An agent of the three-node example cluster (README, "A three-node cluster on one machine"): it starts
# at a random node and, when that node stops or dies, moves to another one.
#   FLUKE_AGENT_TOKEN=dev-token fluke agent --config conf/examples/cluster/agent.hcl
# Its tasks are the example manifests' role = "demo" ones: they touch only /tmp/fluke-demo.
agent {
  server_urls = ["grpc://127.0.0.1:7070", "grpc://127.0.0.1:7080", "grpc://127.0.0.1:7090"]
  token       = env("FLUKE_AGENT_TOKEN")
  name        = "cluster-demo"
  labels      = { role = "demo" }
  state_dir   = "/tmp/fluke-cluster/agent"
}
