// The profiler's records and its table (see profiler.h for what it measures and why).
#include "core/profiler.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <vector>

#include "core/caching_allocator.h"

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
  size_t bytes = 0;              // allocated while it was open, once it has ended
  void* gpu_timing = nullptr;    // the device clock's, when the GPU times it
  DeviceClock* clock = nullptr;  // the clock it began under (its range is popped there too)
};

std::atomic<DeviceClock*> device_clock{nullptr};

std::mutex totals_mutex;
std::map<std::pair<std::string, bool>, Totals> totals;
double outermost_milliseconds = 0;
thread_local std::vector<OpenScope> open_scopes;
// GPU scopes that have ended on the host but whose stop the GPU may not have reached, oldest
// first. Under totals_mutex.
std::vector<OpenScope> pending;

// Under totals_mutex.
void add(const std::string& name, bool on_gpu, int depth, double milliseconds, size_t bytes) {
  Totals& row = totals[{name, on_gpu}];
  ++row.calls;
  row.milliseconds += milliseconds;
  row.bytes += bytes;
  if (depth == 0) outermost_milliseconds += milliseconds;
}

// Folds the pending scopes the GPU has finished, in order (one stream: they finish in order);
// with `wait`, all of them. Under totals_mutex.
void fold_pending(bool wait) {
  size_t done = 0;
  for (; done < pending.size(); ++done) {
    OpenScope& scope = pending[done];
    const double milliseconds = scope.clock->elapsed_milliseconds(scope.gpu_timing, wait);
    if (milliseconds < 0) break;
    if (!std::isnan(milliseconds)) add(scope.name, true, scope.depth, milliseconds, scope.bytes);
  }
  pending.erase(pending.begin(), pending.begin() + static_cast<std::ptrdiff_t>(done));
}

}  // namespace

void install_device_clock(DeviceClock* clock) { device_clock = clock; }

void enable(bool on) { detail::enabled_flag = on; }

void reset() {
  std::lock_guard<std::mutex> lock(totals_mutex);
  for (OpenScope& scope : pending) scope.clock->discard(scope.gpu_timing);
  pending.clear();
  totals.clear();
  outermost_milliseconds = 0;
}

void Scope::begin(const char* name, bool on_gpu) {
  OpenScope scope{name,
                  on_gpu,
                  static_cast<int>(open_scopes.size()),
                  std::chrono::steady_clock::now(),
                  memory::allocated_total(),
                  0,
                  nullptr,
                  device_clock.load()};
  if (scope.clock != nullptr) {
    scope.clock->push_range(name);
    if (on_gpu) scope.gpu_timing = scope.clock->start();
  }
  // A scope the GPU cannot time is timed by the host clock, and its row says cpu: a host time of
  // an asynchronous launch is not the kernel's time.
  scope.on_gpu = scope.gpu_timing != nullptr;
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
  if (scope.clock != nullptr) scope.clock->pop_range();
  const bool timed_by_gpu = scope.on_gpu && scope.clock->stop(scope.gpu_timing);
  std::lock_guard<std::mutex> lock(totals_mutex);
  if (timed_by_gpu) {
    pending.push_back(std::move(scope));
    if (pending.size() >= 4096) fold_pending(false);
    return;
  }
  add(scope.name, false, scope.depth, cpu_milliseconds, scope.bytes);
}

std::string table() {
  struct Row {
    std::string name;
    bool on_gpu = false;
    Totals totals;
  };
  std::vector<Row> sorted;
  double outermost = 0;
  {
    std::lock_guard<std::mutex> lock(totals_mutex);
    fold_pending(true);
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
