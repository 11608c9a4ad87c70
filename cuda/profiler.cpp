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

struct Record {
  std::string name;  // copied: a Node's backward name may die before the table is printed
  bool on_gpu;
  int depth;
  double cpu_milliseconds = 0;
  size_t bytes = 0;
#if HASHGRAD_WITH_CUDA
  cudaEvent_t start = nullptr, stop = nullptr;
#endif
};

std::mutex records_mutex;
std::vector<Record> records;
thread_local int scope_depth = 0;
thread_local std::vector<std::chrono::steady_clock::time_point> cpu_starts;
thread_local std::vector<size_t> bytes_at_start;

}  // namespace

void enable(bool on) { detail::enabled_flag = on; }

void reset() {
  std::lock_guard<std::mutex> lock(records_mutex);
#if HASHGRAD_WITH_CUDA
  for (Record& record : records) {
    if (record.start) cudaEventDestroy(record.start);
    if (record.stop) cudaEventDestroy(record.stop);
  }
#endif
  records.clear();
}

void Scope::begin(const char* name, bool on_gpu) {
  Record record{name, on_gpu, scope_depth};
#if HASHGRAD_WITH_CUDA
  nvtxRangePushA(name);
  if (on_gpu) {
    cudaEventCreate(&record.start);
    cudaEventCreate(&record.stop);
    cudaEventRecord(record.start, cuda::current_stream());
  }
#endif
  {
    std::lock_guard<std::mutex> lock(records_mutex);
    record_ = static_cast<int>(records.size());
    records.push_back(record);
  }
  ++scope_depth;
  bytes_at_start.push_back(memory::allocated_total());
  cpu_starts.push_back(std::chrono::steady_clock::now());
  active_ = true;
}

void Scope::end() {
  auto elapsed = std::chrono::steady_clock::now() - cpu_starts.back();
  cpu_starts.pop_back();
  size_t bytes = memory::allocated_total() - bytes_at_start.back();
  bytes_at_start.pop_back();
  --scope_depth;
  std::lock_guard<std::mutex> lock(records_mutex);
  Record& record = records[record_];
  record.cpu_milliseconds = std::chrono::duration<double, std::milli>(elapsed).count();
  record.bytes = bytes;
#if HASHGRAD_WITH_CUDA
  if (record.on_gpu) cudaEventRecord(record.stop, cuda::current_stream());
  nvtxRangePop();
#endif
}

std::string table() {
  cuda::synchronize();
  struct Row {
    std::string name;
    bool on_gpu = false;
    long calls = 0;
    double milliseconds = 0;
    size_t bytes = 0;
  };
  std::map<std::pair<std::string, bool>, Row> rows;
  double outermost_milliseconds = 0;
  {
    std::lock_guard<std::mutex> lock(records_mutex);
    for (const Record& record : records) {
      double milliseconds = record.cpu_milliseconds;
#if HASHGRAD_WITH_CUDA
      if (record.on_gpu) {
        float gpu_milliseconds = 0;
        if (cudaEventElapsedTime(&gpu_milliseconds, record.start, record.stop) == cudaSuccess)
          milliseconds = gpu_milliseconds;
      }
#endif
      Row& row = rows[{record.name, record.on_gpu}];
      row.name = record.name;
      row.on_gpu = record.on_gpu;
      ++row.calls;
      row.milliseconds += milliseconds;
      row.bytes += record.bytes;
      if (record.depth == 0) outermost_milliseconds += milliseconds;
    }
  }
  std::vector<Row> sorted;
  for (auto& [key, row] : rows) sorted.push_back(row);
  std::sort(sorted.begin(), sorted.end(),
            [](const Row& a, const Row& b) { return a.milliseconds > b.milliseconds; });
  std::string text;
  char line[256];
  std::snprintf(line, sizeof line, "%-28s %-6s %9s %12s %12s %7s %14s\n", "op", "device", "calls",
                "total ms", "mean us", "share", "bytes alloc");
  text += line;
  for (const Row& row : sorted) {
    double share =
        outermost_milliseconds > 0 ? 100.0 * row.milliseconds / outermost_milliseconds : 0;
    std::snprintf(line, sizeof line, "%-28s %-6s %9ld %12.3f %12.2f %6.1f%% %14zu\n",
                  row.name.c_str(), row.on_gpu ? "cuda" : "cpu", row.calls, row.milliseconds,
                  1000.0 * row.milliseconds / row.calls, share, row.bytes);
    text += line;
  }
  return text;
}

}  // namespace hg::profiler
