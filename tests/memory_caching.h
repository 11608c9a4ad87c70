// MemoryCaching: the tests' switch of the caching allocator for one scope
// (core/caching_allocator.h). A test that counts system allocations sets the mode it assumes, since
// the GPU check runs the tests under compute-sanitizer with HASHGRAD_NO_MEMORY_CACHING=1; the
// previous setting comes back however the scope ends.
#pragma once

#include "core/caching_allocator.h"

namespace hg::test {

class MemoryCaching {
 public:
  explicit MemoryCaching(bool enabled) : previous_(memory::set_caching(enabled)) {}
  ~MemoryCaching() { memory::set_caching(previous_); }
  MemoryCaching(const MemoryCaching&) = delete;
  MemoryCaching& operator=(const MemoryCaching&) = delete;

 private:
  bool previous_;
};

}  // namespace hg::test
