#!/usr/bin/env bash
# Peers side by side (issue 9): the same N no-op checks on this host through
#   - a bare shell loop (N x `sh -c true`): the floor any tool pays to start N processes;
#   - Fluke: a real server and a real `fluke agent` process on loopback (`fluke bench agent`):
#     POST /api/v1/reconcile until the agent is idle again, for one task of N `shell` blocks
#     with check = "true";
#   - Puppet: `puppet apply --noop` of N `exec` resources whose `unless => "true"` is the check;
#   - Ansible: `ansible-playbook --check` on localhost (local connection, no fact gathering) of N
#     `command: "true"` tasks that run in check mode (`check_mode: false`, `changed_when: false`).
# Every check is `/bin/sh -c true` (Puppet's shell provider and Ansible's shell use /bin/sh; Fluke
# is given default_shell = /bin/sh). Prints each median and the ratios, all from one run of this
# script. Installs ansible-core and puppet-agent from Debian when missing (needs root or sudo).
# Run by hand, not by the test command:
#   scripts/bench-peers.sh [--checks 50] [--runs 3] [--fluke-rounds 10] [--skip-ansible] [--skip-puppet]
set -euo pipefail
cd "$(dirname "$0")/.."

checks=50
runs=3
fluke_rounds=10
skip_ansible=false
skip_puppet=false
while [ $# -gt 0 ]; do
  case "$1" in
    --checks) checks="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --fluke-rounds) fluke_rounds="$2"; shift 2 ;;
    --skip-ansible) skip_ansible=true; shift ;;
    --skip-puppet) skip_puppet=true; shift ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "bench-peers: unknown argument $1 (try --help)" >&2; exit 2 ;;
  esac
done

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

need=()
$skip_ansible || command -v ansible-playbook >/dev/null || need+=(ansible-core)
$skip_puppet || command -v puppet >/dev/null || [ -x /usr/bin/puppet ] || need+=(puppet-agent)
if [ ${#need[@]} -gt 0 ]; then
  echo "bench-peers: installing Debian packages: ${need[*]}" >&2
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >&2
fi

work="$(mktemp -d /tmp/fluke-bench-peers-XXXXXX)"
trap 'rm -rf "$work"' EXIT

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# median of the numbers given as arguments
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

# runs "$@" $runs times (after one unmeasured warm-up), prints the median wall time in ms
timed() {
  local times=() t0
  "$@" >"$work/last.log" 2>&1 || { echo "bench-peers: failed: $*" >&2; tail -20 "$work/last.log" >&2; exit 1; }
  for _ in $(seq "$runs"); do
    t0=$(now_ms)
    "$@" >"$work/last.log" 2>&1 || { echo "bench-peers: failed: $*" >&2; tail -20 "$work/last.log" >&2; exit 1; }
    times+=($(( $(now_ms) - t0 )))
  done
  median "${times[@]}"
}

# the loop runs in /bin/sh too (forking from a small shell is cheaper than from bash)
shell_loop() { /bin/sh -c "i=0; while [ \$i -lt $checks ]; do /bin/sh -c true; i=\$((i+1)); done"; }

# Puppet: N exec resources, each checked by its `unless`, never run under --noop
{
  for ((i = 0; i < checks; i++)); do
    printf 'exec { "noop_%d": command => "true", unless => "true", provider => shell }\n' "$i"
  done
} >"$work/noop.pp"
puppet_apply() {
  puppet apply --noop --color=false \
    --confdir "$work/puppet/etc" --vardir "$work/puppet/var" --codedir "$work/puppet/code" \
    --logdir "$work/puppet/log" --rundir "$work/puppet/run" "$work/noop.pp"
}

# Ansible: N tasks that run their command even under --check, and never report a change
{
  echo "- hosts: localhost"
  echo "  gather_facts: false"
  echo "  tasks:"
  for ((i = 0; i < checks; i++)); do
    printf '    - name: noop_%d\n      ansible.builtin.command: "true"\n      check_mode: false\n      changed_when: false\n' "$i"
  done
} >"$work/noop.yml"
ansible_check() {
  ANSIBLE_LOCAL_TEMP="$work/ansible/tmp" ANSIBLE_HOME="$work/ansible" ANSIBLE_NOCOLOR=1 \
    ANSIBLE_RETRY_FILES_ENABLED=false \
    ansible-playbook --check -i localhost, -c local \
    -e ansible_python_interpreter=/usr/bin/python3 "$work/noop.yml"
}

echo "bench-peers: $checks no-op checks on $(hostname) ($(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)), median of $runs runs each" >&2

floor=$(timed shell_loop)

# the agent is started by bin/fluke, as on a host (FLUKE_JAR and FLUKE_JAVA_OPTS, if set, are its)
echo "bench-peers: fluke bench agent --checks $checks --rounds $fluke_rounds --shell /bin/sh ..." >&2
bin/fluke bench agent --checks "$checks" --rounds "$fluke_rounds" --shell /bin/sh \
  --launcher "$PWD/bin/fluke" >"$work/fluke.txt"
cat "$work/fluke.txt" >&2
fluke=$(awk '/reconcile -> agent idle/ {for (i = 1; i <= NF; i++) if ($(i+1) == "ms") {print $i; exit}}' "$work/fluke.txt")
[ -n "$fluke" ] || { echo "bench-peers: no reconcile figure in fluke's output" >&2; exit 1; }

puppet=""
if ! $skip_puppet; then
  echo "bench-peers: puppet apply --noop ..." >&2
  puppet=$(timed puppet_apply)
fi
ansible=""
if ! $skip_ansible; then
  echo "bench-peers: ansible-playbook --check ..." >&2
  ansible=$(timed ansible_check)
fi

row() { # name, ms
  awk -v name="$1" -v ms="$2" -v floor="$floor" -v fluke="$fluke" \
    'BEGIN { printf "  %-52s %9.1f ms  %7.1fx the floor  %7.2fx Fluke\n", name, ms, ms / floor, ms / fluke }'
}
echo "bench-peers: $checks no-op checks, $(date -u +%Y-%m-%d), $(nproc) cores, $(. /etc/os-release && echo "$PRETTY_NAME")"
row "shell loop ($checks x /bin/sh -c true)" "$floor"
row "fluke: POST /api/v1/reconcile -> agent idle" "$fluke"
[ -z "$puppet" ] || row "puppet apply --noop ($(puppet --version))" "$puppet"
[ -z "$ansible" ] || row "ansible-playbook --check ($(ansible-playbook --version 2>/dev/null | awk 'NR == 1 {sub(/.*core /, ""); sub(/\]/, ""); print}'))" "$ansible"
