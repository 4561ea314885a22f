#!/usr/bin/env bash
# macvlan: containers as hosts on a LAN with their own MACs. The "LAN" is a veth pair: lanA is
# the parent, lanB sits in a separate namespace that plays another host on that LAN.
source "$(dirname "$0")/lib.sh"
lan=$(mktemp -u /tmp/minirun-ex7-XXXX)
cleanup() {
  mr rm -f ex7-a ex7-b >/dev/null 2>&1 || true
  mr network rm ex7_lan >/dev/null 2>&1 || true
  ip link del lanA 2>/dev/null || true
  [ -n "${outside:-}" ] && kill "$outside" 2>/dev/null || true
}
trap cleanup EXIT

unshare -n sleep 600 & outside=$!
sleep 0.2
run ip link add lanA type veth peer name lanB netns /proc/$outside/ns/net
run ip link set lanA up
nsenter -t "$outside" -n sh -c 'ip link set lo up; ip addr add 192.168.77.100/24 dev lanB; ip link set lanB up'
run mr network create -d macvlan --subnet 192.168.77.0/24 --gateway 192.168.77.1 -o parent=lanA ex7_lan
run mr run -d --name ex7-a --network ex7_lan busybox httpd -f -p 80 -h /www
run mr run -d --name ex7-b --network ex7_lan busybox sleep 600
a=$(ip_of ex7-a)
nsenter -t "$outside" -n curl -s -o /dev/null --max-time 2 --retry 20 --retry-connrefused --retry-delay 1 "http://$a/"
run mr exec ex7-b wget -qO- "http://$a/"
step "nsenter -t <outside> -n curl http://$a/     # the other LAN host, no NAT"
nsenter -t "$outside" -n curl -s --max-time 5 "http://$a/"
step "nsenter -t <outside> -n ip neigh            # the container's own MAC"
nsenter -t "$outside" -n ip neigh
