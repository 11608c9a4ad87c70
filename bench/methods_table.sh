#!/usr/bin/env bash
# Trains every method of configs/ on one dataset and writes the table of its retrieval metrics
# to bench/results/methods-<dataset>-<bits>-<device>.md, with device, commit and date.
#   bench/methods_table.sh [dataset] [bits] [--set key=value ...]
# (dataset: fmnist or cifar10_1; extra --set options go to every run, e.g. --set rounds=5 for a
# quick pass; METHODS="dpsh csq" trains only those). Needs a build (scripts/setup.sh); full
# schedules want a GPU.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dataset="${1:-fmnist}"
bits="${2:-48}"
shift $(( $# > 2 ? 2 : $# ))
hashgrad="${HASHGRAD:-$root/build/hashgrad}"
device=$("$hashgrad" info | sed 's/.*device: //')
# The file name carries a short device tag (cpu, nvidia-h100-80gb-hbm3); the table, the full name.
device_tag=$(echo "${device%% (*}" | tr 'A-Z' 'a-z' | tr -cs 'a-z0-9' '-' | sed 's/^-*//; s/-*$//')
if [[ "$device" == "no CUDA device"* || " $* " == *" device=cpu "* ]]; then
  device="CPU $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores"
  device_tag=cpu
fi
command="${METHODS:+METHODS=\"$METHODS\" }bench/methods_table.sh $dataset $bits $*"
commit="${HASHGRAD_COMMIT:-$(git -C "$root" rev-parse --short HEAD)}"
runs="$root/runs/methods-$dataset-$bits-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$runs"
table="$root/bench/results/methods-$dataset-$bits-$device_tag${TABLE_SUFFIX:-}.md"

# The table is rewritten after every method, so a run cut short keeps the rows it finished.
rows=""
write_table() {
  mkdir -p "$(dirname "$table")"
  {
    echo "# mAP@all of every method on $dataset, $bits bits"
    echo
    echo "device: $device; commit: $commit; date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo
    echo "command: \`$command\`"
    echo
    echo "| method | bits | mAP@all | P@1000 | P(r<=2) | seconds |"
    echo "|---|---|---|---|---|---|"
    printf "%s" "$rows"
  } >"$table.partial" && mv "$table.partial" "$table"
}
for config in "$root"/configs/*_"$dataset".conf; do
  method=$(basename "$config" "_$dataset.conf")
  [[ -n "${METHODS:-}" && " $METHODS " != *" $method "* ]] && continue
  bits_for_method="$bits"
  # The Swin method's code lengths are 16/32/64.
  [[ "$method" == swin_* && "$bits" == 48 ]] && bits_for_method=64
  start=$(date +%s)
  if "$hashgrad" train --config "$config" --set bits="$bits_for_method" "$@" \
       --out "$runs/$method" >"$runs/$method.log" 2>&1; then
    seconds=$(( $(date +%s) - start ))
    row=$(python3 -c "import json,sys; m=json.load(open(sys.argv[1]))
print('| %s | %d | %.4f | %.4f | %.4f | %d |' % (sys.argv[2], m['bits'], m['map_all'],
      m['precision_at_k'], m['precision_radius2'], int(sys.argv[3])))" \
      "$runs/$method/metrics.json" "$method" "$seconds")
  else
    row="| $method | $bits_for_method | failed: see $runs/$method.log | | | |"
  fi
  echo "$row"
  rows+="$row"$'\n'
  write_table
done
echo "wrote $table"
