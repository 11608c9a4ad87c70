// The communicator's collectives on two ranks (run by ctest under `mpirun -np 2`): every rank
// contributes values that depend on its rank, and each checks the exact result.
#include <gtest/gtest.h>

#include <numeric>

#include "distributed/communicator.h"
#include "tests/test_support.h"

namespace hg {
namespace {

using distributed::world;

TEST(MpiCommunicator, StartedByMpirunWithTwoRanks) {
  ASSERT_TRUE(distributed::launched_by_mpi()) << "run this test under mpirun -np 2";
  EXPECT_EQ(world().size(), 2);
  EXPECT_GE(world().rank(), 0);
  EXPECT_LT(world().rank(), 2);
  EXPECT_NE(world().description().find("MPI (2 processes)"), std::string::npos)
      << world().description();
}

TEST(MpiCommunicator, AllReduceSumsEveryRanksValues) {
  const float r = static_cast<float>(world().rank());
  Tensor values = test::f32({1 + r, 10 * r, -2.5f, 0.25f * r}, {2, 2});
  world().all_reduce_sum(values);
  EXPECT_EQ(values.to_vector<float>(), (std::vector<float>{3, 10, -5, 0.25f}));
}

TEST(MpiCommunicator, StartedReductionsCompleteOnWait) {
  const float r = static_cast<float>(world().rank());
  Tensor first = Tensor::full({1000}, 1 + r);
  Tensor second = Tensor::full({3}, 2 * r);
  auto pending_first = world().start_all_reduce_sum(first);
  auto pending_second = world().start_all_reduce_sum(second);
  pending_second->wait();
  pending_first->wait();
  for (float value : first.to_vector<float>()) ASSERT_EQ(value, 3.0f);
  EXPECT_EQ(second.to_vector<float>(), (std::vector<float>{2, 2, 2}));
}

TEST(MpiCommunicator, AllGatherStacksRanksInOrder) {
  const int64_t r = world().rank();
  Tensor sent = test::i64({r, 100 + r, 200 + r}, {1, 3});
  Tensor received = Tensor::zeros({2, 3}, DType::i64);
  world().all_gather(sent, received);
  EXPECT_EQ(received.to_vector<int64_t>(), (std::vector<int64_t>{0, 100, 200, 1, 101, 201}));
}

TEST(MpiCommunicator, BroadcastCopiesTheRootsValues) {
  Tensor values = world().rank() == 1 ? test::f32({7, 8, 9}, {3}) : Tensor::zeros({3});
  world().broadcast(values, 1);
  EXPECT_EQ(values.to_vector<float>(), (std::vector<float>{7, 8, 9}));
}

TEST(MpiCommunicator, GatherBytesKeepsEachRanksLength) {
  const int r = world().rank();
  std::vector<uint8_t> sent(static_cast<size_t>(3 + 2 * r));
  std::iota(sent.begin(), sent.end(), static_cast<uint8_t>(10 * r));
  std::vector<std::vector<uint8_t>> parts = world().gather_bytes(sent, 0);
  world().barrier();
  if (r != 0) {
    EXPECT_TRUE(parts.empty());
    return;
  }
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0], (std::vector<uint8_t>{0, 1, 2}));
  EXPECT_EQ(parts[1], (std::vector<uint8_t>{10, 11, 12, 13, 14}));
}

TEST(MpiCommunicator, SharesCoverTheItemsOnce) {
  EXPECT_EQ(distributed::share_begin(10, 3, 0), 0);
  EXPECT_EQ(distributed::share_begin(10, 3, 1), 4);
  EXPECT_EQ(distributed::share_begin(10, 3, 2), 7);
  EXPECT_EQ(distributed::share_begin(10, 3, 3), 10);
  EXPECT_EQ(distributed::share_begin(1, 2, 1), 1);
  EXPECT_EQ(distributed::share_begin(1, 2, 2), 1);
}

}  // namespace
}  // namespace hg
