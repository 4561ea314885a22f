#!/usr/bin/env bash
# Overlay across three machines, replayed in namespaces: three "hosts" (each a network + mount
# namespace with its own minirun store) on one underlay bridge, and etcd on a fourth. A network
# created on host 1 is seen by all; a container on host 1 fetches a page by name from host 3
# through the VXLAN tunnel. Everything lives in namespaces this script makes and removes.
source "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d /tmp/minirun-overlay-XXXX)
chmod 711 "$tmp" # each host's resolver (dnsmasq, as nobody) reads its hosts files below it
UL=192.168.251
declare -a H
cleanup() {
  for i in 1 2 3; do
    [ -n "${H[$i]:-}" ] && on "$i" "$MINIRUN" rm -f web c1 c2 >/dev/null 2>&1 || true
  done
  [ -n "${H[1]:-}" ] && on 1 "$MINIRUN" network rm ov >/dev/null 2>&1 || true
  [ -n "${etcd:-}" ] && kill "$etcd" 2>/dev/null || true
  for p in "${H[@]}" "${wire:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT

# on N CMD...: run CMD on host N (its namespaces, its store, its cluster identity)
on() {
  local i=$1
  shift
  nsenter -t "${H[$i]}" -n -m env MINIRUN_ROOT="$tmp/h$i/root" MINIRUN_RUNTIME_DIR="$tmp/h$i/run" \
    MINIRUN_CLUSTER_STORE=etcd://$UL.2:2379 MINIRUN_HOST_NAME=host$i "$@"
}
# shown like a session on that machine
mr_on() { local i=$1; shift; step "host$i\$ minirun $*"; on "$i" "$MINIRUN" "$@"; }

step "# the wire: a namespace with the underlay bridge ($UL.0/24) and etcd on $UL.2"
unshare -n sleep 3600 & wire=$!
sleep 0.2
nsenter -t $wire -n sh -c "ip link set lo up; ip link add ulbr type bridge; ip addr add $UL.2/24 dev ulbr; ip link set ulbr up"
for i in 1 2 3; do
  unshare --net --mount --propagation private sleep 3600 & H[$i]=$!
  sleep 0.2
  nsenter -t $wire -n ip link add ul$i type veth peer name eth0 netns /proc/${H[$i]}/ns/net
  nsenter -t $wire -n sh -c "ip link set ul$i master ulbr; ip link set ul$i up"
  nsenter -t "${H[$i]}" -n sh -c "ip link set lo up; ip addr add $UL.1$i/24 dev eth0; ip link set eth0 up"
  echo "host$i: eth0 $UL.1$i"
done
mkdir -p "$tmp/etcd"
nsenter -t $wire -n etcd --name ex --data-dir "$tmp/etcd" --listen-client-urls http://$UL.2:2379 --advertise-client-urls http://$UL.2:2379 \
  --listen-peer-urls http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380 --initial-cluster ex=http://127.0.0.1:2380 >"$tmp/etcd.log" 2>&1 &
etcd=$!
for _ in $(seq 50); do nsenter -t $wire -n curl -s --max-time 1 http://$UL.2:2379/health | grep -q true && break; sleep 0.2; done

mr_on 1 network create -d overlay --subnet 10.50.0.0/16 ov
mr_on 2 network ls
mr_on 3 run -d --name web --network ov busybox httpd -f -p 80 -h /www
mr_on 1 run -d --name c1 --network ov busybox sleep 600
mr_on 1 exec c1 cat /etc/resolv.conf    # the overlay's resolver on host1's own bridge gateway
mr_on 1 exec c1 nslookup web           # web runs on host3: host1's agent put its name there from etcd
mr_on 1 exec c1 wget -qO- http://web/
mr_on 2 run -d --name c2 --network ov busybox sleep 600
step "host2\$ minirun network inspect ov | jq '.[0].Peers, [.[0].Containers[] | {Name, Host, IPv4Address}]'"
on 2 "$MINIRUN" network inspect ov | jq '.[0].Peers, [.[0].Containers[] | {Name, Host, IPv4Address}]'
mr_on 1 network diagram ov
step "host1\$ bridge fdb show dev mrv-…   # one flood entry per other host; MACs learned behind them"
on 1 sh -c 'bridge fdb show | grep "dev mrv-.* dst"'
step "etcd\$ etcdctl get --prefix --keys-only /minirun/"
nsenter -t $wire -n env ETCDCTL_API=3 etcdctl --endpoints=http://$UL.2:2379 get --prefix --keys-only /minirun/ | grep .
for i in 3 2 1; do mr_on $i rm -f "$( [ $i = 3 ] && echo web || echo c$i )"; done
mr_on 1 network rm ov
