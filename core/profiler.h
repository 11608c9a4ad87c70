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

// A GPU's side of the profiler: NVTX ranges, and scope times measured by events on hashgrad's
// stream. cuda/ installs one when it finds a device (cuda/profiler_events.cpp); without one every
// scope is timed by the host's clock. The profiler never fails the op it measures, so none of
// these throws: a GPU timing that cannot be taken leaves the scope to the host's clock, or drops
// it.
class DeviceClock {
 public:
  virtual void push_range(const char* name) = 0;
  virtual void pop_range() = 0;
  // Starts timing on the GPU: a timing to stop, or nullptr when it could not start.
  virtual void* start() = 0;
  // Stops it; false (and the timing given up) when the stop could not be recorded.
  virtual bool stop(void* timing) = 0;
  // Milliseconds between a stopped timing's start and stop, once the GPU has passed its stop
  // (with `wait`, after waiting for it): the timing is then done with. -1 while the GPU has not
  // got there, NaN when it cannot be read (the timing is done with too).
  virtual double elapsed_milliseconds(void* timing, bool wait) = 0;
  // Gives up a stopped timing that will not be read.
  virtual void discard(void* timing) = 0;

 protected:
  ~DeviceClock() = default;
};
void install_device_clock(DeviceClock* clock);

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
