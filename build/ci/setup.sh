#!/usr/bin/env bash
# Sets a fresh Debian/Ubuntu machine up for vmdesk's tests: the Debian packages listed in
# build/ci/apt-packages.txt, the npm dependencies, and the guest images (cached in the
# ignored .cache/). Elsewhere it names what to install and stops.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

mapfile -t packages < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' build/ci/apt-packages.txt)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if ! command -v apt-get >/dev/null; then
    echo "setup: this is not a Debian/Ubuntu machine; install the equivalents of: ${missing[*]}" >&2
    exit 1
  fi
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  echo "setup: installing Debian packages: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

echo "setup: npm ci"
ELECTRON_SKIP_BINARY_DOWNLOAD=1 npm ci --no-audit --no-fund

for step in build/ci/setup.d/*.sh; do
  [ -e "$step" ] || continue
  echo "setup: $step"
  bash "$step"
done
echo "setup: done"
