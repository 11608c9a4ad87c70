#!/usr/bin/env bash
# The test command: set up (installs what is missing, builds), then run every test.
# GPU tests (label gpu) skip by themselves on a machine without a device.
set -euo pipefail
# Needed by the tests alone, not to build or run hashgrad (setup.sh installs them with its own
# list): PyTorch and torchvision, which the torchvision parity tests
# (tests/torchvision_parity_test.cpp) run beside hashgrad together with
# scripts/convert_weights.py, and against which tests/peer_script_test.py runs
# bench/torch_peer.py.
test_packages=(python3-torch python3-torchvision)
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
ctest --test-dir "$BUILD_DIR" --output-on-failure -j "$(nproc)"
