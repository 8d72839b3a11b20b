#!/usr/bin/env bash
# Installs the real tools Fluke's tests run (today: mise) into .tools/ of this repository.
# Idempotent: does nothing when the pinned version is already there. Run it from anywhere; CI runs it
# from the repository root on a clean clone. Needs node and npm (mise comes from the npm registry as
# @jdxcode/mise, whose package carries the prebuilt binary).
set -euo pipefail

MISE_VERSION="2026.9.15"

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$root/.tools"
mise="$tools/node_modules/.bin/mise"

installed_version() {
  if [ -x "$mise" ]; then
    # mise writes state even for --version: keep it inside .tools, not in the user's home
    MISE_DATA_DIR="$tools/mise-home/data" MISE_STATE_DIR="$tools/mise-home/state" \
      MISE_CACHE_DIR="$tools/mise-home/cache" MISE_CONFIG_DIR="$tools/mise-home/config" \
      "$mise" --version 2>/dev/null | awk '{print $1}'
  fi
}

have="$(installed_version || true)"
if [ "$have" = "$MISE_VERSION" ]; then
  echo "install-test-tools: mise $MISE_VERSION already installed at $mise"
  exit 0
fi

if ! command -v npm >/dev/null 2>&1; then
  echo "install-test-tools: npm is required to install mise (apt-get install npm)" >&2
  exit 1
fi

echo "install-test-tools: installing mise $MISE_VERSION into $tools (was: ${have:-not installed})"
mkdir -p "$tools"
# --no-save: .tools/ holds no package.json of ours to keep in sync; the version is pinned here
npm install --prefix "$tools" --no-save --no-audit --no-fund --loglevel=error "@jdxcode/mise@$MISE_VERSION"

have="$(installed_version || true)"
if [ "$have" != "$MISE_VERSION" ]; then
  echo "install-test-tools: mise did not install: $mise reports '${have:-nothing}'" >&2
  exit 1
fi
echo "install-test-tools: mise $have installed at $mise"
