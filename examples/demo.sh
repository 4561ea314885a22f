#!/usr/bin/env bash
# The main demo: two containers on the default bridge reach each other, and a web server
# published with -p answers on 127.0.0.1. Everything it makes is removed at the end.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
MINIRUN=${MINIRUN:-$here/../bin/run.js}
PORT=${DEMO_PORT:-18080}
mr() { "$MINIRUN" "$@"; }
step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
cleanup() { mr rm -f demo-web demo-peer >/dev/null 2>&1 || true; }
trap cleanup EXIT

step minirun run -d --name demo-web -p "$PORT:80" busybox httpd -f -p 80 -h /www
mr run -d --name demo-web -p "$PORT:80" busybox httpd -f -p 80 -h /www
step minirun run -d --name demo-peer busybox sleep 600
mr run -d --name demo-peer busybox sleep 600

web_ip=$(mr inspect demo-web | jq -r '.[0].NetworkSettings.IPAddress')
peer_ip=$(mr inspect demo-peer | jq -r '.[0].NetworkSettings.IPAddress')
bridge=$(mr network inspect bridge | jq -r '.[0].Options["com.docker.network.bridge.name"]')
echo "demo-web is $web_ip, demo-peer is $peer_ip, both on bridge $bridge"
# the server answers a moment after run -d returns
curl -s -o /dev/null --max-time 2 --retry 20 --retry-connrefused --retry-delay 1 "http://127.0.0.1:$PORT/"

step minirun ps
mr ps

step "minirun exec demo-peer ping -c 2 $web_ip        # container to container, across the bridge"
mr exec demo-peer ping -c 2 "$web_ip"

step "minirun exec demo-peer wget -qO- http://$web_ip/"
mr exec demo-peer wget -qO- "http://$web_ip/"

step "curl -s http://127.0.0.1:$PORT/                  # the published port, DNAT by nftables"
curl -s --max-time 5 "http://127.0.0.1:$PORT/"

step "minirun exec demo-web ip -o link show eth0       # eth0@ifN: N is the host end's ifindex"
mr exec demo-web ip -o link show eth0
step "ip -o link show master $bridge                   # the host ends of the veth pairs"
ip -o link show master "$bridge"

step "minirun exec demo-web ip route"
mr exec demo-web ip route

step "minirun port demo-web"
mr port demo-web

echo
echo "demo OK: the containers reached each other and the published server answered on 127.0.0.1:$PORT"
