// The caching allocator (core/caching_allocator.h) on host memory: freed blocks are reused without
// a system allocation, and with caching off (HASHGRAD_NO_MEMORY_CACHING=1, or set_caching) every
// tensor is its own exact-size allocation, given back when it dies. The device side is in
// cuda_elementwise_test.cpp.
#include <gtest/gtest.h>

#include <cstdlib>

#include "core/host_allocator.h"
#include "tensor/tensor.h"
#include "tests/command_support.h"
#include "tests/memory_caching.h"

namespace hg {
namespace {

TEST(Allocator, ACachedBlockIsReusedWithoutASystemAllocation) {
  test::MemoryCaching caching(true);
  { Tensor warm = Tensor::empty({250}, DType::f32); }
  const memory::Stats before = memory::host_stats();
  EXPECT_GE(before.cached_bytes, 1024u);  // 1,000 bytes, rounded up to 512-byte units
  for (int step = 0; step < 5; ++step) Tensor again = Tensor::empty({250}, DType::f32);
  EXPECT_EQ(memory::host_stats().system_allocations, before.system_allocations);
}

TEST(Allocator, WithoutCachingEachTensorIsAnExactAllocationFreedAtOnce) {
  { Tensor cached = Tensor::empty({250}, DType::f32); }
  test::MemoryCaching caching(false);
  EXPECT_FALSE(memory::caching_enabled());
  EXPECT_EQ(memory::host_stats().cached_bytes, 0u);  // turning caching off empties the cache
  const memory::Stats before = memory::host_stats();
  {
    Tensor a = Tensor::empty({250}, DType::f32);
    EXPECT_EQ(memory::host_stats().current_bytes, before.current_bytes + 1000);  // not rounded
    Tensor b = Tensor::empty({250}, DType::f32);
    EXPECT_EQ(memory::host_stats().system_allocations, before.system_allocations + 2);
  }
  EXPECT_EQ(memory::host_stats().current_bytes, before.current_bytes);
  EXPECT_EQ(memory::host_stats().cached_bytes, 0u);
  Tensor c = Tensor::full({250}, 2.0);
  EXPECT_EQ(memory::host_stats().system_allocations, before.system_allocations + 3);
  EXPECT_EQ(c.to_vector<float>()[249], 2.0f);
}

// The environment variable reaches a whole command: `info` reports it and a training run works
// without the cache (what a sanitizer run does).
class AllocatorCommand : public test::CommandTest {};

TEST_F(AllocatorCommand, TheEnvironmentTurnsCachingOffForAWholeRun) {
  // This test may itself run without the cache (a sanitizer run): the setting comes back after.
  const char* outer = std::getenv("HASHGRAD_NO_MEMORY_CACHING");
  const std::string outer_value = outer != nullptr ? outer : "";
  unsetenv("HASHGRAD_NO_MEMORY_CACHING");
  EXPECT_NE(hashgrad("info").out.find("memory caching on"), std::string::npos);
  setenv("HASHGRAD_NO_MEMORY_CACHING", "1", 1);
  test::CommandRun info = hashgrad("info");
  test::CommandRun demo = hashgrad("demo");
  if (outer != nullptr)
    setenv("HASHGRAD_NO_MEMORY_CACHING", outer_value.c_str(), 1);
  else
    unsetenv("HASHGRAD_NO_MEMORY_CACHING");
  EXPECT_NE(info.out.find("memory caching off (HASHGRAD_NO_MEMORY_CACHING)"), std::string::npos)
      << info.out;
  EXPECT_EQ(demo.status, 0) << demo.err;
  EXPECT_NE(demo.out.find("training accuracy"), std::string::npos) << demo.out;
}

}  // namespace
}  // namespace hg
