#!/usr/bin/env bash
# container:<name> mode joins another container's network namespace; a pod is the same idea
# with a pause container holding the namespace, as Kubernetes does.
source "$(dirname "$0")/lib.sh"
trap 'mr rm -f ex5-web >/dev/null 2>&1 || true; mr pod rm -f ex5-pod >/dev/null 2>&1 || true' EXIT

run mr run -d --name ex5-web busybox httpd -f -p 80 -h /www
wait_http "http://$(ip_of ex5-web)/"
run mr run --rm --network container:ex5-web busybox wget -qO- http://127.0.0.1/
run mr run --rm --network container:ex5-web busybox ip -o addr show eth0
run mr exec ex5-web ip -o addr show eth0

run mr pod create --name ex5-pod
run mr run -d --pod ex5-pod --name ex5-server busybox httpd -f -p 8080 -h /www
wait_http "http://$(mr pod inspect ex5-pod | jq -r .IPAddress):8080/"
run mr run --rm --pod ex5-pod busybox wget -qO- http://127.0.0.1:8080/
run mr pod ls
infra=$(mr pod inspect ex5-pod | jq -r .InfraContainerID)
step "minirun inspect ex5-server | jq -r '.[0].HostConfig.NetworkMode'   # the pause container: ${infra:0:12}"
mr inspect ex5-server | jq -r '.[0].HostConfig.NetworkMode'
