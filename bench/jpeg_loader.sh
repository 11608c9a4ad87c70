#!/usr/bin/env bash
# The JPEG loader benchmark as one command: hashgrad's loader (bench_jpeg_loader_bench), then
# PyTorch's DataLoader on the same files (bench/torch_loader_peer.py), into
# bench/results/loader-jpeg-<device>.json and .md.
#
#   bench/jpeg_loader.sh [--images N] [--workers W] [--batch B] [--epochs E] [--cache DIR]
#                        [--results DIR]
#
# Environment: HASHGRAD_BUILD_DIR (default build/) holds bench/bench_jpeg_loader_bench; PYTHON
# is an interpreter with torch and torchvision (default /usr/bin/python3, Debian's).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${HASHGRAD_BUILD_DIR:-$root/build}"
python="${PYTHON:-/usr/bin/python3}"
output=$("$build/bench/bench_jpeg_loader_bench" "$@")
echo "$output"
report=$(sed -n 's/^wrote \(.*\.json\)$/\1/p' <<<"$output")
[[ -n "$report" ]] || { echo "jpeg_loader.sh: error: bench_jpeg_loader_bench wrote no report" >&2; exit 1; }
"$python" "$root/bench/torch_loader_peer.py" --report "$report"
