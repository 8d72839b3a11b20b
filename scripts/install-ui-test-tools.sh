#!/usr/bin/env bash
# Installs what the web UI tests (fluke-http's *UiIT) drive: Debian's headless-capable Chromium and its
# matching chromedriver. Only when missing, so a second run is instant. The tests never download a browser
# of their own: they use /usr/bin/chromium and /usr/bin/chromedriver (Selenium comes from Maven Central
# with the build). Needs root (or sudo) the first time.
set -euo pipefail

need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -x /usr/bin/chromedriver ] || need+=(chromium-driver)
# Fonts so screenshots render text the same on every machine (a bare image may have none).
dpkg -s fonts-dejavu-core >/dev/null 2>&1 || need+=(fonts-dejavu-core)

if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then
    sudo_cmd=(sudo)
  else
    echo "install-ui-test-tools.sh: need root to install ${need[*]} (apt-get); run it as root" >&2
    exit 1
  fi
fi

echo "install-ui-test-tools.sh: installing Debian packages: ${need[*]}"
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"
/usr/bin/chromium --version
/usr/bin/chromedriver --version
