// hashgrad's op profiler: every op, forward and backward, runs inside a named Scope.
//
// Off (the default) a Scope is one load of a global flag and a branch: nothing measurable.
// On (profiler::enable(), or HASHGRAD_PROFILE=1 in the environment of any command) each Scope
//   - pushes an NVTX range, so Nsight Systems shows op names on its timeline;
//   - times itself: CUDA events around GPU work, a steady clock on the CPU;
//   - records how many bytes the allocators handed out while it was open.
// Finished scopes are folded into per-op totals as the run goes (GPU ones once their events have
// happened), so memory stays flat however long the run. profiler::table() prints, per op and
// device: calls, total and mean time, share of the total, bytes allocated. Scopes nest (a backward
// op calls raw ops); times are inclusive, and the share is relative to the time of the outermost
// scopes.
#pragma once

#include <atomic>
#include <string>

namespace hg::profiler {

namespace detail {
extern std::atomic<bool> enabled_flag;
}

inline bool enabled() { return detail::enabled_flag.load(std::memory_order_relaxed); }
void enable(bool on = true);
// Forget everything recorded so far.
void reset();
// The per-op table (synchronises the GPU to read its events).
std::string table();

class Scope {
 public:
  // `on_gpu` picks the clock: CUDA events on hashgrad's stream, or the host's steady clock.
  Scope(const char* name, bool on_gpu) {
    if (enabled()) begin(name, on_gpu);
  }
  ~Scope() {
    if (active_) end();
  }
  Scope(const Scope&) = delete;
  Scope& operator=(const Scope&) = delete;

 private:
  void begin(const char* name, bool on_gpu);
  void end();

  bool active_ = false;
};

}  // namespace hg::profiler
