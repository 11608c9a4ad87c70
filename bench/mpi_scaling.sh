#!/usr/bin/env bash
# What N processes under mpirun buy on one machine's CPU cores (issue 19, docs/distributed.md),
# and what a cold page cache costs a search of a memory-mapped code file. Measures, on this
# machine, the wall clock of the same hashgrad command in four layouts:
#   1 process, 1 thread          (OMP_NUM_THREADS=1, no mpirun: the baseline)
#   mpirun -np 1, 1 thread       (the launcher's and MPI's start-up cost)
#   mpirun -np P, 1 thread each  (P = the cores, so P processes use P cores)
#   1 process, P threads         (the same cores shared by OpenMP instead)
# for `hashgrad search` and `hashgrad eval` of synthetic code files (bench_code_files), checking
# that every layout writes byte-identical results, and for a short deterministic `hashgrad
# train` of configs/dpsh_fmnist.conf, checking its round losses and final mAP@all against the
# baseline within the tolerance of tests/distributed_train_test.cpp (1e-3 relative, 0.02).
# Then `hashgrad search --stream-mb` over the search database with the file in the page cache
# and after dropping it (bench_page_cache --evict: posix_fadvise DONTNEED), with the resident
# fraction before each run. Writes bench/results/mpi-scaling-cpu.md.
#
#   bench/mpi_scaling.sh                   the full measurement (8 minutes on a quiet 2-core CPU)
#   bench/mpi_scaling.sh --search-database 1000000 --search-queries 1000 --eval-database 20000 \
#       --eval-queries 100 --train-images 400 --rounds 2 --repeat 1 \
#       --note "validation run" --results /tmp/mpi-scaling.md           a check, 2 minutes
#
# Options (defaults in brackets): --search-database [16000000] --search-queries [16000]
# --k [100] --eval-database [100000] --eval-queries [500] --stream-queries [1000]
# --stream-mb [64] --train-images [2000] --rounds [3] --processes [nproc] --repeat [3] (best of)
# --work [runs/mpi-scaling] (code files and outputs; on a disk, not tmpfs, whose pages can be
# dropped) --results [bench/results/mpi-scaling-cpu.md] --note [""] (a line under the title).
# Environment: HASHGRAD_BUILD_DIR (default build/) holds hashgrad and bench/bench_code_files,
# bench/bench_page_cache, built with MPI.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${HASHGRAD_BUILD_DIR:-$root/build}"
hashgrad="$build/hashgrad"

search_database=16000000 search_queries=16000 k=100
eval_database=100000 eval_queries=500
stream_queries=1000 stream_mb=64
train_images=2000 rounds=3
processes=$(nproc) repeat=3
work="$root/runs/mpi-scaling" results="$root/bench/results/mpi-scaling-cpu.md" note=""
command_line="bench/mpi_scaling.sh"  # as the report shows it: the options but the note
while (($# > 0)); do
  case "$1" in
    --search-database) search_database=$2 ;;
    --search-queries) search_queries=$2 ;;
    --k) k=$2 ;;
    --eval-database) eval_database=$2 ;;
    --eval-queries) eval_queries=$2 ;;
    --stream-queries) stream_queries=$2 ;;
    --stream-mb) stream_mb=$2 ;;
    --train-images) train_images=$2 ;;
    --rounds) rounds=$2 ;;
    --processes) processes=$2 ;;
    --repeat) repeat=$2 ;;
    --work) work=$2 ;;
    --results) results=$2 ;;
    --note) note=$2 ;;
    *) echo "mpi_scaling.sh: error: unknown option $1 (see the comment at the top)" >&2; exit 1 ;;
  esac
  [[ "$1" != --note ]] && command_line+=" $1 $2"
  shift 2
done
for program in "$hashgrad" "$build/bench/bench_code_files" "$build/bench/bench_page_cache"; do
  [[ -x "$program" ]] || { echo "mpi_scaling.sh: error: $program not built" >&2; exit 1; }
done
command -v mpirun >/dev/null || { echo "mpi_scaling.sh: error: mpirun not found (openmpi-bin)" >&2; exit 1; }

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
commit="${HASHGRAD_COMMIT:-$(git -C "$root" rev-parse --short HEAD)}"
[[ -z "${HASHGRAD_COMMIT:-}" && -n "$(git -C "$root" status --porcelain)" ]] && commit+="-dirty"
started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
cpu="$(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores"
mkdir -p "$work"
log="$work/last-command.log"

