#!/usr/bin/env bash
# The main job: set up (installs what is missing, builds), then run hashgrad's demo on the GPU
# when there is one and the CPU when not. Extra arguments go to the command.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
"$BUILD_DIR/hashgrad" demo --device auto "$@"
