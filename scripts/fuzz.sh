#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz and runs them.
#
#   scripts/fuzz.sh                          every target, 60 s each, one after another
#   scripts/fuzz.sh npy --seconds 600        one target
#   scripts/fuzz.sh --seconds 30 --jobs 2    every target, two at a time (the CI smoke)
#   scripts/fuzz.sh npy --runs 10000000 --seconds 3600   until 10 million executions (issue 20's
#                                            goal), or the hour, whichever comes first
#   scripts/fuzz.sh image_list --workers 2 --runs 10000000 --seconds 7200
#                                            one target in two processes (libFuzzer's -fork=2:
#                                            jobs of up to 300 s on parts of the corpus, merged
#                                            back; the executions are their sum), for the slow
#                                            targets whose 10 million one core cannot run in a day
#   scripts/fuzz.sh --list                   the targets' names
#   scripts/fuzz.sh --configure-only         configure the build folder and stop (scripts/test.sh)
#
# Build: its own folder (build-sanitize, or $HASHGRAD_FUZZ_BUILD_DIR), clang-14, CPU-only, the
# whole engine with -fsanitize=fuzzer-no-link,address,undefined, ccache, -O1 (sanitizer builds'
# usual level; it compiles in about half the time of -O3). The same folder holds the sanitized
# test suite scripts/test.sh runs (one build for both). Corpora: build-sanitize/corpus/
# <target>, seeded by make_seeds and grown by every run, so later runs start where earlier ones
# stopped. A crash, a leak, a sanitizer finding or an input slower than 1 s (-timeout=1) stops
# that target with its input saved as build-sanitize/findings/<target>/crash-*; the script then
# exits non-zero after the other targets ran. Each run's log, with its executions and coverage in
# the last lines, is build-sanitize/logs/<target>.log, the commit it ran beside it (.commit).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$(realpath -m "${HASHGRAD_FUZZ_BUILD_DIR:-$root/build-sanitize}")"  # absolute: command_arguments_fuzzer changes its folder
seconds=60
jobs=1
workers=""
runs=""
targets=()
list_only=0
configure_only=0
while (($#)); do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --jobs) jobs="$2"; shift 2 ;;
    --workers) workers="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --list) list_only=1; shift ;;
    --configure-only) configure_only=1; shift ;;
    -h|--help) sed -n '2,/^set -euo/{/^#/p}' "$0"; exit 0 ;;
    -*) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done

all_targets=(idx idx_gzip cifar image_list image_folder image_png image_jpeg image_bmp safetensors
             safetensors_header npy code_file code_file_checksummed config model_json
             command_arguments)
