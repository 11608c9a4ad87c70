#!/usr/bin/env bash
# GPU verification on a lent machine (the `device` tool), stage by stage:
#   scripts/gpu-check.sh [STAGE ...]     stages: tests sanitizer bench train methods
#                                        (default: tests sanitizer bench)
# Every call first builds build-gpu (incremental; cuDNN from the toolkit or from Python's
# nvidia/cudnn package; GoogleTest, zlib and the header-only libraries from .device/, made here
# by scripts/device-pack.sh and carried:  run(command="scripts/gpu-check.sh", carry=[".device"])).
#   tests      ctest -L gpu
#   sanitizer  compute-sanitizer memcheck on each tests/cuda_*_test
#   bench      every benchmark, GPU cases and a short time per case
#   train      the README's main job with the paper schedule (attention-ADSH, fmnist, 48 bits)
#   methods    bench/methods_table.sh fmnist 48 (METHODS="..." picks methods, TABLE_SUFFIX names
#              the table, so a long table can be split over calls)
# A stage starts only while the time budget allows (GPU_CHECK_SECONDS, default 570: a device
# call's limit is 600 s). Output in $OUT (or ./gpu-out), at most 8 files as the device tool
# returns them: summary.log, build.log, one log per stage, results.tar.gz (bench/results and
# run metrics), refreshed after every stage.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${OUT:-$root/gpu-out}"
mkdir -p "$out"
started=$(date +%s)
budget="${GPU_CHECK_SECONDS:-570}"
stages=("$@")
[ ${#stages[@]} -eq 0 ] && stages=(tests sanitizer bench)
export PATH="$PATH:/usr/local/cuda/bin"
build="$root/build-gpu"

say() { echo "$*" | tee -a "$out/summary.log"; }
seconds_left() { echo $((budget - ($(date +%s) - started))); }
pack() {
  local files=(bench/results)
  for file in "$root"/runs/*/metrics.json "$root"/runs/*/*/metrics.json "$root"/runs/*/log.jsonl; do
    [ -f "$file" ] && files+=("${file#"$root"/}")
  done
  tar -czf "$out/results.tar.gz" -C "$root" "${files[@]}"
}

# Warnings stay warnings here: this machine's compilers are newer than CI's, and a new warning
# must not cost the session its GPU time.
cmake_options=(-DCMAKE_BUILD_TYPE=Release -DHASHGRAD_CUDA=ON -DHASHGRAD_WERROR=OFF)
command -v ninja >/dev/null && cmake_options+=(-G Ninja)
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

# Only what the stages run: the command, the GPU tests and the benchmarks.
targets=(hashgrad)
for file in "$root"/tests/cuda_*_test.cpp; do targets+=("$(basename "$file" .cpp)"); done
for file in "$root"/bench/*_bench.cpp; do targets+=("bench_$(basename "$file" .cpp)"); done
{
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv
  cmake -S "$root" -B "$build" "${cmake_options[@]}" &&
    cmake --build "$build" -j 16 --target "${targets[@]}"
} >"$out/build.log" 2>&1 || { tail -40 "$out/build.log"; say "build failed"; exit 1; }
say "build: done at $(( $(date +%s) - started )) s; warnings: $(grep -c 'warning' "$out/build.log")"

for stage in "${stages[@]}"; do
  left=$(seconds_left)
  if [ "$left" -lt 60 ]; then say "$stage: skipped, $left s left"; continue; fi
  case "$stage" in
    tests)
      timeout "$left" ctest --test-dir "$build" -L gpu --output-on-failure -j 4 \
        >"$out/tests.log" 2>&1
      say "tests: exit $?; $(grep -E 'tests passed|tests failed' "$out/tests.log")"
      grep -E '^\s+[0-9]+ - .*\((Failed|Timeout|SEGFAULT|Subprocess aborted)' "$out/tests.log" |
        tee -a "$out/summary.log" ;;
    sanitizer)
      : >"$out/sanitizer.log"
      for test in "$build"/tests/cuda_*_test; do
        left=$(seconds_left)
        if [ "$left" -lt 30 ]; then say "sanitizer $(basename "$test"): skipped"; continue; fi
        timeout $((left < 150 ? left : 150)) compute-sanitizer --tool memcheck --error-exitcode 9 \
          "$test" --gtest_brief=1 >>"$out/sanitizer.log" 2>&1
        say "sanitizer $(basename "$test"): exit $?"
      done ;;
    bench)
      : >"$out/bench.log"
      declare -A bench_options=([bench_matmul_bench]="--max-cpu-size 256"
        [bench_conv_bench]="--cpu-max-batch 8 --seconds 0.5" [bench_search_bench]="--mode gpu"
        [bench_backbones_bench]="--seconds 0.5 --runs 2" [bench_swin_bench]="--seconds 0.5"
        [bench_loader_bench]="")
      for name in bench_matmul_bench bench_conv_bench bench_search_bench bench_backbones_bench \
                  bench_swin_bench bench_loader_bench; do
        left=$(seconds_left)
        if [ "$left" -lt 40 ]; then say "$name: skipped"; continue; fi
        (cd "$root" && timeout $((left < 200 ? left : 200)) "$build/bench/$name" \
          ${bench_options[$name]}) >>"$out/bench.log" 2>&1
        say "$name: exit $?"
      done ;;
    train)
      timeout "$left" "$build/hashgrad" train --config "$root/configs/attention_adsh_fmnist.conf" \
        --out "$root/runs/gpu-main" >"$out/train.log" 2>&1
      say "train: exit $?; $(grep -E '^mAP@all|final evaluation' "$out/train.log" | tail -2)" ;;
    methods)
      HASHGRAD="$build/hashgrad" timeout "$left" "$root/bench/methods_table.sh" fmnist 48 \
        >"$out/methods.log" 2>&1
      say "methods: exit $?"; grep '^|' "$out/methods.log" | tee -a "$out/summary.log" ;;
    *) say "unknown stage '$stage' (tests sanitizer bench train methods)"; exit 2 ;;
  esac
  pack
done
say "total $(( $(date +%s) - started )) s"
