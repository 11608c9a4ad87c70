// The loader's GPU path against its CPU path: batches copied asynchronously from pinned slots
// must equal the CPU batches of the same seed, through enough batches that every slot is
// reused (so a refill racing a pending copy would show).
#include <gtest/gtest.h>

#include "data/loader.h"
#include "tests/test_support.h"

namespace hg::data {
namespace {

TEST(CudaDataLoader, GpuBatchesEqualCpuBatches) {
  HG_REQUIRE_CUDA();
  std::vector<uint8_t> pixels(200 * 8 * 8 * 3);
  for (size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<uint8_t>(i * 7 % 251);
  std::vector<int32_t> ids;
  for (int i = 0; i < 200; ++i) ids.push_back(i % 10);
  auto dataset = std::make_shared<InMemoryDataset>("pattern", ImageSize{8, 8, 3}, pixels,
                                                   Labels::from_class_ids(ids, 10));
  Pipeline pipeline;
  pipeline.add(random_crop(6, 6, 1)).add(random_horizontal_flip());
  pipeline.normalize(Normalization{{0.4f, 0.5f, 0.6f}, {0.2f, 0.25f, 0.3f}});
  LoaderOptions options;
  options.batch_size = 16;
  options.workers = 2;
  options.prefetch = 2;
  options.seed = 5;
  Loader cpu(dataset, pipeline, options);
  options.device = Device::cuda;
  Loader gpu(dataset, pipeline, options);
  for (int64_t epoch : {0, 1}) {
    cpu.start_epoch(epoch);
    gpu.start_epoch(epoch);
    Batch expected, actual;
    while (cpu.next(expected)) {
      ASSERT_TRUE(gpu.next(actual));
      EXPECT_TRUE(actual.images.is_cuda());
      EXPECT_TRUE(test::all_close(actual.images, expected.images, 0, 0));
      EXPECT_TRUE(test::all_close(actual.labels, expected.labels, 0, 0));
      EXPECT_EQ(actual.class_ids.to_vector<int64_t>(), expected.class_ids.to_vector<int64_t>());
      EXPECT_EQ(actual.indices, expected.indices);
    }
    Batch none;
    EXPECT_FALSE(gpu.next(none));
  }
}

}  // namespace
}  // namespace hg::data
