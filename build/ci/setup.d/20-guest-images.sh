#!/usr/bin/env bash
# Debian's i386 kernel and busybox, and the initramfs built from them (cached in .cache/guest).
set -euo pipefail
npm run --silent setup:guest
