#!/usr/bin/env bash
# A pod made by hand, written out as a Kubernetes v1 Pod (podman's `kube generate`), removed,
# and brought back from that file by `pod play`: same containers, commands and ports.
source "$(dirname "$0")/lib.sh"
out=$(mktemp -d)
trap 'mr pod rm -f ex9-pod demo-pod >/dev/null 2>&1 || true; rm -rf "$out"' EXIT

run mr pod create ex9-pod -p 18086:80
run mr run -d --pod ex9-pod --name ex9-pod-web busybox httpd -f -p 80 -h /www
run mr run -d --pod ex9-pod --name ex9-pod-worker -e MODE=demo busybox sleep 3600
wait_http http://127.0.0.1:18086/
run mr pod generate kube ex9-pod -f "$out/ex9-pod.yaml"
step "cat $out/ex9-pod.yaml"
cat "$out/ex9-pod.yaml"

run mr pod rm -f ex9-pod
run mr pod play "$out/ex9-pod.yaml"
wait_http http://127.0.0.1:18086/
run curl -s http://127.0.0.1:18086/
run mr pod ps
run mr pod inspect ex9-pod
mr exec ex9-pod-worker sh -c 'test "$MODE" = demo'

# the same file format by hand: examples/pod.yaml, up and down
run mr pod play "$(dirname "$0")/pod.yaml"
wait_http http://127.0.0.1:18082/
run mr pod play --down "$(dirname "$0")/pod.yaml"
run mr pod rm -f ex9-pod
