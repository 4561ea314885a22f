#!/usr/bin/env bash
# Static helpers that go into containers: /bin/usock in the busybox image (busybox has no
# unix-socket client/server) and the --init process. Built from rootfs/tools/*.c.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p dist/tools
cc=${CC:-cc}
if ! command -v "$cc" >/dev/null; then
  echo "warning: no C compiler: --init and the busybox image's usock are unavailable (apt-get install gcc libc6-dev)" >&2
  exit 0
fi
for src in rootfs/tools/*.c; do
  "$cc" -static -Os -s -Wall -o "dist/tools/$(basename "$src" .c)" "$src"
done
