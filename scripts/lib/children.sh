# Sourced by the scripts that start servers on loopback (cds-archive.sh, bench-agent-floor.sh):
# a temp dir $tmp and an array $pids of the processes they start, both cleaned up on exit (the
# processes killed and waited for, only those), and free_port.
# shellcheck shell=bash

tmp=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT

# A free loopback port: one nothing answers on (bash's /dev/tcp connects, or fails).
free_port() {
  local p
  for _ in $(seq 100); do
    p=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      echo "$p"
      return 0
    fi
  done
  echo "$(basename "$0"): no free port found" >&2
  return 1
}
