// The numeric mode switches of cuda/runtime.h: plain flags, the same in a CPU-only build.
#include <atomic>

#include "cuda/runtime.h"

namespace hg::cuda {

namespace {
std::atomic<bool> strict_fp32_mode{false};
std::atomic<bool> deterministic_mode{false};
}  // namespace

void set_strict_fp32(bool strict) { strict_fp32_mode = strict; }
bool strict_fp32() { return strict_fp32_mode; }
void set_deterministic(bool on) { deterministic_mode = on; }
bool deterministic() { return deterministic_mode; }

}  // namespace hg::cuda
