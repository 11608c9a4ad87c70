#!/usr/bin/env bash
# GPU verification on a lent machine (the `device` tool), stage by stage:
#   scripts/gpu-check.sh [STAGE ...]     stages: tests sanitizer bench train eval methods profile peer
#                                        (default: tests sanitizer bench)
# The binaries come prebuilt when .device/binaries.tar.xz is there (scripts/device-pack.sh
# --binaries, built here with the same nvcc for sm_90): no build on the device, which matters
# because a machine is handed back 30 s after a call and the next call starts bare. Otherwise, or
# with GPU_CHECK_BUILD=1, build-gpu is built on the device (cuDNN from the toolkit or from
# Python's nvidia/cudnn package; GoogleTest, zlib and the header-only libraries from .device/).
#   run(command="scripts/gpu-check.sh tests sanitizer", carry=[".device"])
#   tests      every GPU test (what `ctest -L gpu` runs): the tests/cuda_*_test binaries whole,
#              and the .../cuda instances of the device-parameterised test binaries
#   sanitizer  compute-sanitizer memcheck on each of them, four at a time, allocator cache off
#   bench      every benchmark, GPU cases and a short time per case
#   train      the README's main job with the paper schedule (attention-ADSH, fmnist, 48 bits)
#   eval       HASHGRAD_PROFILE=1 `hashgrad eval` of the train stage's codes (run it in the same
#              call, after train) on cuda and on cpu: the full-ranking search of mAP@all timed
#   methods    bench/methods_table.sh fmnist 48 (METHODS="..." picks methods, TABLE_SUFFIX names
#              the table, so a long table can be split over calls)
#   profile    HASHGRAD_PROFILE=1 tables (time per op and device) of one short training run each
#              of Swin, AM-VGGH and DAHP: where a slow backward pass spends its time
#   peer       hashgrad beside PyTorch (bench/peer.sh): the training steps of
#              bench/peer_cases.json in both, the main job in both (`hashgrad train` and
#              bench/torch_adsh_reference.py), then PyTorch's compiled modes while the budget
#              lasts; writes bench/results/peer-<gpu>.json. PEER_CASES="a,b" and
#              PEER_MODES="m,..." pick cases and PyTorch modes, PEER_MAIN_JOB=0 leaves the main
#              job out, PEER_MERGE=1 keeps the rows of a peer file carried along that this call
#              does not measure (a second call for the compiled modes the first had no time for:
#              put the first call's peer-<gpu>.json into bench/results/ before it). The budget
#              bounds the stage; estimated from the H100 files of bench and methods (not yet
#              run): hashgrad's steps ~1 min, the main job ~45 s in hashgrad and ~1 min in
#              PyTorch, PyTorch's eager modes ~2 min, its compiled modes the 4-5 min left (each
#              a cold compile of 20-90 s: cnn5_mixed's and ResNet18's at least)
# GPU_TESTS="conv2d_test ..." limits tests and sanitizer to those binaries. A stage starts
# only while the time budget allows (GPU_CHECK_SECONDS, default 570: a device call's limit is
# 600 s). Output in $OUT (or ./gpu-out), at most 8 files as the device tool returns them:
# summary.log, build.log, one log per stage, results.tar.gz (bench/results and run metrics),
# refreshed after every stage.
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
[ -f "$root/.device/commit" ] && export HASHGRAD_COMMIT="$(cat "$root/.device/commit")"

