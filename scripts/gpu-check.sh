#!/usr/bin/env bash
# GPU verification on a lent machine (the `device` tool), in one command:
#   build with CUDA (cuDNN from the toolkit or the Python nvidia/cudnn package), run the `gpu`
#   tests, run them again under compute-sanitizer, run the benchmarks; logs and results go to
#   $OUT (or ./gpu-out). Carry .device/ (scripts/device-pack.sh) on machines without the
#   Debian headers:   run(command="scripts/gpu-check.sh", carry=[".device"])
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${OUT:-$root/gpu-out}"
mkdir -p "$out"
export PATH="$PATH:/usr/local/cuda/bin"
build="$root/build-gpu"

cmake_options=(-DCMAKE_BUILD_TYPE=Release -DHASHGRAD_CUDA=ON)
if [ -d "$root/.device" ]; then
  cmake_options+=(-DCMAKE_PREFIX_PATH="$root/.device" -DGTEST_ROOT="$root/.device"
                  -DZLIB_ROOT="$root/.device" -DCMAKE_CXX_FLAGS="-isystem $root/.device/include")
  export HASHGRAD_FASHION_MNIST="$root/.device/fashion-mnist"
fi
if ! ls /usr/local/cuda/include/cudnn.h >/dev/null 2>&1; then
  cudnn_root=$(python3 -c 'import nvidia.cudnn; print(list(nvidia.cudnn.__path__)[0])' 2>/dev/null)
  [ -n "$cudnn_root" ] && cmake_options+=(-DCUDNN_ROOT="$cudnn_root") &&
    export LD_LIBRARY_PATH="$cudnn_root/lib:${LD_LIBRARY_PATH:-}"
fi
{
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv
  cmake -S "$root" -B "$build" "${cmake_options[@]}" && cmake --build "$build" -j 16
} >"$out/build.log" 2>&1 || { tail -50 "$out/build.log"; exit 1; }

ctest --test-dir "$build" -L gpu --output-on-failure -j 4 >"$out/ctest-gpu.log" 2>&1
echo "ctest -L gpu exit $?"; tail -5 "$out/ctest-gpu.log"

: >"$out/sanitizer.log"
for test in "$build"/tests/cuda_*_test; do
  compute-sanitizer --tool memcheck --error-exitcode 9 "$test" >>"$out/sanitizer.log" 2>&1
  echo "compute-sanitizer $(basename "$test"): exit $?"
done

for bench in "$build"/bench/bench_*; do
  [ -x "$bench" ] || continue
  timeout 300 "$bench" >>"$out/bench.log" 2>&1
  echo "$(basename "$bench"): exit $?"
done
cp "$root"/bench/results/*.json "$out/" 2>/dev/null || true

# Optional, for a session with device time to spare: the main job and the methods table on
# the GPU (HASHGRAD_GPU_TRAIN=1).
if [ "${HASHGRAD_GPU_TRAIN:-0}" = 1 ]; then
  "$build/hashgrad" train --config "$root/configs/attention_adsh_fmnist.conf" \
    --out "$root/runs/gpu-main" >"$out/main-job.log" 2>&1
  echo "main job: exit $?"; tail -3 "$out/main-job.log"
  HASHGRAD="$build/hashgrad" "$root/bench/methods_table.sh" fmnist 48 >"$out/methods.log" 2>&1
  cp "$root"/bench/results/methods-*.md "$out/" 2>/dev/null || true
fi
