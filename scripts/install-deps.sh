#!/usr/bin/env bash
# The system tools minirun drives (Debian packages). Idempotent; run as root.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
pkgs=(iproute2 nftables util-linux busybox-static procps curl jq gcc libc6-dev libseccomp-dev containernetworking-plugins iptables docker-registry skopeo wrk dnsmasq-base etcd-server etcd-client iperf3 chromium)
missing=()
for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ "${#missing[@]}" -gt 0 ] || [ "${1:-}" = "--update" ]; then
  apt-get update -qq
  apt-get install -y -qq "${pkgs[@]}" >/dev/null
fi
