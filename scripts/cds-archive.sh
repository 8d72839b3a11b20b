#!/usr/bin/env bash
# Makes the AppCDS archives that let `fluke` start fast and small (docs/performance.md): the classes a
# role loads, already parsed and verified, mapped from one file at start-up.
#
#   scripts/cds-archive.sh [--lists-only] JAVA JAR OUT_PREFIX [MANIFESTS_DIR]
#
# writes OUT_PREFIX-client.jsa (the commands that ask the server a question: get, describe, version, and
# validate) and OUT_PREFIX-agent.jsa (`fluke agent`). One small archive per role, because this JDK maps an
# archive at a random address and then patches every pointer in it: an archive of all 10,000 classes of
# server, agent and Pekko costs a client command more than it saves. The streaming commands (logs,
# reconcile) use the client archive and load Pekko from the jar. The class lists the archives are made
# from are kept as OUT_PREFIX-client.classlist and OUT_PREFIX-agent.classlist; --lists-only stops there
# (the Debian package ships the lists and dumps the archives on the host, in its postinst: this JDK accepts
# an archive only for the jar at the very path it was made with).
#
# JAVA must be the very java that will use the archives (a JVM ignores an archive made by another build of
# itself), JAR the fluke jar. The script runs what users run, once each, with -XX:DumpLoadedClassList, on
# this machine's loopback: a real `fluke server` (manifests from a throw-away Git repository made from
# MANIFESTS_DIR, default conf/examples/manifests) and a real `fluke agent` whose labels match no task (so it
# runs nothing on this host), then the client commands against them and `fluke validate`. The classes they
# loaded are dumped with -Xshare:dump. bin/fluke and the packaged launcher use an archive when it is newer
# than the jar; the JVM itself checks that the jar is the one the archive was made from (size and
# modification time) and otherwise ignores the archive, silently, and starts as it would without one.
# Needs git and bash; uses nothing outside a temporary directory.
set -euo pipefail

lists_only=false
if [ "${1:-}" = --lists-only ]; then
  lists_only=true
  shift
fi
java=$1
jar=$(readlink -f "$2")
prefix=$3
root="$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)"
manifests=$(readlink -f "${4:-$root/conf/examples/manifests}")

. "$root/scripts/lib/children.sh"

# HTTP status of GET $1 on the server, 000 when it does not answer.
status() {
  local line
  line=$( (exec 3<>"/dev/tcp/127.0.0.1/$http" && printf 'GET %s HTTP/1.0\r\nHost: localhost\r\n\r\n' "$1" >&3 \
    && head -1 <&3) 2>/dev/null || true)
  echo "${line:9:3}"
}

await() {
  local what=$1 path=$2
  # Up to two minutes: a loaded build machine starts a JVM slowly.
  for _ in $(seq 1200); do
    [ "$(status "$path")" = 200 ] && return 0
    sleep 0.1
  done
  echo "cds-archive: $what did not come up; its log:" >&2
  cat "$tmp/$what.log" >&2
  return 1
}

mkdir -p "$tmp/repo" "$tmp/lists" "$tmp/server" "$tmp/agent"
cp -r "$manifests"/. "$tmp/repo/"
git -C "$tmp/repo" init -q -b main
git -C "$tmp/repo" -c user.name=fluke -c user.email=fluke@localhost add -A
git -C "$tmp/repo" -c user.name=fluke -c user.email=fluke@localhost commit -q -m training

grpc=$(free_port)
http=$(free_port)
token=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
cat > "$tmp/server.hcl" <<EOF
server {
  listen_grpc  = "127.0.0.1:$grpc"
  listen_http  = "127.0.0.1:$http"
  agent_tokens = ["$token"]
  data_dir     = "$tmp/server"
  git {
    url           = "file://$tmp/repo"
    poll_interval = "1h"
  }
  tls { enabled = false }
  log { level = "warn" }
}
EOF
cat > "$tmp/agent.hcl" <<EOF
agent {
  server_url = "grpc://127.0.0.1:$grpc"
  token      = "$token"
  name       = "cds-training"
  labels     = { role = "cds-training-matches-no-task" }
  state_dir  = "$tmp/agent"
  log { level = "warn" }
}
EOF

