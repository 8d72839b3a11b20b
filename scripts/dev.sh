#!/usr/bin/env bash
# README command 1: build Fluke and run `fluke dev`, the embedded default: a server with in-memory
# events, a local manifest repo made from conf/examples, an agent for this host in the same process, and
# the API and dashboard on http://localhost:7071. Stop it with Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-test-tools.sh            # mise (from npm) for the demo's mise task
mvn -B -q -DskipTests package
export PATH="$PWD/.tools/node_modules/.bin:$PATH"
exec bin/fluke dev "$@"
