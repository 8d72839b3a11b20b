#!/usr/bin/env bash
# What an idle agent would weigh without Pekko, Scala and Typesafe Config (issue 9's "idle agent RSS"):
#   1. a real server (the jar) on loopback and a real `fluke agent` started by bin/fluke, its class loading
#      logged;
#   2. that list less Pekko, Scala, Typesafe Config, hidden classes and every Fluke class whose source
#      uses Pekko or Typesafe Config: what an agent runtime in plain Java would still load;
#   3. AgentFloor (scripts/agent-floor/): loads those classes, opens the agent's real gRPC call, registers
#      and answers heartbeats, with the launcher's agent options and an AppCDS archive made for it the
#      way scripts/cds-archive.sh makes the agent's;
#   4. rounds that alternate the floor and the real agent: RSS and threads after --settle.
# The floor lacks what a plain-Java runtime would add (its own classes, the state its actors hold), so it
# is a lower bound. Run by hand, not by the test command:
#   scripts/bench-agent-floor.sh [--jar fluke-app/target/fluke.jar] [--rounds 3] [--settle 25]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

jar=$root/fluke-app/target/fluke.jar
rounds=3
settle=25
while [ $# -gt 0 ]; do
  case "$1" in
    --jar) jar=$(readlink -f "$2"); shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --settle) settle="$2"; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "bench-agent-floor: unknown argument $1" >&2; exit 2 ;;
  esac
done
[ -f "$jar" ] || { echo "bench-agent-floor: no jar at $jar (mvn -B package -DskipTests)" >&2; exit 2; }
export FLUKE_JAR=$jar   # bin/fluke runs this jar (and finds its archives beside it)

. scripts/lib/children.sh

# The launcher's options for an agent, read from bin/fluke itself (its `agent)` case), so the floor
# runs with exactly what a real agent gets.
mapfile -t agent_opts < <(sed -n '/^  agent)/,/^    )/p' bin/fluke | sed 's/#.*//' | grep -o -- '-[^ ]*')
printf '%s\n' "${agent_opts[@]}" | grep -qx -- '-XX:+UseSerialGC' \
  || { echo "bench-agent-floor: cannot read the agent's options from bin/fluke" >&2; exit 1; }

grpc=$(free_port)
http=$(free_port)
token=floor-$RANDOM$RANDOM
git init -q -b main "$tmp/repo"
cp -r conf/examples/manifests/. "$tmp/repo/"
git -C "$tmp/repo" add -A
git -C "$tmp/repo" -c user.email=bench@localhost -c user.name=bench commit -qm manifests
cat > "$tmp/server.hcl" <<EOF
server {
  listen_grpc  = "127.0.0.1:$grpc"
  listen_http  = "127.0.0.1:$http"
  agent_tokens = ["$token"]
  data_dir     = "$tmp/server-data"
  tls { enabled = false }
  git { url = "file://$tmp/repo" }
}
EOF
XDG_CONFIG_HOME=$tmp java -jar "$jar" server --config "$tmp/server.hcl" > "$tmp/server.log" 2>&1 &
pids+=($!)
for _ in $(seq 600); do
  curl -fs "http://127.0.0.1:$http/readyz" > /dev/null 2>&1 && break
  sleep 0.1
done
curl -fs "http://127.0.0.1:$http/readyz" > /dev/null \
  || { echo "bench-agent-floor: the server did not come up; its log:" >&2; cat "$tmp/server.log" >&2; exit 1; }

agent_config() { # name
  cat > "$tmp/$1.hcl" <<EOF
agent {
  server_url = "grpc://127.0.0.1:$grpc"
  token      = "$token"
  name       = "$1"
  state_dir  = "$tmp/$1-state"
}
EOF
}

# 1. the classes a real agent loads
agent_config classes
FLUKE_JAVA_OPTS="-Xlog:class+load=info:file=$tmp/agent-classes.log" \
  bin/fluke agent --config "$tmp/classes.hcl" > "$tmp/classes.log" 2>&1 &
