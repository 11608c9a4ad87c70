// The GPU as the rest of hashgrad sees it: is there one, what it is, the numeric modes. Like
// every cuda/ header that code above cuda/ includes, it has no CUDA types (cuda/stream.h names
// the stream opaquely; cuda/handles.h and cuda/check.h are for cuda/'s own files).
#pragma once

#include <string>

namespace hg::cuda {

// True when hashgrad was built with CUDA (HASHGRAD_WITH_CUDA).
constexpr bool compiled_with_cuda() { return HASHGRAD_WITH_CUDA != 0; }

// Number of usable devices: 0 in a CPU-only build, with no driver, or with no GPU.
int device_count();
inline bool available() { return device_count() > 0; }

// The current device: "NVIDIA H100 80GB HBM3 (sm_90, 79.1 GiB)", or "no CUDA device".
std::string device_description();

// The current device's streaming multiprocessors and their clock, for benchmarks' peak figures.
struct ComputeUnits {
  int multiprocessors = 0;
  int clock_khz = 0;
};
ComputeUnits compute_units();

// The calling thread's GPU: the process's own (cuda/device_choice.h), or the one a DeviceScope
// chose. Throws without a device.
int current_device();

// Makes GPU `ordinal` the calling thread's device while it lives, the previous one again after:
// how one process works on several GPUs (hashing/partitioned_index.h puts a part of a database
// on each). In the scope every CUDA call is that device's, hashgrad's stream (cuda/stream.h) and
// device memory (cuda/allocator.h) included. Throws, naming the ordinal, past the visible GPUs.
class DeviceScope {
 public:
  explicit DeviceScope(int ordinal);
  ~DeviceScope();
  DeviceScope(const DeviceScope&) = delete;
  DeviceScope& operator=(const DeviceScope&) = delete;

 private:
  int previous_ = 0;
};

// Wait for all work queued on hashgrad's stream of the current device.
void synchronize();
// Wait for all work on every device hashgrad has used (before device memory is given back).
void synchronize_every_device();

// Strict fp32 (no TF32) for convolutions and GEMMs. Tests turn it on (DESIGN §3).
void set_strict_fp32(bool strict);
bool strict_fp32();

// Deterministic mode: fixed algorithms, no atomics in reductions (DESIGN §3).
void set_deterministic(bool deterministic);
bool deterministic();

}  // namespace hg::cuda
