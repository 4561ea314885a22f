#!/usr/bin/env bash
# One command from a fresh clone: system tools, node modules, build, then the main demo.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "Error: minirun needs root (namespaces, bridges, nftables); run: sudo $0" >&2; exit 1; }
bash scripts/install-deps.sh --update
npm ci --no-audit --no-fund
npm run build
bash examples/demo.sh
