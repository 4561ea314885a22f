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
build() { "$cc" -static -Os -s -Wall -Werror "$@"; }
for src in rootfs/tools/*.c; do
  name=$(basename "$src" .c)
  [ "$name" = launcher ] || build -o "dist/tools/$name" "$src"
done
# The launcher twice: the first build prints the seccomp filter of a container with Docker's
# default capabilities, which the second compiles in (rootfs/tools/launcher.c, load_seccomp).
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
build -o "$tmp/launcher" rootfs/tools/launcher.c -lseccomp
caps=$(node -e "import('./dist/src/containers/capabilities.js').then((m) => console.log(m.DEFAULT_CAPS.join(',')))")
"$tmp/launcher" seccomp-export --caps "$caps" >"$tmp/filter.h"
build -DLAUNCHER_FILTER_H="\"$tmp/filter.h\"" -o dist/tools/launcher rootfs/tools/launcher.c -lseccomp
