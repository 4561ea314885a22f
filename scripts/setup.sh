#!/usr/bin/env bash
# One command from a fresh clone: system tools, node modules, build, then the main demo.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "Error: minirun needs root (namespaces, bridges, nftables); run: sudo $0" >&2; exit 1; }
bash scripts/install-deps.sh --update
npm ci --no-audit --no-fund
npm run build
# The demo runs in a throwaway network + mount namespace with its own store, so it changes
# nothing on this machine (no bridge, nft table or sysctl outside it). To run it on the host
# itself, as you would use minirun: sudo bash examples/demo.sh
tmp=$(mktemp -d /tmp/minirun-demo-XXXX)
trap 'rm -rf "$tmp"' EXIT
unshare --net --mount --propagation private --fork \
  env MINIRUN_ROOT="$tmp/root" MINIRUN_RUNTIME_DIR="$tmp/run" \
  bash -c 'ip link set lo up && bash examples/demo.sh'
