// The profiler's records and its table (see profiler.h for what it measures and why).
#include "cuda/profiler.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <vector>

#include "cuda/allocator.h"
#include "cuda/runtime.h"
#if HASHGRAD_WITH_CUDA
#include <nvtx3/nvToolsExt.h>

#include "cuda/stream.h"
#endif

namespace hg::profiler {

namespace detail {
std::atomic<bool> enabled_flag{[] {
  const char* value = std::getenv("HASHGRAD_PROFILE");
  return value != nullptr && std::strcmp(value, "0") != 0 && value[0] != '\0';
}()};
}  // namespace detail

namespace {

// Per (op, device): what table() prints. Scopes are folded into these as they finish, so a long
// profiled run holds one entry per op, not one per call.
struct Totals {
  long calls = 0;
  double milliseconds = 0;
  size_t bytes = 0;
};

// A scope still open on this thread. Scopes nest strictly (RAII), so a stack holds them.
struct OpenScope {
  std::string name;  // copied: a Node's backward name may die before the table is printed
  bool on_gpu;
  int depth;
  std::chrono::steady_clock::time_point cpu_start;
  size_t bytes_at_start;
  size_t bytes = 0;  // allocated while it was open, once it has ended
#if HASHGRAD_WITH_CUDA
  cudaEvent_t start = nullptr, stop = nullptr;
#endif
};

std::mutex totals_mutex;
std::map<std::pair<std::string, bool>, Totals> totals;
double outermost_milliseconds = 0;
thread_local std::vector<OpenScope> open_scopes;

// Under totals_mutex.
void add(const std::string& name, bool on_gpu, int depth, double milliseconds, size_t bytes) {
  Totals& row = totals[{name, on_gpu}];
  ++row.calls;
  row.milliseconds += milliseconds;
  row.bytes += bytes;
  if (depth == 0) outermost_milliseconds += milliseconds;
}

#if HASHGRAD_WITH_CUDA
// GPU scopes that have ended on the host but whose stop event the GPU may not have reached,
// oldest first, and events for reuse. All under totals_mutex.
std::vector<OpenScope> pending;
std::vector<cudaEvent_t> spare_events;

// The profiler never fails the op it measures (and Scope::end runs in a destructor, which must
// not throw): a CUDA call of its own that fails costs that scope its GPU time, and the error is
// cleared so that the next kernel launch does not report it as its own.
bool succeeded(cudaError_t status) {
  if (status == cudaSuccess) return true;
  cudaGetLastError();
  return false;
}

cudaEvent_t take_event() {
  std::lock_guard<std::mutex> lock(totals_mutex);
  if (!spare_events.empty()) {
    cudaEvent_t event = spare_events.back();
    spare_events.pop_back();
    return event;
  }
  cudaEvent_t event = nullptr;
  return succeeded(cudaEventCreate(&event)) ? event : nullptr;
}

// Folds the pending scopes the GPU has finished, in order (one stream: they finish in order);
// with `wait`, all of them (the caller has synchronised).
void fold_pending(bool wait) {
  size_t done = 0;
  for (; done < pending.size(); ++done) {
    OpenScope& scope = pending[done];
    cudaError_t state = cudaEventQuery(scope.stop);
    if (state == cudaErrorNotReady && !wait) {
      cudaGetLastError();  // "not ready" is an answer, not an error to report at the next launch
      break;
    }
    float milliseconds = 0;
    if (succeeded(cudaEventElapsedTime(&milliseconds, scope.start, scope.stop)))
      add(scope.name, true, scope.depth, milliseconds, scope.bytes);
    spare_events.push_back(scope.start);
    spare_events.push_back(scope.stop);
  }
  pending.erase(pending.begin(), pending.begin() + static_cast<std::ptrdiff_t>(done));
}
#endif

}  // namespace

void enable(bool on) { detail::enabled_flag = on; }

void reset() {
  std::lock_guard<std::mutex> lock(totals_mutex);
#if HASHGRAD_WITH_CUDA
  for (OpenScope& scope : pending) {
    spare_events.push_back(scope.start);
    spare_events.push_back(scope.stop);
  }
  pending.clear();
#endif
  totals.clear();
  outermost_milliseconds = 0;
}

void Scope::begin(const char* name, bool on_gpu) {
  OpenScope scope{name, on_gpu, static_cast<int>(open_scopes.size()),
                  std::chrono::steady_clock::now(), memory::allocated_total()};
#if HASHGRAD_WITH_CUDA
  nvtxRangePushA(name);
  if (on_gpu) {
    scope.start = take_event();
    scope.stop = take_event();
    // Without both events recorded the scope is timed by the host clock, and its row says cpu:
    // a host time of an asynchronous launch is not the kernel's time.
    if (scope.start == nullptr || scope.stop == nullptr ||
        !succeeded(cudaEventRecord(scope.start, cuda::current_stream())))
      scope.on_gpu = false;
  }
#endif
  open_scopes.push_back(std::move(scope));
  active_ = true;
}

void Scope::end() {
  OpenScope scope = std::move(open_scopes.back());
  open_scopes.pop_back();
  const double cpu_milliseconds =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - scope.cpu_start)
          .count();
  scope.bytes = memory::allocated_total() - scope.bytes_at_start;
#if HASHGRAD_WITH_CUDA
  nvtxRangePop();
  const bool timed_by_events =
      scope.on_gpu && succeeded(cudaEventRecord(scope.stop, cuda::current_stream()));
  std::lock_guard<std::mutex> lock(totals_mutex);
  if (timed_by_events) {
    pending.push_back(std::move(scope));
    if (pending.size() >= 4096) fold_pending(false);
    return;
  }
  scope.on_gpu = false;
  for (cudaEvent_t unused : {scope.start, scope.stop})
    if (unused != nullptr) spare_events.push_back(unused);
#else
  std::lock_guard<std::mutex> lock(totals_mutex);
#endif
  add(scope.name, scope.on_gpu, scope.depth, cpu_milliseconds, scope.bytes);
}

std::string table() {
  cuda::synchronize();
  struct Row {
    std::string name;
    bool on_gpu = false;
    Totals totals;
  };
  std::vector<Row> sorted;
  double outermost = 0;
  {
    std::lock_guard<std::mutex> lock(totals_mutex);
#if HASHGRAD_WITH_CUDA
    fold_pending(true);
#endif
    for (auto& [key, row] : totals) sorted.push_back({key.first, key.second, row});
    outermost = outermost_milliseconds;
  }
  std::sort(sorted.begin(), sorted.end(), [](const Row& a, const Row& b) {
    return a.totals.milliseconds > b.totals.milliseconds;
  });
  std::string text;
  char line[256];
  std::snprintf(line, sizeof line, "%-28s %-6s %9s %12s %12s %7s %14s\n", "op", "device", "calls",
                "total ms", "mean us", "share", "bytes alloc");
  text += line;
  for (const Row& row : sorted) {
    const Totals& t = row.totals;
    double share = outermost > 0 ? 100.0 * t.milliseconds / outermost : 0;
    std::snprintf(line, sizeof line, "%-28s %-6s %9ld %12.3f %12.2f %6.1f%% %14zu\n",
                  row.name.c_str(), row.on_gpu ? "cuda" : "cpu", t.calls, t.milliseconds,
                  1000.0 * t.milliseconds / static_cast<double>(t.calls), share, t.bytes);
    text += line;
  }
  return text;
}

}  // namespace hg::profiler
