#!/usr/bin/env bash
# What minirun does for the bridge mode, done by hand with ip, next to minirun doing it.
source "$(dirname "$0")/lib.sh"
www=$(mktemp -d /tmp/minirun-ex8-XXXX)
echo "served from a namespace made by hand" > "$www/index.html"
cleanup() {
  [ -n "${httpd:-}" ] && kill "$httpd" 2>/dev/null || true
  rm -rf "$www"
  ip netns del ex8-ns 2>/dev/null || true
  ip link del ex8-br 2>/dev/null || true
  mr rm -f ex8-web >/dev/null 2>&1 || true
}
trap cleanup EXIT

run ip netns add ex8-ns
run ip link add ex8-br type bridge
run ip addr add 10.123.0.1/24 dev ex8-br
run ip link set ex8-br up
run ip link add ex8-veth type veth peer name eth0 netns ex8-ns
run ip link set ex8-veth master ex8-br up
run ip -n ex8-ns addr add 10.123.0.2/24 dev eth0
run ip -n ex8-ns link set eth0 up
run ip -n ex8-ns link set lo up
run ip -n ex8-ns route add default via 10.123.0.1
step "ip netns exec ex8-ns busybox httpd -f -p 80 -h $www &"
ip netns exec ex8-ns busybox httpd -f -p 80 -h "$www" & httpd=$!
wait_http http://10.123.0.2/
run curl -s --max-time 5 http://10.123.0.2/
run ip -n ex8-ns -o link show eth0

step "the same with minirun, and the exact commands it ran:"
run mr run -d --explain --name ex8-web busybox httpd -f -p 80 -h /www