if ((list_only)); then printf '%s\n' "${all_targets[@]}"; exit 0; fi
((${#targets[@]})) || targets=("${all_targets[@]}")
for target in "${targets[@]}"; do
  [[ " ${all_targets[*]} " == *" $target "* ]] ||
    { echo "fuzz.sh: unknown target '$target' (--list names them)" >&2; exit 2; }
done

for tool in clang-14 clang++-14; do
  command -v "$tool" >/dev/null ||
    { echo "fuzz.sh: $tool not found (apt-get install clang-14 libfuzzer-14-dev)" >&2; exit 2; }
done
if [ ! -f "$build/CMakeCache.txt" ]; then
  CC=clang-14 CXX=clang++-14 cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    "-DCMAKE_CXX_FLAGS_RELEASE=-O1 -DNDEBUG" \
    -DHASHGRAD_CUDA=OFF -DHASHGRAD_WERROR=OFF -DHASHGRAD_FUZZ=ON \
    -DHASHGRAD_SANITIZE=fuzzer-no-link,address,undefined >/dev/null
fi
((configure_only)) && exit 0
cmake --build "$build" -j "${HASHGRAD_FUZZ_BUILD_JOBS:-2}" \
  --target make_seeds "${targets[@]/%/_fuzzer}"

mkdir -p "$build/seeds" "$build/corpus" "$build/logs"
ASAN_OPTIONS=detect_leaks=0 "$build/fuzzers/make_seeds" "$build/seeds" "$root"

# The targets hand every input to the readers as a file in $TMPDIR (tests/fuzz/fuzz_input.h):
# on a disk, rewriting that file costs more than reading it (ext4 writes a file truncated and
# rewritten back to disk when it is closed), so the files go to a folder in RAM (/dev/shm, a
# tmpfs) where there is one, removed when the script ends, a crashed target's files included.
if [ -d /dev/shm ] && [ -w /dev/shm ]; then
  scratch="$(mktemp -d /dev/shm/hashgrad-fuzz.XXXXXX)"
  trap 'rm -rf "$scratch"' EXIT
  export TMPDIR="$scratch"
fi

# The commit the targets were built from, beside each log for scripts/fuzz_report.py: a report may
# gather runs of several commits (a long run of one target, short reruns of others).
commit="$(git -C "$root" describe --always --dirty --abbrev=7 2>/dev/null || echo unknown)"

# Runs one target for $seconds; its exit status goes to logs/<target>.status.
run_target() {
  local target="$1"
  local corpus="$build/corpus/$target" findings="$build/findings/$target"
  mkdir -p "$corpus" "$findings"
  local seeds=("$build/seeds/$target")
  [ -d "$root/tests/fixtures/fuzz/$target" ] && seeds+=("$root/tests/fixtures/fuzz/$target")
  # -rss_limit_mb: a reader that allocates what a hostile header claims fails here.
  # -close_fd_mask=1: the commands' --help and results on stdout would flood the log.
  # --workers: fork mode ignores a worker's timeout, memory limit or crash unless told not to.
  rm -f "$build/logs/$target.status"
  echo "$commit" >"$build/logs/$target.commit"
  local status=0
  OMP_NUM_THREADS=1 "$build/fuzzers/${target}_fuzzer" "$corpus" "${seeds[@]}" \
    -max_total_time="$seconds" ${runs:+-runs="$runs"} \
    ${workers:+-fork="$workers" -ignore_timeouts=0 -ignore_ooms=0 -ignore_crashes=0} \
    -timeout=1 -rss_limit_mb=2048 -malloc_limit_mb=2048 \
    -max_len=65536 -close_fd_mask=1 -print_final_stats=1 -artifact_prefix="$findings/" \
    >"$build/logs/$target.log" 2>&1 || status=$?
  echo "$status" >"$build/logs/$target.status"
}

failed=()
running=0
for target in "${targets[@]}"; do
  run_target "$target" &
  running=$((running + 1))
  if ((running >= jobs)); then
    wait -n
    running=$((running - 1))
  fi
done
wait
for target in "${targets[@]}"; do
  if [ "$(cat "$build/logs/$target.status" 2>/dev/null)" = 0 ]; then status=ok; else
    status=FAILED; failed+=("$target"); fi
  # A single process's final count, or a fork run's (--workers) last sum over its workers.
  count_pattern='stat::number_of_executed_units: *[0-9]+'
  grep -q '^INFO: -fork=' "$build/logs/$target.log" && count_pattern='^#[0-9]+: cov'
  executions=$(grep -oE "$count_pattern" "$build/logs/$target.log" | tail -1 | grep -oE '[0-9]+' |
               head -1 || echo "?")
  coverage=$(grep -o 'cov: [0-9]*' "$build/logs/$target.log" | tail -1 | grep -o '[0-9]*' || echo "?")
  printf '%-24s %-7s %12s executions, coverage %s edges\n' "$target" "$status" "$executions" \
    "$coverage"
done
if ((${#failed[@]})); then
  echo "fuzz.sh: findings in ${failed[*]}: see $build/logs/<target>.log and $build/findings/" >&2
  exit 1
fi
