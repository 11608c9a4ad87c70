// The caching allocator (core/caching_allocator.h) on host memory: freed blocks are reused without
// a system allocation, and with caching off (HASHGRAD_NO_MEMORY_CACHING=1, or set_caching) every
// tensor is its own exact-size allocation, given back when it dies. On the device: blocks reused,
// the peak counted, and an allocation past the device's memory an error rather than a crash.
#include <gtest/gtest.h>

#include <cstdlib>
#include <set>
#include <thread>

#include "core/host_allocator.h"
#include "cuda/allocator.h"
#include "tensor/tensor.h"
#include "tests/command_support.h"
#include "tests/device_test.h"
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

// A memory that counts what the allocator asks of it (host memory underneath).
struct CountingMemory {
  static inline int64_t allocations = 0, releases = 0;
  static void* allocate(size_t size) {
    ++allocations;
    return std::malloc(size);
  }
  static void release(void* pointer) {
    ++releases;
    std::free(pointer);
  }
  static void release_from_destructor(void* pointer) { release(pointer); }
  static void wait_idle() {}
  static void* stream() { return nullptr; }
  static std::string out_of_memory(size_t, size_t) { return "counting memory: out of memory"; }
};
using CountingAllocator = memory::CachingAllocator<CountingMemory>;

// The blocks a captured step used stay its own while the graph lives: the general cache reuses
// none of them, the pool reuses them, and empty_cache keeps them.
TEST(AllocatorPool, BlocksUsedInAPoolServeOnlyThatPoolWhileItLives) {
  test::MemoryCaching caching(true);
  CountingAllocator& allocator = CountingAllocator::instance();
  const memory::PoolId pool = allocator.create_pool();
  allocator.use_pool(pool);
  void* captured = allocator.allocate(4096);
  allocator.free(captured);  // freed during the capture: back to the pool
  allocator.use_pool(memory::kGeneralPool);

  const int64_t before = CountingMemory::allocations;
  void* general = allocator.allocate(4096);
  EXPECT_NE(general, captured);
  EXPECT_EQ(CountingMemory::allocations, before + 1);  // a system allocation, not the pool's block
  allocator.free(general);
  allocator.empty_cache();  // gives `general` back, keeps the pool's block
  EXPECT_EQ(allocator.stats().cached_bytes, 4096u);

  allocator.use_pool(pool);  // the next capture of the same graph's pool reuses its block
  EXPECT_EQ(allocator.allocate(4096), captured);
  EXPECT_EQ(CountingMemory::allocations, before + 1);
  allocator.free(captured);
  allocator.use_pool(memory::kGeneralPool);
  allocator.release_pool(pool);
  EXPECT_EQ(allocator.allocate(4096), captured);  // the graph died: the general cache has it
  allocator.free(captured);
  allocator.empty_cache();
  EXPECT_EQ(allocator.stats().cached_bytes, 0u);
}

// What the capturing thread frees joins its pool even when it came from the general cache (a
// captured kernel may read it), and a pool block that outlives the capture (a gradient) returns
// to the pool when freed later, from any thread, and to the general cache once the pool is gone.
TEST(AllocatorPool, FreesDuringTheCaptureJoinThePoolAndLateFreesFollowThePoolsLife) {
  test::MemoryCaching caching(true);
  CountingAllocator& allocator = CountingAllocator::instance();
  void* before_capture = allocator.allocate(8192);
  const memory::PoolId pool = allocator.create_pool();
  allocator.use_pool(pool);
  void* gradient = allocator.allocate(2048);
  allocator.free(before_capture);
  allocator.use_pool(memory::kGeneralPool);
  void* general = allocator.allocate(8192);
  EXPECT_NE(general, before_capture);

  std::thread([&] { allocator.free(gradient); }).join();
  void* other = allocator.allocate(2048);
  EXPECT_NE(other, gradient);  // the pool's, though freed by another thread
  allocator.release_pool(pool);
  std::set<void*> reused = {allocator.allocate(8192), allocator.allocate(2048)};
  EXPECT_EQ(reused, (std::set<void*>{before_capture, gradient}));
  for (void* pointer : reused) allocator.free(pointer);
  for (void* pointer : {general, other}) allocator.free(pointer);
  allocator.empty_cache();
  EXPECT_EQ(allocator.stats().current_bytes, 0u);
  EXPECT_EQ(allocator.stats().cached_bytes, 0u);
  EXPECT_EQ(CountingMemory::allocations, CountingMemory::releases);
}

TEST(AllocatorPool, AReleasedPoolCannotBeUsed) {
  CountingAllocator& allocator = CountingAllocator::instance();
  const memory::PoolId pool = allocator.create_pool();
  allocator.release_pool(pool);
  EXPECT_THROW(allocator.use_pool(pool), Error);
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

// The device allocator (cuda/allocator.h).
class CudaAllocator : public test::DeviceTest {};

TEST_P(CudaAllocator, CachingAllocatorReusesBlocksAndCountsPeak) {
  test::MemoryCaching caching(true);
  memory::reset_device_peak();
  { Tensor warm = Tensor::empty({1 << 20}, DType::f32, Device::cuda); }
  int64_t before = memory::device_stats().system_allocations;
  for (int step = 0; step < 10; ++step)
    Tensor again = Tensor::empty({1 << 20}, DType::f32, Device::cuda);
  EXPECT_EQ(memory::device_stats().system_allocations, before);
  EXPECT_GE(memory::device_stats().peak_bytes, size_t(4) << 20);
}

TEST_P(CudaAllocator, OutOfMemoryIsAnErrorNotACrash) {
  EXPECT_THROW(Tensor::empty({int64_t(1) << 46}, DType::f32, Device::cuda), OutOfMemoryError);
}

HG_INSTANTIATE_CUDA_TEST(CudaAllocator);

}  // namespace
}  // namespace hg
