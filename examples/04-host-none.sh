#!/usr/bin/env bash
# Host mode shares the host's interfaces (and -p is discarded, with Docker's warning);
# none mode has only loopback.
source "$(dirname "$0")/lib.sh"

run mr run --rm --network host -p 18092:80 busybox ip -o link
run mr run --rm --network none busybox ip -o addr
