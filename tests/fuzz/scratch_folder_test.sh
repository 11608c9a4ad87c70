#!/bin/sh
# A fuzz target removes its scratch folder (tests/fuzz/fuzz_input.h) when it exits, whether it
# stopped after -runs executions or after -max_total_time: hand runs of the targets have no
# fuzz.sh to clean $TMPDIR after them, and a folder left per run fills /dev/shm.
#
#   scratch_folder_test.sh FUZZER
set -eu
fuzzer="$1"
folder="$(mktemp -d)"
trap 'rm -rf "$folder"' EXIT
for stop in -runs=50 -max_total_time=1; do
  TMPDIR="$folder" ASAN_OPTIONS=detect_leaks=0 "$fuzzer" "$stop" >/dev/null 2>&1 ||
    { echo "$fuzzer $stop failed"; exit 1; }
  left="$(ls -A "$folder")"
  [ -z "$left" ] || { echo "$fuzzer $stop left '$left' in its \$TMPDIR"; exit 1; }
done
echo "$fuzzer left nothing in \$TMPDIR"
