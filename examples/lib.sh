# Shared by the example scripts: run minirun, print each step like a terminal session.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
MINIRUN=${MINIRUN:-$here/../bin/run.js}
mr() { "$MINIRUN" "$@"; }
step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
# show and run: the command line is printed with "minirun" for the binary
run() { step "$(printf '%q ' "$@" | sed "s#^mr #minirun #")"; "$@"; }
ip_of() { mr inspect "$1" | jq -r '.[0].NetworkSettings.IPAddress'; }
# A server started with run -d answers a moment later: wait until it does (curl from the host).
wait_http() { curl -s -o /dev/null --max-time 2 --retry 20 --retry-connrefused --retry-delay 1 "$1"; }
