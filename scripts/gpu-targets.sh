#!/usr/bin/env bash
# The targets a GPU check needs, one per line: the command, the GPU tests (tests/cuda_*_test.cpp)
# and the benchmarks. Shared by scripts/device-pack.sh (which may build them here) and
# scripts/gpu-check.sh (which builds them on the device when no prebuilt ones came along).
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
echo hashgrad
for file in "$root"/tests/cuda_*_test.cpp; do basename "$file" .cpp; done
for file in "$root"/bench/*_bench.cpp; do echo "bench_$(basename "$file" .cpp)"; done
