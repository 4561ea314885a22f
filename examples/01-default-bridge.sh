#!/usr/bin/env bash
# Two containers on the default bridge: their IPs, ping and HTTP between them, the veth pairs
# matched by ifindex, and the routes on both sides.
source "$(dirname "$0")/lib.sh"
trap 'mr rm -f ex1-a ex1-b >/dev/null 2>&1 || true' EXIT

run mr run -d --name ex1-a busybox httpd -f -p 80 -h /www
run mr run -d --name ex1-b busybox sleep 600
a=$(ip_of ex1-a); b=$(ip_of ex1-b)
echo "ex1-a: $a   ex1-b: $b"
wait_http "http://$a/"
run mr exec ex1-b ping -c 1 "$a"
run mr exec ex1-b wget -qO- "http://$a/"
bridge=$(mr network inspect bridge | jq -r '.[0].Options["com.docker.network.bridge.name"]')
run mr exec ex1-a ip -o link show eth0
peer=$(mr exec ex1-a ip -o link show eth0 | sed -n 's/.*eth0@if\([0-9]*\).*/\1/p')
step "ip -o link | grep \"^$peer:\"    # the host end of ex1-a's pair"
ip -o link | grep "^$peer:"
run ip -o link show master "$bridge"
run mr exec ex1-a ip route
run ip route show dev "$bridge"
