#!/usr/bin/env bash
# Installs what hashgrad needs that this Debian machine lacks, then configures and builds it.
# Sourced by run.sh and test.sh, so either works as the first command on a fresh machine.
#
# CUDA is used when nvcc is found (PATH or /usr/local/cuda/bin); cuDNN is looked for in the
# toolkit and, failing that, in a Python environment's nvidia/cudnn package (as on machines
# where cuDNN only came with PyTorch). Without nvcc hashgrad builds CPU-only. NCCL is found the
# same way (the toolkit, else Python's nvidia/nccl package). OpenMPI is installed and required
# here, so the mpi tests run wherever this script builds; a hand-made build finds it or goes
# without (HASHGRAD_MPI=auto).
set -euo pipefail

HASHGRAD_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${HASHGRAD_BUILD_DIR:-$HASHGRAD_ROOT/build}"

# libturbojpeg0-dev: libjpeg-turbo decodes JPEGs (the build works without it, leaving them to
# stb_image, slower and at full size only: data/jpeg_decoder.h).
packages=(cmake g++ ninja-build ccache libgtest-dev libstb-dev zlib1g-dev nlohmann-json3-dev
          libcli11-dev libturbojpeg0-dev dataset-fashion-mnist openmpi-bin libopenmpi-dev)
# test.sh adds the packages only the tests need.
packages+=(${test_packages[@]+"${test_packages[@]}"})
# Wanted, not needed: the gallery test renders gallery.html in headless Chromium and skips
# without it, so a failed install only warns.
optional_packages=(chromium)
not_installed() {
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
      echo "$package"
  done
}
mapfile -t missing < <(not_installed "${packages[@]}")
mapfile -t missing_optional < <(not_installed "${optional_packages[@]}")
if ((${#missing[@]} + ${#missing_optional[@]})); then
  sudo_prefix=""
  [ "$(id -u)" -eq 0 ] || sudo_prefix="sudo"
  $sudo_prefix apt-get update -qq
fi
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive $sudo_prefix apt-get install -y -qq "${missing[@]}" >/dev/null
fi
if ((${#missing_optional[@]})); then
  echo "setup: installing ${missing_optional[*]} (optional)"
  DEBIAN_FRONTEND=noninteractive $sudo_prefix apt-get install -y -qq "${missing_optional[@]}" \
    >/dev/null || echo "setup: ${missing_optional[*]} not installed; the tests that use it skip"
fi

cmake_options=(-DCMAKE_BUILD_TYPE=Release)
# Ninja for a new build folder; an existing one keeps the generator it was made with.
[ -f "$BUILD_DIR/CMakeCache.txt" ] || cmake_options+=(-G Ninja)
if command -v nvcc >/dev/null 2>&1 || [ -x /usr/local/cuda/bin/nvcc ]; then
  export PATH="$PATH:/usr/local/cuda/bin"
  if ! ls /usr/local/cuda/include/cudnn.h >/dev/null 2>&1; then
    cudnn_root=$(python3 -c 'import nvidia.cudnn, os; print(os.path.dirname(nvidia.cudnn.__file__))' \
                 2>/dev/null || true)
    [ -n "$cudnn_root" ] && cmake_options+=(-DCUDNN_ROOT="$cudnn_root")
  fi
  if ! ls /usr/local/cuda/include/nccl.h >/dev/null 2>&1; then
    nccl_root=$(python3 -c 'import nvidia.nccl, os; print(os.path.dirname(nvidia.nccl.__file__))' \
                2>/dev/null || true)
    [ -n "$nccl_root" ] && cmake_options+=(-DNCCL_ROOT="$nccl_root")
  fi
  cmake_options+=(-DHASHGRAD_CUDA=ON)
else
  echo "setup: no nvcc found: building the CPU-only engine"
  cmake_options+=(-DHASHGRAD_CUDA=OFF)
fi

cmake_options+=(-DHASHGRAD_MPI=ON)
cmake -S "$HASHGRAD_ROOT" -B "$BUILD_DIR" "${cmake_options[@]}" ${HASHGRAD_CMAKE_OPTIONS:-} >/dev/null
cmake --build "$BUILD_DIR" -j "$(nproc)"
