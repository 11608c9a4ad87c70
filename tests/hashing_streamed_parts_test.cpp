// StreamedParts on each device: the parts arrive in order, each holding exactly its rows of the
// database (the last one shorter), whichever of the two staging buffers carried it; an error in
// the caller's body ends the walk cleanly; an empty database has no parts.
#include "hashing/streamed_parts.h"

#include <gtest/gtest.h>

#include <stdexcept>

#include "tests/device_test.h"
#include "tests/random_codes.h"

namespace hg::hashing {
namespace {

class StreamedPartsTest : public test::DeviceTest {};

// 1,037 codes of 128 bits (two words) in parts of 100: ten whole parts and one of 37, so each
// buffer carries several parts and the short last part is its own case.
TEST_P(StreamedPartsTest, EveryPartHoldsItsRowsInOrder) {
  const test::Codes codes = test::random_codes(1037, 128, 7);
  std::vector<int64_t> starts, counts;
  std::vector<uint64_t> delivered;
  StreamedParts(codes.packed(), 100, device())
      .for_each([&](int64_t start, int64_t count, const Tensor& part) {
        EXPECT_EQ(part.device(), device());
        EXPECT_EQ(part.shape(), (Shape{count, 2}));
        starts.push_back(start);
        counts.push_back(count);
        const std::vector<uint64_t> words = part.to(Device::cpu).to_vector<uint64_t>();
        delivered.insert(delivered.end(), words.begin(), words.end());
      });
  EXPECT_EQ(starts, (std::vector<int64_t>{0, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1000}));
  EXPECT_EQ(counts, (std::vector<int64_t>{100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 37}));
  EXPECT_EQ(delivered, codes.words);
}

TEST_P(StreamedPartsTest, AnErrorInTheBodyEndsTheWalk) {
  const test::Codes codes = test::random_codes(500, 64, 3);
  int64_t parts_seen = 0;
  StreamedParts parts(codes.packed(), 100, device());
  EXPECT_THROW(parts.for_each([&](int64_t start, int64_t, const Tensor&) {
    ++parts_seen;
    if (start == 200) throw std::runtime_error("stop");
  }),
               std::runtime_error);
  EXPECT_EQ(parts_seen, 3);
  // The ended walk leaves the buffers idle; a new walk sees every part again.
  parts_seen = 0;
  parts.for_each([&](int64_t, int64_t, const Tensor&) { ++parts_seen; });
  EXPECT_EQ(parts_seen, 5);
}

TEST_P(StreamedPartsTest, AnEmptyDatabaseHasNoParts) {
  const PackedCodes empty{nullptr, 0, 64};
  int64_t parts_seen = 0;
  StreamedParts(empty, 100, device()).for_each([&](int64_t, int64_t, const Tensor&) {
    ++parts_seen;
  });
  EXPECT_EQ(parts_seen, 0);
}

HG_INSTANTIATE_DEVICE_TEST(StreamedPartsTest);

}  // namespace
}  // namespace hg::hashing