run() { # run NAME ARGS...: one fluke command, its classes listed in lists/NAME
  local name=$1
  shift
  XDG_CONFIG_HOME="$tmp" "$java" -XX:DumpLoadedClassList="$tmp/lists/$name" -cp "$jar" dev.fluke.app.Main "$@"
}
start() { # start NAME [JAVA_OPTION...] -- ARGS...: the same in the background; its pid (the JVM's own, exec'd) joins pids
  local name=$1 opts=()
  shift
  while [ "$1" != -- ]; do
    opts+=("$1")
    shift
  done
  shift
  (exec env XDG_CONFIG_HOME="$tmp" "$java" -XX:DumpLoadedClassList="$tmp/lists/$name" "${opts[@]}" \
    -cp "$jar" dev.fluke.app.Main "$@" > "$tmp/$name.log" 2>&1) &
  pids+=($!)
}

export FLUKE_SERVER="http://127.0.0.1:$http"
start 00-server -- server --config "$tmp/server.hcl"
await 00-server /api/v1/manifest
# the agent as bin/fluke starts it: with its own SLF4J provider, not Logback
start 01-agent -Dslf4j.provider=dev.fluke.app.log.PlainLogProvider -- agent --config "$tmp/agent.hcl"
await 01-agent /api/v1/agents/cds-training

{
  run 10-version version
  run 11-version-json version -o json
  run 20-get-agents get agents
  run 21-get-agents-json get agents -o json
  run 22-get-tasks get tasks
  run 23-get-drift get drift
  run 24-get-events get events
  run 25-get-manifest get manifest
  run 26-describe-agent describe agent cds-training
  run 27-describe-task describe task "$(cd "$manifests" && grep -ho '^task "[^"]*"' -r . | head -1 | cut -d'"' -f2)"
  run 28-not-found describe agent no-such-agent || true
  run 40-validate validate "$manifests"
} > "$tmp/clients.log" 2>&1 || {
  echo "cds-archive: a training command failed; their output:" >&2
  cat "$tmp/clients.log" >&2
  exit 1
}

# Stop agent and server (SIGTERM, as systemd does): their lists are complete once they have exited.
for pid in "${pids[@]}"; do kill -TERM "$pid"; done
for pid in "${pids[@]}"; do wait "$pid" || true; done
pids=()
for name in 00-server 01-agent; do
  [ -s "$tmp/lists/$name" ] || { echo "cds-archive: $name recorded no classes" >&2; exit 1; }
done

# One list per archive, each class once, in first-seen order (a lambda's line must follow its caller's class).
dump() { # dump ROLE LIST...
  local role=$1
  shift
  (cd "$tmp/lists" && cat "$@") | grep -v '^#' | awk '!seen[$0]++' > "$prefix-$role.classlist"
  $lists_only && return 0
  rm -f "$prefix-$role.jsa"
  if ! "$java" -Xshare:dump -XX:SharedClassListFile="$prefix-$role.classlist" \
      -XX:SharedArchiveFile="$prefix-$role.jsa" -cp "$jar" > "$tmp/dump.log" 2>&1; then
    cat "$tmp/dump.log" >&2
    echo "cds-archive: the dump of $prefix-$role.jsa failed" >&2
    exit 1
  fi
  echo "cds-archive: $(grep -vc '^@' "$prefix-$role.classlist") classes into $prefix-$role.jsa" \
    "($(du -h "$prefix-$role.jsa" | cut -f1))"
}
(cd "$tmp/lists" && ls) | grep -E '^[1-4][0-9]-' > "$tmp/client-lists"
# shellcheck disable=SC2046
dump client $(cat "$tmp/client-lists")
dump agent 01-agent
