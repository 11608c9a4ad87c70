#!/usr/bin/env bash
# The test command: set up (installs what is missing, builds), then run every test; then the same
# CPU suite under AddressSanitizer and UBSan, and a 30-second smoke run of every fuzz target.
# GPU tests (label gpu) skip by themselves on a machine without a device.
set -euo pipefail
# Needed by the tests alone, not to build or run hashgrad (setup.sh installs them with its own
# list): PyTorch and torchvision, which the torchvision parity tests
# (tests/torchvision_parity_test.cpp) run beside hashgrad together with
# scripts/convert_weights.py, and against which tests/peer_script_test.py runs
# bench/torch_peer.py; clang and libFuzzer for the sanitized build and the fuzz targets.
test_packages=(python3-torch python3-torchvision clang-14 libfuzzer-14-dev libomp-14-dev)
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
ctest --test-dir "$BUILD_DIR" --output-on-failure -j "$(nproc)"

# The sanitized build: one build folder serves the CPU suite and the fuzz targets (clang, CPU-only,
# -fsanitize=fuzzer-no-link,address,undefined: ASan and UBSan, plus the coverage hooks libFuzzer
# needs, which cost the suite little and spare a second full build; scripts/fuzz.sh configures
# the folder). Warnings are GCC's job in the main build; clang's own set is not made errors here.
# The allocator cache is off so that ASan sees every tensor's memory (README, "Checking memory").
# Left out of the sanitized run, to keep CI within 40 minutes on 2 cores: the slow Python tests
# (torchvision parity, the peer benchmark script), which test numbers against PyTorch, and the
# end-to-end training runs (every method's config, hard stops, encode and allocator commands,
# the trainer's own runs, the full-size backbones and configs), which repeat the paths the unit
# tests cover at minutes each under ASan. The main build's run above ran them all.
SANITIZE_DIR="${HASHGRAD_FUZZ_BUILD_DIR:-$HASHGRAD_ROOT/build-sanitize}"
HASHGRAD_FUZZ_BUILD_DIR="$SANITIZE_DIR" "$HASHGRAD_ROOT/scripts/fuzz.sh" --configure-only
cmake --build "$SANITIZE_DIR" -j "$(nproc)"
HASHGRAD_NO_MEMORY_CACHING=1 ASAN_OPTIONS=detect_leaks=1 \
  ctest --test-dir "$SANITIZE_DIR" --output-on-failure -j "$(nproc)" -L cpu \
  -E "torchvision|peer_script|MethodTrains|HardStop|EncodeCommand|AllocatorCommand|^Training\.|^Backbones\.|EveryConfigParses"
# The fuzz smoke: every target for 30 seconds, as many at a time as there are cores (16 targets,
# 4 minutes on 2 cores), seeded by make_seeds and the inputs of tests/fixtures/fuzz/ (the
# findings of earlier runs, fixed).
HASHGRAD_FUZZ_BUILD_DIR="$SANITIZE_DIR" "$HASHGRAD_ROOT/scripts/fuzz.sh" --seconds 30 \
  --jobs "$(nproc)"