pid=$!
pids+=($pid)
sleep "$settle"
kill "$pid"
wait "$pid" 2>/dev/null || true

# 2. less Pekko, Scala, Typesafe Config and the Fluke classes written on them
grep -rlE 'org\.apache\.pekko|com\.typesafe\.config' --include='*.java' ./*/src/main/java \
  | sed -E 's#.*/src/main/java/##; s#\.java$##; s#/#.#g' > "$tmp/on-pekko.txt"
awk '{print $2}' "$tmp/agent-classes.log" \
  | grep -vE '^(org\.apache\.pekko|scala|com\.typesafe\.config)\.|\$\$Lambda|/0x' \
  | awk -v f="$tmp/on-pekko.txt" 'BEGIN{while((getline l < f)>0) drop[l]=1}
      {c=$0; sub(/\$.*/, "", c); if (!(c in drop)) print}' > "$tmp/floor-classes.txt"
echo "classes: the real agent loaded $(wc -l < "$tmp/agent-classes.log"), the floor loads $(wc -l < "$tmp/floor-classes.txt") of them"

# 3. the floor and its archive
mkdir -p "$tmp/floor"
javac -cp "$jar" -d "$tmp/floor" scripts/agent-floor/AgentFloor.java
(cd "$tmp/floor" && jar cf ../floor.jar .)
cp="$jar:$tmp/floor.jar"
floor_args=("$tmp/floor-classes.txt" 127.0.0.1 "$grpc" "$token")
timeout "$((settle / 2 + 10))" java -XX:DumpLoadedClassList="$tmp/floor.classlist" -cp "$cp" AgentFloor \
  "${floor_args[@]}" floor-list > "$tmp/floor-list.log" 2>&1 || true
grep -q registered "$tmp/floor-list.log" \
  || { echo "bench-agent-floor: the floor did not register; its log:" >&2; cat "$tmp/floor-list.log" >&2; exit 1; }
java -Xshare:dump -XX:SharedClassListFile="$tmp/floor.classlist" -XX:SharedArchiveFile="$tmp/floor.jsa" \
  -cp "$cp" > "$tmp/floor-dump.log" 2>&1

# 4. alternate rounds
measure() { # label (a file name), what it is, command...
  local label=$1 what=$2 pid rss threads
  shift 2
  MALLOC_ARENA_MAX=2 "$@" > "$tmp/$label.log" 2>&1 &
  pid=$!
  pids+=($pid)
  sleep "$settle"
  rss=$(awk '/^VmRSS/{print $2}' "/proc/$pid/status")
  threads=$(awk '/^Threads/{print $2}' "/proc/$pid/status")
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  awk -v w="$what" -v r="$rss" -v t="$threads" 'BEGIN{printf "  %-44s RSS %6.1f MiB, %s threads\n", w, r / 1024, t}'
  echo "$rss" >> "$tmp/$label.rss"
}
echo "idle after $settle s, $rounds rounds, alternating (Java $(java -version 2>&1 | head -1 | cut -d'"' -f2)):"
for r in $(seq "$rounds"); do
  measure floor "floor (no Pekko, Scala, Typesafe Config)" \
    java "${agent_opts[@]}" -XX:SharedArchiveFile="$tmp/floor.jsa" -Xshare:auto -cp "$cp" AgentFloor \
    "${floor_args[@]}" "floor-$r"
  agent_config "agent-$r"
  measure agent "real agent (bin/fluke agent)" bin/fluke agent --config "$tmp/agent-$r.hcl"
done
median() { sort -n "$1" | awk '{a[NR]=$1} END{print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
awk -v f="$(median "$tmp/floor.rss")" -v a="$(median "$tmp/agent.rss")" 'BEGIN{
  printf "median RSS: floor %.1f MiB, real agent %.1f MiB: the floor is %.1f MiB less (x%.2f)\n",
    f / 1024, a / 1024, (a - f) / 1024, f / a}'
