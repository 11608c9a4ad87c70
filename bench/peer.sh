#!/usr/bin/env bash
# hashgrad beside PyTorch on one device, as one command: the training steps of
# bench/peer_cases.json in hashgrad (bench_peer_bench) and in PyTorch (bench/torch_peer.py),
# optionally the main job in both (`hashgrad train` and bench/torch_adsh_reference.py), then
# bench/peer_report.py's table and bench/results/peer-<device>.json.
#
#   bench/peer.sh [--device cpu|cuda] [--cases A,B] [--modes M,...] [--steps T] [--repeats R]
#                 [--threads N] [--main-job] [--rounds N] [--max-query N]
#                 [--budget-seconds S] [--check] [--merge] [--out FILE] [--work DIR]
#
# On the CPU each case runs in a process of its own on either side, so that a peak resident
# set is that case's alone; on a GPU each side runs every case in one process (the allocators'
# peaks are reset per case). The hashgrad steps and the main job run first; PyTorch's steps get
# what is left of --budget-seconds (its compiled modes are the ones that then go unmeasured,
# each named in the file as skipped). --rounds and --max-query shorten the main job on both
# sides alike (scripts/run.sh's CPU schedule is --rounds 30). --check asserts that every
# PyTorch step trained and every compiled mode compiled. Intermediate files go to --work
# (default runs/peer/<device>/), where those of an earlier run are removed first.
#
# Environment: HASHGRAD_BUILD_DIR (default build/) holds the binaries; PYTHON is an interpreter
# with torch (default: python3 if it imports torch, else /usr/bin/python3, Debian's).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${HASHGRAD_BUILD_DIR:-$root/build}"
started=$(date +%s)

device="" cases="" modes="" steps="" repeats="" threads="" main_job=0 rounds="" max_query=""
budget="" check=0 merge=0 out="" work=""
usage() { sed -n '7,9p' "$0" >&2; exit 2; }
while (($#)); do
  case "$1" in
    --device) device="$2"; shift ;;
    --cases) cases="$2"; shift ;;
    --modes) modes="$2"; shift ;;
    --steps) steps="$2"; shift ;;
    --repeats) repeats="$2"; shift ;;
    --threads) threads="$2"; shift ;;
    --main-job) main_job=1 ;;
    --rounds) rounds="$2"; shift ;;
    --max-query) max_query="$2"; shift ;;
    --budget-seconds) budget="$2"; shift ;;
    --check) check=1 ;;
    --merge) merge=1 ;;
    --out) out="$2"; shift ;;
    --work) work="$2"; shift ;;
    *) echo "peer.sh: unknown option '$1'" >&2; usage ;;
  esac
  shift
done

python="${PYTHON:-}"
if [ -z "$python" ]; then
  for candidate in python3 /usr/bin/python3; do
    if "$candidate" -c 'import torch' 2>/dev/null; then python="$candidate"; break; fi
  done
fi
[ -n "$python" ] || { echo "peer.sh: no python3 with torch (apt-get install python3-torch, or set PYTHON)" >&2; exit 1; }
[ -x "$build/bench/bench_peer_bench" ] ||
  { echo "peer.sh: $build/bench/bench_peer_bench not built (set HASHGRAD_BUILD_DIR)" >&2; exit 1; }
if [ -z "$device" ]; then
  device=$("$python" -c 'import torch; print("cuda" if torch.cuda.is_available() else "cpu")')
fi
[ "$device" = cpu ] || [ "$device" = cuda ] || { echo "peer.sh: --device cpu or cuda" >&2; exit 2; }
[ -n "$cases" ] || cases=$("$python" -c 'import json, sys
print(",".join(c["case"] for c in json.load(open(sys.argv[1]))["cases"]))' "$root/bench/peer_cases.json")

work="${work:-$root/runs/peer/$device}"
mkdir -p "$work"
rm -rf "$work"/hashgrad-*.json "$work"/pytorch-*.json "$work/main-hashgrad" "$work/main-pytorch.json"
hashgrad_options=(--device "$device")
torch_options=(--device "$device")
[ -n "$steps" ] && hashgrad_options+=(--steps "$steps") && torch_options+=(--steps "$steps")
[ -n "$repeats" ] && hashgrad_options+=(--repeats "$repeats") && torch_options+=(--repeats "$repeats")
[ -n "$threads" ] && hashgrad_options+=(--cpu-threads "$threads") && torch_options+=(--threads "$threads")
[ -n "$modes" ] && torch_options+=(--modes "$modes")
((check)) && torch_options+=(--check)
seconds_since() { awk -v start="$1" -v end="$(date +%s.%N)" 'BEGIN { printf "%.3f", end - start }'; }

# One process per case on the CPU (peak resident sets), one for all on a GPU.
if [ "$device" = cpu ]; then IFS=, read -ra groups <<<"$cases"; else groups=("$cases"); fi

status=0  # a failed case or mode is named in its results file; the others still run
for group in "${groups[@]}"; do
  "$build/bench/bench_peer_bench" "${hashgrad_options[@]}" --cases "$group" \
    --out "$work/hashgrad-${group//,/+}.json" || status=$?
done

report_options=()
if ((main_job)); then
  train_options=() reference_options=(--device "$device")
  [ "$device" = cpu ] && train_options+=(--set device=cpu)
  [ -n "$rounds" ] && train_options+=(--set "rounds=$rounds") && reference_options+=(--rounds "$rounds")
  [ -n "$max_query" ] && train_options+=(--set "max_query=$max_query") &&
    reference_options+=(--max-query "$max_query")
  [ -n "$threads" ] && reference_options+=(--threads "$threads")
  begin=$(date +%s.%N)
  "$build/hashgrad" train --config "$root/configs/attention_adsh_fmnist.conf" \
    --out "$work/main-hashgrad" "${train_options[@]}"
  hashgrad_seconds=$(seconds_since "$begin")
  begin=$(date +%s.%N)
  "$python" "$root/bench/torch_adsh_reference.py" "${reference_options[@]}" \
    --out "$work/main-pytorch.json"
  report_options+=(--main-job-hashgrad "$work/main-hashgrad"
                   --main-job-hashgrad-seconds "$hashgrad_seconds"
                   --main-job-pytorch "$work/main-pytorch.json"
                   --main-job-pytorch-seconds "$(seconds_since "$begin")")
fi

for group in "${groups[@]}"; do
  budget_options=() limit=()
  if [ -n "$budget" ]; then
    # PyTorch plans with what is left less half a minute, and is stopped 20 s before the end
    # (a compile can overrun its plan), so the report is always written; its file holds every
    # mode finished by then.
    left=$((budget - ($(date +%s) - started)))
    budget_options=(--budget-seconds $((left - 30)))
    limit=(timeout $((left > 21 ? left - 20 : 1)))
  fi
  "${limit[@]}" "$python" "$root/bench/torch_peer.py" "${torch_options[@]}" \
    "${budget_options[@]}" --cases "$group" --hashgrad "$work/hashgrad-${group//,/+}.json" \
    --out "$work/pytorch-${group//,/+}.json" || status=$?
done

((merge)) && report_options+=(--merge)
[ -n "$out" ] && report_options+=(--out "$out")
shopt -s nullglob
pytorch_results=("$work"/pytorch-*.json)
((${#pytorch_results[@]})) || { echo "peer.sh: PyTorch wrote no results (see above)" >&2; exit 1; }
"$python" "$root/bench/peer_report.py" --hashgrad "$work"/hashgrad-*.json \
  --pytorch "${pytorch_results[@]}" "${report_options[@]}"
exit "$status"