# mpirun as the mpi tests start it (tests/CMakeLists.txt): a rank waiting in a collective yields
# its core; root is allowed where the benchmark runs as root.
mpirun=(mpirun --oversubscribe --mca mpi_yield_when_idle 1)
[[ $(id -u) == 0 ]] && mpirun+=(--allow-run-as-root)

# The layouts, and the words that start hashgrad in layout $1 (set_launcher sets `launcher`).
layout_names=("1 process, 1 thread"
              "mpirun -np 1, 1 thread"
              "mpirun -np $processes, 1 thread each"
              "1 process, $processes threads")
set_launcher() {
  case "$1" in
    0) launcher=(env OMP_NUM_THREADS=1) ;;
    1) launcher=("${mpirun[@]}" -np 1 -x OMP_NUM_THREADS=1) ;;
    2) launcher=("${mpirun[@]}" -np "$processes" -x OMP_NUM_THREADS=1) ;;
    3) launcher=(env OMP_NUM_THREADS="$processes") ;;
  esac
}

# Runs a command (its output to $log), stopping the benchmark if it fails, and prints its wall
# clock in seconds.
seconds_of() {
  local start end
  start=$(date +%s.%N)
  "$@" >"$log" 2>&1 || { echo "mpi_scaling.sh: error: failed: $*" >&2; cat "$log" >&2; exit 1; }
  end=$(date +%s.%N)
  awk -v start="$start" -v end="$end" 'BEGIN { printf "%.3f\n", end - start }'
}

# The best (smallest) wall clock of $repeat runs of a command.
best_seconds_of() {
  local best="" seconds run
  for ((run = 1; run <= repeat; run++)); do
    seconds=$(seconds_of "$@")
    best=$(smaller "$seconds" "${best:-$seconds}")
  done
  echo "$best"
}

