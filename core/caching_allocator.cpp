// What every caching allocator shares: the caching switch, the list of caches it empties, and
// the count of bytes handed out (see caching_allocator.h).
#include "core/caching_allocator.h"

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace hg::memory {

namespace {

// Read once, on first use (a function-local static, so that tensors made during static
// initialisation in other files see it too).
std::atomic<bool>& caching_flag() {
  static std::atomic<bool> flag{[] {
    const char* value = std::getenv("HASHGRAD_NO_MEMORY_CACHING");
    return value == nullptr || value[0] == '\0' || std::strcmp(value, "0") == 0;
  }()};
  return flag;
}

struct Registry {
  std::mutex mutex;
  std::vector<detail::Cache*> caches;
};
Registry& registry() {
  static auto* instance = new Registry();  // never destroyed, like the allocators it lists
  return *instance;
}

std::atomic<size_t> allocated_bytes{0};

}  // namespace

namespace detail {

size_t round_size(size_t bytes) {
  constexpr size_t kSmall = 512, kLarge = 2u << 20, kSmallLimit = 1u << 20;
  if (bytes == 0) bytes = 1;
  size_t unit = bytes < kSmallLimit ? kSmall : kLarge;
  return (bytes + unit - 1) / unit * unit;
}

void register_cache(Cache* cache) {
  std::lock_guard<std::mutex> lock(registry().mutex);
  registry().caches.push_back(cache);
}

void count_allocation(size_t bytes) { allocated_bytes.fetch_add(bytes, std::memory_order_relaxed); }

}  // namespace detail

std::string mebibytes(size_t bytes) {
  return ::hg::detail::concat(static_cast<double>(bytes) / 1048576.0, " MiB");
}

bool caching_enabled() { return caching_flag().load(); }

bool set_caching(bool enabled) {
  const bool previous = caching_flag().exchange(enabled);
  if (!enabled) {
    std::vector<detail::Cache*> caches;
    {
      std::lock_guard<std::mutex> lock(registry().mutex);
      caches = registry().caches;
    }
    for (detail::Cache* cache : caches) cache->empty_cache();
  }
  return previous;
}

size_t allocated_total() { return allocated_bytes.load(std::memory_order_relaxed); }

}  // namespace hg::memory
