#!/usr/bin/env bash
# The test command: set up (installs what is missing, builds), then run every test.
# GPU tests (label gpu) skip by themselves on a machine without a device.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
ctest --test-dir "$BUILD_DIR" --output-on-failure -j "$(nproc)"
