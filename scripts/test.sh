#!/usr/bin/env bash
# README command 2: install what the tests need, then build and run every test (unit and integration).
# Runs on a clean clone of a fresh machine with Java 17, Maven, Node/npm and root. CI runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the tests use (installed only when missing).
need=()
command -v git >/dev/null || need+=(git)
command -v redis-server >/dev/null || need+=(redis-server)   # the Redis event store's tests
[ -x /usr/bin/sudo ] || need+=(sudo)                          # run_as through the real sudo (RealSudoIT)
# HashiCorp's own HCL, built offline from Debian's Go sources, for HclConformanceIT
command -v go >/dev/null || need+=(golang-go)
[ -d /usr/share/gocode/src/github.com/hashicorp/hcl/v2 ] || need+=(golang-github-hashicorp-hcl-v2-dev)
command -v openssl >/dev/null || need+=(openssl)              # keys, certificates and CRLs of the TLS tests
if [ ${#need[@]} -gt 0 ]; then
  echo "test.sh: installing Debian packages: ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
fi

scripts/install-test-tools.sh            # real mise from npm into .tools/
scripts/install-ui-test-tools.sh         # Debian chromium + chromium-driver for the UI tests
mvn -B verify