say() { echo "$*" | tee -a "$out/summary.log"; }
seconds_left() { echo $((budget - ($(date +%s) - started))); }
pack() {
  local files=(bench/results)
  for file in "$root"/runs/*/metrics.json "$root"/runs/*/*/metrics.json "$root"/runs/*/log.jsonl \
              "$root"/runs/peer/*/*.json "$root"/runs/peer/*/main-hashgrad/metrics.json; do
    [ -f "$file" ] && files+=("${file#"$root"/}")
  done
  tar -czf "$out/results.tar.gz" -C "$root" "${files[@]}"
}

# cuDNN: the toolkit's, or else the one in Python's nvidia/cudnn package.
cudnn_root=""
if ! ls /usr/local/cuda/include/cudnn.h >/dev/null 2>&1; then
  cudnn_root=$(python3 -c 'import nvidia.cudnn; print(list(nvidia.cudnn.__path__)[0])' 2>/dev/null)
  [ -n "$cudnn_root" ] && export LD_LIBRARY_PATH="$cudnn_root/lib:${LD_LIBRARY_PATH:-}"
fi
[ -d "$root/.device" ] && export HASHGRAD_FASHION_MNIST="$root/.device/fashion-mnist"

if [ -f "$root/.device/binaries.tar.xz" ] && [ "${GPU_CHECK_BUILD:-0}" != 1 ]; then
  {
    nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv
    rm -rf "$build" && mkdir -p "$build" && tar -xJf "$root/.device/binaries.tar.xz" -C "$build"
  } >"$out/build.log" 2>&1 || { tail -20 "$out/build.log"; say "unpacking binaries failed"; exit 1; }
  # The tests find their fixtures under the source folder they were built in: make that path
  # lead here.
  source_root=$(cat "$root/.device/source_root")
  if [ "$source_root" != "$root" ] && [ ! -e "$source_root" ]; then
    mkdir -p "$(dirname "$source_root")" && ln -s "$root" "$source_root"
  fi
  mkdir -p "$source_root/build"
  export LD_LIBRARY_PATH="/usr/local/cuda/lib64:${LD_LIBRARY_PATH:-}"
  say "build: prebuilt binaries of ${HASHGRAD_COMMIT:-?}; libraries not found:" \
      "$(ldd "$build/hashgrad" | awk '/not found/ {print $1}' | tr '\n' ' ')"
else
  # Warnings stay warnings here: this machine's compilers are newer than CI's, and a new warning
  # must not cost the session its GPU time.
  cmake_options=(-DCMAKE_BUILD_TYPE=Release -DHASHGRAD_CUDA=ON -DHASHGRAD_WERROR=OFF)
  command -v ninja >/dev/null && cmake_options+=(-G Ninja)
  if [ -d "$root/.device" ]; then
    cmake_options+=(-DCMAKE_PREFIX_PATH="$root/.device" -DGTEST_ROOT="$root/.device"
                    -DZLIB_ROOT="$root/.device" -DCMAKE_CXX_FLAGS="-isystem $root/.device/include")
  fi
  [ -n "$cudnn_root" ] && cmake_options+=(-DCUDNN_ROOT="$cudnn_root")
  mapfile -t targets < <("$root/scripts/gpu-targets.sh")
  {
    nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv
    cmake -S "$root" -B "$build" "${cmake_options[@]}" &&
      cmake --build "$build" -j 16 --target "${targets[@]}"
  } >"$out/build.log" 2>&1 || { tail -40 "$out/build.log"; say "build failed"; exit 1; }
  say "build: done at $(( $(date +%s) - started )) s; warnings: $(grep -c 'warning' "$out/build.log")"
fi

# The GPU tests (scripts/gpu-targets.sh), each with the GoogleTest filter that picks its GPU
# tests: all of a cuda_*_test, the .../cuda instances of a device-parameterised one.
gpu_tests=()
declare -A gpu_filter
while read -r name; do
  [[ "$name" == hashgrad || "$name" == bench_* ]] && continue
  [ -z "${GPU_TESTS:-}" ] || [[ " $GPU_TESTS " == *" $name "* ]] || continue
  [ -x "$build/tests/$name" ] || { say "tests: $name was not built"; continue; }
  gpu_tests+=("$build/tests/$name")
  if [[ "$name" == cuda_* ]]; then gpu_filter[$name]="*"; else gpu_filter[$name]="*/cuda"; fi
done < <("$root/scripts/gpu-targets.sh")

for stage in "${stages[@]}"; do
  left=$(seconds_left)
  if [ "$left" -lt 60 ]; then say "$stage: skipped, $left s left"; continue; fi
  case "$stage" in
    tests)
      : >"$out/tests.log"
      failed=0
      for test in "${gpu_tests[@]}"; do
        OMP_WAIT_POLICY=passive timeout $(( $(seconds_left) > 10 ? $(seconds_left) : 10 )) \
          "$test" --gtest_brief=1 --gtest_filter="${gpu_filter[$(basename "$test")]}" \
          >>"$out/tests.log" 2>&1
        code=$?
        [ $code -eq 0 ] || { failed=$((failed + 1)); say "tests $(basename "$test"): exit $code"; }
      done
      say "tests: ${#gpu_tests[@]} binaries, $failed failed"
      grep -E '^\[  FAILED  \]|Failure|error' "$out/tests.log" | head -40 | tee -a "$out/summary.log" ;;
    sanitizer)
      # Four binaries at a time: memcheck is slow mostly on the host side, and there are 16 cores.
      # Each gets at most 240 s and never more than the budget has left when it starts.
      logs=$(mktemp -d)
      for test in "${gpu_tests[@]}"; do echo "$test ${gpu_filter[$(basename "$test")]}"; done |
        xargs -P 4 -d '\n' -I{} bash -c '
        read -r test filter <<<"$1"
        log="$2/$(basename "$test").log"; left=$(( $3 - $(date +%s) ))
        if [ "$left" -lt 30 ]; then echo "skipped, $left s left" >"$log"; exit 0; fi
        # The out-of-memory test makes cudaMalloc fail on purpose, which memcheck would
        # report as an API error: it runs in the tests stage only. Without the allocator cache
        # each tensor is its own cudaMalloc, so memcheck sees a read past the end of a tensor.
        HASHGRAD_NO_MEMORY_CACHING=1 timeout $((left < 240 ? left : 240)) \
          compute-sanitizer --tool memcheck --error-exitcode 9 \
          "$test" --gtest_brief=1 --gtest_filter="$filter-*OutOfMemory*" >"$log" 2>&1
        echo "exit $?" >>"$log"' _ {} "$logs" $((started + budget))
      : >"$out/sanitizer.log"
      for log in "$logs"/*.log; do
        { echo "== $(basename "$log" .log)"; cat "$log"; } >>"$out/sanitizer.log"
        say "sanitizer $(basename "$log" .log): $(tail -1 "$log")"
      done
      grep -E 'ERROR SUMMARY' "$out/sanitizer.log" | sort | uniq -c | tee -a "$out/summary.log" ;;
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
    eval)
      : >"$out/eval.log"
      codes="$root/runs/gpu-main"
      if [ ! -f "$codes/query.codes" ]; then say "eval: skipped, no $codes (run train first)"; continue; fi
      for device in cuda cpu; do
        echo "== $device" >>"$out/eval.log"
        /usr/bin/time -f "%e s wall, %U s user, %S s sys" env HASHGRAD_PROFILE=1 timeout "$left" \
          "$build/hashgrad" eval --index "$codes/database.codes" --queries "$codes/query.codes" \
          --device "$device" --output "$root/runs/eval-$device" >>"$out/eval.log" 2>&1
        say "eval $device: exit $?; $(grep -E '^(evaluate_retrieval|hamming_topk) ' "$out/eval.log" |
          tail -2 | awk '{printf "%s %s ms; ", $1, $4}')"
      done ;;
    methods)
      HASHGRAD="$build/hashgrad" timeout "$left" "$root/bench/methods_table.sh" fmnist 48 \
        >"$out/methods.log" 2>&1
      say "methods: exit $?"; grep '^|' "$out/methods.log" | tee -a "$out/summary.log" ;;
    profile)
      : >"$out/profile.log"
      for run in swin_polarization_asymmetric:2 am_vggh:1 dahp:1; do
        config="${run%%:*}_fmnist"
        left=$(seconds_left)
        if [ "$left" -lt 40 ]; then say "profile $config: skipped"; continue; fi
        echo "== $config, rounds=${run##*:}" >>"$out/profile.log"
        HASHGRAD_PROFILE=1 timeout "$left" "$build/hashgrad" train \
          --config "$root/configs/$config.conf" --set rounds="${run##*:}" \
          --out "$root/runs/profile-$config" >>"$out/profile.log" 2>&1
        say "profile $config: exit $?"
      done ;;
    peer)
      peer_options=(--device cuda --budget-seconds $((left - 15)))
      [ "${PEER_MAIN_JOB:-1}" = 1 ] && peer_options+=(--main-job)
      [ -n "${PEER_CASES:-}" ] && peer_options+=(--cases "$PEER_CASES")
      [ -n "${PEER_MODES:-}" ] && peer_options+=(--modes "$PEER_MODES")
      [ "${PEER_MERGE:-0}" = 1 ] && peer_options+=(--merge)
      HASHGRAD_BUILD_DIR="$build" timeout "$left" "$root/bench/peer.sh" "${peer_options[@]}" \
        >"$out/peer.log" 2>&1
      say "peer: exit $?"; grep -E '^\||^main job' "$out/peer.log" | tee -a "$out/summary.log" ;;
    *) say "unknown stage '$stage' (tests sanitizer bench train eval methods profile peer)"; exit 2 ;;
  esac
  pack
done
say "total $(( $(date +%s) - started )) s"