smaller() { awk -v a="$1" -v b="$2" 'BEGIN { print (a < b ? a : b) }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
pairs_per_second() { awk -v n="$1" -v q="$2" -v s="$3" 'BEGIN { printf "%.3e", n * q / s }'; }

# 1. The code files: a search database with its queries, a smaller eval database (eval ranks
# the whole database for every query, for mAP@all) with its queries, and the stream queries.
codes="$work/codes"
mkdir -p "$codes"
make_codes() {  # make_codes FILE COUNT SEED: written once, kept for later runs of the same size
  local file="$codes/$1-$2-seed$3.hgc"
  [[ -f "$file" ]] || "$build/bench/bench_code_files" --count "$2" --seed "$3" --output "$file" >&2
  echo "$file"
}
echo "code files in $codes"
search_index=$(make_codes database "$search_database" 1)
search_query=$(make_codes queries "$search_queries" 2)
eval_index=$(make_codes database "$eval_database" 3)
eval_query=$(make_codes queries "$eval_queries" 4)
stream_query=$(make_codes queries "$stream_queries" 5)

# 2. Search and eval in every layout; each layout's output files are compared with the
# baseline's byte for byte.
search_rows="" eval_rows="" search_baseline="" eval_baseline=""
for i in "${!layout_names[@]}"; do
  name=${layout_names[$i]}
  set_launcher "$i"
  out="$work/search-$i"
  seconds=$(best_seconds_of "${launcher[@]}" "$hashgrad" search --device cpu --index "$search_index" \
            --query "$search_query" -k "$k" --output "$out")
  search_baseline=${search_baseline:-$seconds}
  same=yes
  for file in ids.npy distances.npy labels.npy; do
    cmp -s "$out/$file" "$work/search-0/$file" || same="NO ($file differs)"
  done
  row="| $name | $seconds | $(pairs_per_second "$search_database" "$search_queries" "$seconds") | $(ratio "$search_baseline" "$seconds") | $same |"
  echo "search $row"
  search_rows+="$row"$'\n'

  out="$work/eval-$i"
  seconds=$(best_seconds_of "${launcher[@]}" "$hashgrad" eval --device cpu --index "$eval_index" \
            --queries "$eval_query" -k "$k" --output "$out")
  eval_baseline=${eval_baseline:-$seconds}
  same=yes
  cmp -s "$out/metrics.json" "$work/eval-0/metrics.json" || same="NO (metrics.json differs)"
  row="| $name | $seconds | $(ratio "$eval_baseline" "$seconds") | $same |"
  echo "eval $row"
  eval_rows+="$row"$'\n'
done
eval_map=$(python3 -c "import json,sys; print('%.4f' % json.load(open(sys.argv[1]))['results'][0]['map_all'])" \
           "$work/eval-0/metrics.json")

# 3. A short deterministic training run in every layout (synchronised BatchNorm, so every
# layout's batch statistics are the whole batch's, as in tests/distributed_train_test.cpp).
train_settings=(--set device=cpu --set deterministic=true --set workers=1
                --set max_database="$train_images" --set max_query=200 --set rounds="$rounds"
                --set sync_batch_norm=on --set gallery_queries=0)
# Prints "mean seconds per round | mAP@all | largest relative loss difference | mAP@all
# difference | within tolerance" of run directory $1 against the baseline's $2.
compare_training() {
  python3 - "$1" "$2" <<'PYTHON'
import json, sys
def rounds(run):
    return [e for e in map(json.loads, open(run + "/log.jsonl")) if e["event"] == "round"]
def map_all(run):
    return json.load(open(run + "/metrics.json"))["map_all"]
run, baseline = sys.argv[1], sys.argv[2]
mine, theirs = rounds(run), rounds(baseline)
seconds = sum(e["seconds"] for e in mine) / len(mine)
loss_difference = max(abs(a["loss"] - b["loss"]) / abs(b["loss"]) for a, b in zip(mine, theirs))
map_difference = abs(map_all(run) - map_all(baseline))
within = len(mine) == len(theirs) and loss_difference <= 1e-3 and map_difference <= 0.02
print("%.2f | %.4f | %.1e | %.4f | %s" % (seconds, map_all(run), loss_difference,
                                           map_difference, "yes" if within else "NO"))
PYTHON
}
train_rows="" train_baseline=""
for i in "${!layout_names[@]}"; do
  name=${layout_names[$i]}
  set_launcher "$i"
  out="$work/train-$i"
  rm -rf "$out"
  seconds=$(seconds_of "${launcher[@]}" "$hashgrad" train --config "$root/configs/dpsh_fmnist.conf" \
            "${train_settings[@]}" --out "$out")
  comparison=$(compare_training "$out" "$work/train-0")
  per_round=${comparison%% |*}
  train_baseline=${train_baseline:-$per_round}
  row="| $name | $seconds | $per_round | $(ratio "$train_baseline" "$per_round") | ${comparison#* | } |"
  echo "train $row"
  train_rows+="$row"$'\n'
done

# 4. The search database streamed in parts of --stream-mb MiB by one process on every core,
# with the file in the page cache, then after dropping it; and reading the file alone, cold, for
# the disk's rate. The resident fraction is read before each timed run.
resident() { "$build/bench/bench_page_cache" "$@" "$search_index" | awk '{ print $2 }'; }
stream_search=(env OMP_NUM_THREADS="$processes" "$hashgrad" search --device cpu
               --index "$search_index" --query "$stream_query" -k "$k"
               --stream-mb "$stream_mb" --output "$work/stream")
declare -A stream_seconds
stream_rows=""
for state in cached cold; do
  best="" fractions=""
  for ((run = 1; run <= repeat; run++)); do
    if [[ $state == cached ]]; then
      cat "$search_index" >/dev/null
      fractions+="$(resident) "
    else
      fractions+="$(resident --evict) "
    fi
    seconds=$(seconds_of "${stream_search[@]}")
    best=$(smaller "$seconds" "${best:-$seconds}")
  done
  stream_seconds[$state]=$best
  stream_rows+="| $state | $fractions| $best | $(pairs_per_second "$search_database" "$stream_queries" "$best") |"$'\n'
done
file_mb=$(awk -v bytes="$(stat -c %s "$search_index")" 'BEGIN { printf "%.0f", bytes / 1048576 }')
read_fraction=$(resident --evict)
read_seconds=$(seconds_of dd if="$search_index" of=/dev/null bs=1M)
echo "stream: cached ${stream_seconds[cached]} s, cold ${stream_seconds[cold]} s, cold read of $file_mb MiB in $read_seconds s"

# 5. The report.
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
shown() {  # a command as the report shows it: paths relative to the work folder and the build
  echo "$*" | sed "s|$work/||g; s|$build/||g; s|$root/||g"
}
mkdir -p "$(dirname "$results")"
{
  echo "# hashgrad under mpirun on one machine's CPU: speed-up of N processes (issue 19)"
  echo
  [[ -n "$note" ]] && { echo "**$note**"; echo; }
  echo "CPU: $cpu; commit $commit; $started; load average before $load_before, after $load_after."
  echo
  echo "Command: \`$(shown "$command_line")\` (build: $(shown "$build"); files under $(shown "$work"))."
  echo
  echo "| layout | started as |"
  echo "|---|---|"
  for i in "${!layout_names[@]}"; do
    set_launcher "$i"
    echo "| ${layout_names[$i]} | \`${launcher[*]} hashgrad ...\` |"
  done
  echo
  echo "Seconds: the wall clock of the whole command, start-up and file reading included; best of"
  echo "$repeat runs for search and eval, one run for training. Speed-up: the first row's seconds over"
  echo "the row's."
  echo
  echo "## Search: $search_database random 64-bit codes x $search_queries queries, top $k"
  echo
  echo "\`$(shown hashgrad search --device cpu --index "$search_index" --query "$search_query" -k "$k" --output search-N)\`"
  echo
  echo "| layout | seconds | pairs/s | speed-up | results equal the first row's (ids, distances, labels .npy) |"
  echo "|---|---:|---:|---:|---|"
  printf "%s" "$search_rows"
  echo
  echo "## Eval: $eval_database codes x $eval_queries queries, full rankings (mAP@all $eval_map, random labels)"
  echo
  echo "\`$(shown hashgrad eval --device cpu --index "$eval_index" --queries "$eval_query" -k "$k" --output eval-N)\`"
  echo
  echo "Eval ranks the whole database for every query (mAP@all). Under mpirun each rank ranks its share and"
  echo "sends rank 0 only a summary per query (counts by distance, its relevant items' positions:"
  echo "hashing/ranking_summary.h); rank 0 merges the summaries and scores them."
  echo
  echo "| layout | seconds | speed-up | metrics.json equals the first row's |"
  echo "|---|---:|---:|---|"
  printf "%s" "$eval_rows"
  echo
  echo "## Training: configs/dpsh_fmnist.conf, $train_images images, $rounds rounds"
  echo
  echo "\`$(shown hashgrad train --config configs/dpsh_fmnist.conf "${train_settings[@]}" --out train-N)\`"
  echo
  echo "Tolerance (tests/distributed_train_test.cpp): every round's loss within 1e-3 relative, mAP@all within 0.02."
  echo
  echo "| layout | seconds (whole run) | seconds per round (mean) | speed-up per round | mAP@all | largest relative loss difference | mAP@all difference | within tolerance |"
  echo "|---|---:|---:|---:|---:|---:|---:|---|"
  printf "%s" "$train_rows"
  echo
  echo "## A memory-mapped code file searched in parts, cached and cold"
  echo
  echo "\`$(shown "${stream_search[@]}")\`: the $search_database-code file ($file_mb MiB) x $stream_queries queries,"
  echo "one process, $processes threads, best of $repeat runs. Cached: the file read (\`cat\`) before each"
  echo "run; cold: dropped (\`bench_page_cache --evict\`) before each run. Resident fraction of the file's pages before each run (mincore):"
  echo
  echo "| file | resident before each run | seconds | pairs/s |"
  echo "|---|---|---:|---:|"
  printf "%s" "$stream_rows"
  echo
  echo "Reading the file alone after dropping it (resident $read_fraction before): \`dd bs=1M\`, $read_seconds s,"
  echo "$(awk -v mb="$file_mb" -v s="$read_seconds" 'BEGIN { printf "%.0f", mb / s }') MiB/s. Cold over cached: $(ratio "${stream_seconds[cold]}" "${stream_seconds[cached]}")x the time."
} >"$results.partial"
mv "$results.partial" "$results"
echo "wrote $results"
