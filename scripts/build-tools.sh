#!/usr/bin/env bash
# minirun's static C programs (rootfs/tools/*.c): the launcher that starts and enters every
# container (with libseccomp), the --init process, and /bin/usock for the busybox image.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p dist/tools
cc=${CC:-cc}
if ! command -v "$cc" >/dev/null || [ ! -e /usr/include/seccomp.h ]; then
  echo "error: minirun's launcher needs a C compiler and libseccomp: apt-get install gcc libc6-dev libseccomp-dev (or run scripts/install-deps.sh)" >&2
  exit 1
fi
for src in rootfs/tools/*.c; do
  name=$(basename "$src" .c)
  libs=()
  [ "$name" = launcher ] && libs=(-lseccomp)
  "$cc" -static -Os -s -Wall -Werror -o "dist/tools/$name" "$src" "${libs[@]}"
done
