#!/usr/bin/env bash
# The main job: set up (installs what is missing, builds), then train attention-ADSH with 48-bit
# codes on Fashion-MNIST, encode the queries, search the database codes and print mAP. On the
# GPU when there is one (the paper schedule, 50 outer iterations); on the CPU otherwise, with
# 30 outer iterations so 2 cores finish in about eight minutes. Extra arguments go to
# `hashgrad train` (for example --set bits=24).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"

config="$HASHGRAD_ROOT/configs/attention_adsh_fmnist.conf"
out="$HASHGRAD_ROOT/runs/attention_adsh_fmnist-$(date +%Y%m%d-%H%M%S)"
device_options=()
if "$BUILD_DIR/hashgrad" info | grep -q "no CUDA device"; then
  echo "run: no GPU found: training on the CPU with 30 outer iterations"
  device_options=(--set device=cpu --set rounds=30)
fi
"$BUILD_DIR/hashgrad" train --config "$config" --out "$out" "${device_options[@]}" "$@"
