// The profiler's GPU clock: NVTX ranges, and CUDA events recorded on hashgrad's stream around a
// scope, read once the GPU has passed them (core/profiler.h has the interface and says why).
#include "cuda/profiler_events.h"
#include "cuda/check.h"

#include <nvtx3/nvToolsExt.h>

#include <limits>
#include <map>
#include <mutex>
#include <vector>

#include "core/profiler.h"
#include "cuda/stream.h"

namespace hg::cuda {

namespace {

// The profiler never fails the op it measures (and a scope ends in a destructor, which must not
// throw): a CUDA call of its own that fails costs that scope its GPU time, and the error is
// cleared so that the next kernel launch does not report it as its own.
bool succeeded(cudaError_t status) {
  if (status == cudaSuccess) return true;
  cudaGetLastError();
  return false;
}

// An event can only be recorded on a stream of the device it was made on, so the events of a
// timing, and the spare ones, belong to a device (a search split across GPUs times each part on
// its own).
struct EventPair {
  int device = 0;
  cudaEvent_t start = nullptr, stop = nullptr;
};

class EventClock final : public profiler::DeviceClock {
 public:
  void push_range(const char* name) override { nvtxRangePushA(name); }
  void pop_range() override { nvtxRangePop(); }

  void* start() override {
    int device = 0;
    if (!succeeded(cudaGetDevice(&device))) return nullptr;
    auto* timing = new EventPair{device, take_event(device), take_event(device)};
    if (timing->start == nullptr || timing->stop == nullptr ||
        !succeeded(cudaEventRecord(timing->start, current_stream()))) {
      discard(timing);
      return nullptr;
    }
    return timing;
  }

  bool stop(void* timing) override {
    if (succeeded(cudaEventRecord(static_cast<EventPair*>(timing)->stop, current_stream())))
      return true;
    discard(timing);
    return false;
  }

  double elapsed_milliseconds(void* timing, bool wait) override {
    auto* events = static_cast<EventPair*>(timing);
    const cudaError_t state =
        wait ? cudaEventSynchronize(events->stop) : cudaEventQuery(events->stop);
    if (state == cudaErrorNotReady) {
      cudaGetLastError();  // "not ready" is an answer, not an error to report at the next launch
      return -1;
    }
    float milliseconds = 0;
    const bool read = succeeded(state) &&
                      succeeded(cudaEventElapsedTime(&milliseconds, events->start, events->stop));
    discard(timing);
    return read ? milliseconds : std::numeric_limits<double>::quiet_NaN();
  }

  void discard(void* timing) override {
    auto* events = static_cast<EventPair*>(timing);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      for (cudaEvent_t event : {events->start, events->stop})
        if (event != nullptr) spare_events_[events->device].push_back(event);
    }
    delete events;
  }

 private:
  // A spare event of `device`, the current one, or a new one.
  cudaEvent_t take_event(int device) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      std::vector<cudaEvent_t>& spare = spare_events_[device];
      if (!spare.empty()) {
        cudaEvent_t event = spare.back();
        spare.pop_back();
        return event;
      }
    }
    cudaEvent_t event = nullptr;
    return succeeded(cudaEventCreate(&event)) ? event : nullptr;
  }

  std::mutex mutex_;
  std::map<int, std::vector<cudaEvent_t>> spare_events_;  // per device, for reuse
};

}  // namespace

void install_profiler_clock() {
  static auto* clock = new EventClock();  // never destroyed: scopes may end after main()
  profiler::install_device_clock(clock);
}

}  // namespace hg::cuda
