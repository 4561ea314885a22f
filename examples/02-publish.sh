#!/usr/bin/env bash
# Publishing a port: -p is kernel DNAT from one nftables map; read the rule and the entry.
source "$(dirname "$0")/lib.sh"
PORT=${EX_PORT:-18091}
trap 'mr rm -f ex2-web >/dev/null 2>&1 || true' EXIT

run mr run -d --name ex2-web -p "$PORT:80" busybox httpd -f -p 80 -h /www
wait_http "http://127.0.0.1:$PORT/"
run curl -s --max-time 5 "http://127.0.0.1:$PORT/"
run mr port ex2-web
step "nft list table ip minirun*   # the map entry $PORT -> $(ip_of ex2-web) . 80, and the MASQUERADE rules"
nft list tables | awk '/minirun/ {print $3}' | while read -r t; do nft list table ip "$t"; done
run sh -c 'ss -ltn | grep -c ":'"$PORT"' " || true'
echo "(no listening socket: DNAT rewrites packets in the kernel, there is no proxy process)"
run mr rm -f ex2-web
step "nft list table ...   # the entry is gone with the container"
nft list tables | awk '/minirun/ {print $3}' | while read -r t; do nft list table ip "$t"; done | grep -c "$PORT" || true
