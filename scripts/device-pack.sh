#!/usr/bin/env bash
# Packs what a bare GPU machine lacks into .device/ (git-ignored), for the `device` tool's
# `carry`: headers of the Debian packages hashgrad builds against, GoogleTest's static
# libraries, zlib, and the Fashion-MNIST files. Run here, where the packages are installed.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="$root/.device"
rm -rf "$dest" && mkdir -p "$dest/include" "$dest/lib" "$dest/fashion-mnist"
cp -r /usr/include/nlohmann /usr/include/CLI /usr/include/stb /usr/include/gtest /usr/include/gmock \
      /usr/include/zlib.h /usr/include/zconf.h "$dest/include/"
cp /usr/lib/x86_64-linux-gnu/libgtest.a /usr/lib/x86_64-linux-gnu/libgtest_main.a \
   /usr/lib/x86_64-linux-gnu/libz.a "$dest/lib/"
cp /usr/share/datasets/fashion-mnist/*.gz "$dest/fashion-mnist/"
du -sh "$dest"
