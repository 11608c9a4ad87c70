#!/usr/bin/env bash
# The targets a GPU check needs, one per line: the command, the GPU tests and the benchmarks.
# GPU tests as tests/CMakeLists.txt labels them `gpu`: every tests/cuda_*_test.cpp, and every
# test file with device-parameterised tests (a line opening with HG_INSTANTIATE_DEVICE_TEST or
# HG_INSTANTIATE_CUDA_TEST), whose instances named .../cuda are the GPU's. Shared by scripts/device-pack.sh (which may build them here) and
# scripts/gpu-check.sh (which builds them on the device when no prebuilt ones came along).
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
echo hashgrad
for file in "$root"/tests/*_test.cpp; do
  name=$(basename "$file" .cpp)
  if [[ "$name" == cuda_* ]] || grep -qE '^HG_INSTANTIATE_(DEVICE|CUDA)_TEST' "$file"; then
    echo "$name"
  fi
done
for file in "$root"/bench/*_bench.cpp; do echo "bench_$(basename "$file" .cpp)"; done
