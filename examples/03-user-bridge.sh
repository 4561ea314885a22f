#!/usr/bin/env bash
# A user-defined bridge resolves container names by DNS (its resolver, a dnsmasq on the gateway);
# the default bridge does not (as in Docker).
source "$(dirname "$0")/lib.sh"
trap 'mr rm -f ex3-a ex3-b ex3-c ex3-d >/dev/null 2>&1 || true; mr network rm ex3_net >/dev/null 2>&1 || true' EXIT

run mr network create ex3_net
run mr run -d --name ex3-a --network ex3_net busybox sleep 600
run mr run -d --name ex3-b --network ex3_net busybox sleep 600
run mr exec ex3-a ping -c 1 ex3-b
run mr run -d --name ex3-c busybox sleep 600
run mr run -d --name ex3-d busybox sleep 600
step "minirun exec ex3-c ping -c 1 ex3-d   # default bridge: no name resolution"
if mr exec ex3-c ping -c 1 -W 1 ex3-d; then echo "unexpected: resolved on the default bridge"; exit 1; fi
run mr exec ex3-a cat /etc/resolv.conf
run mr exec ex3-a nslookup ex3-b
