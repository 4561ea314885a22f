#!/usr/bin/env bash
# Two containers talk over a unix socket in a shared volume (no network involved).
# busybox has no applet that speaks unix sockets, so the built-in image carries /bin/usock.
source "$(dirname "$0")/lib.sh"
dir=$(mktemp -d /tmp/minirun-ex6-XXXX)
trap 'mr rm -f ex6-server >/dev/null 2>&1 || true; rm -rf "$dir"' EXIT

run mr run -d --name ex6-server --network none -v "$dir:/var/run/foo" busybox usock serve /var/run/foo/app.sock
for _ in $(seq 50); do [ -S "$dir/app.sock" ] && break; sleep 0.1; done
run ls -l "$dir"
run mr run --rm --network none -v "$dir:/var/run/foo" busybox usock send /var/run/foo/app.sock hello
