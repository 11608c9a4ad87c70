#!/usr/bin/env bash
# Packs what a bare GPU machine lacks into .device/ (git-ignored), for the `device` tool's
# `carry`: headers of the Debian packages hashgrad builds against, GoogleTest's static
# libraries, zlib, and the Fashion-MNIST files. Run here, where the packages are installed.
#   scripts/device-pack.sh              what a build on the device needs
#   scripts/device-pack.sh --binaries   also the GPU check's binaries, built here in build/
#                                       (CUDA on, sm_90): the device then runs them without
#                                       building, which saves minutes of every device call
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="$root/.device"
rm -rf "$dest" && mkdir -p "$dest/include" "$dest/lib" "$dest/fashion-mnist"
cp -r /usr/include/nlohmann /usr/include/CLI /usr/include/stb /usr/include/gtest /usr/include/gmock \
      /usr/include/zlib.h /usr/include/zconf.h "$dest/include/"
cp /usr/lib/x86_64-linux-gnu/libgtest.a /usr/lib/x86_64-linux-gnu/libgtest_main.a \
   /usr/lib/x86_64-linux-gnu/libz.a "$dest/lib/"
cp /usr/share/datasets/fashion-mnist/*.gz "$dest/fashion-mnist/"
# The device's copy of the tree has no .git: results name the commit from here.
git -C "$root" describe --always --dirty >"$dest/commit"
if [ "${1:-}" = "--binaries" ]; then
  grep -q '^HASHGRAD_CUDA:BOOL=ON' "$root/build/CMakeCache.txt" ||
    { echo "device-pack: build/ is not a CUDA build (configure it with -DHASHGRAD_CUDA=ON)"; exit 1; }
  mapfile -t targets < <("$root/scripts/gpu-targets.sh")
  cmake --build "$root/build" -j "$(nproc)" --target "${targets[@]}"
  files=(hashgrad)
  for target in "${targets[@]:1}"; do
    case "$target" in bench_*) files+=("bench/$target") ;; *) files+=("tests/$target") ;; esac
  done
  tar -cJf "$dest/binaries.tar.xz" -C "$root/build" "${files[@]}"
  # The test binaries hold the source and build folders as absolute paths (fixtures, scratch).
  echo "$root" >"$dest/source_root"
fi
du -sh "$dest"
