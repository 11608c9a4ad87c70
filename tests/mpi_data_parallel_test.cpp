// The pieces of data-parallel training on two ranks (run by ctest under `mpirun -np 2`):
// gradient buckets sum every rank's gradients, however the parameters fall into buckets, and
// synchronised BatchNorm on each rank's share of a batch gives the rows and the parameter
// gradients that one BatchNorm gives on the whole batch.
#include <gtest/gtest.h>

#include "autograd/gradient_ready.h"
#include "autograd/ops.h"
#include "distributed/communicator.h"
#include "layers/batch_norm.h"
#include "tensor/ops.h"
#include "tests/test_support.h"
#include "train/gradient_buckets.h"

namespace hg {
namespace {

using distributed::world;

TEST(GradientBuckets, SumEveryRanksGradientsInSmallAndLargeBuckets) {
  ASSERT_EQ(world().size(), 2) << "run this test under mpirun -np 2";
  const float r = static_cast<float>(world().rank());
  for (size_t bucket_bytes : {size_t{8}, size_t{1} << 20}) {
    Tensor a = Tensor::ones({3}).set_requires_grad(true);
    Tensor b = Tensor::ones({2, 2}).set_requires_grad(true);
    Tensor unused = Tensor::ones({1}).set_requires_grad(true);
    GradientBuckets buckets({a, b, unused}, world(), bucket_bytes);
    EXPECT_EQ(buckets.bucket_count(), bucket_bytes == 8 ? 2u : 1u);  // {unused, b}, {a}
    // L_r = Σ a·(1 + r)·[1, 2, 3] + Σ b·(10·r): ∂L_r/∂a = (1 + r)·[1, 2, 3], ∂L_r/∂b = 10·r.
    Tensor loss = add(sum(mul(a, test::f32({1 + r, 2 + 2 * r, 3 + 3 * r}, {3}))),
                      sum(mul_scalar(b, 10.0 * r)));
    buckets.begin();
    backward_with_leaf_hook(loss, Tensor(), buckets.hook());
    buckets.finish();
    EXPECT_EQ(a.grad().to_vector<float>(), (std::vector<float>{3, 6, 9}));
    EXPECT_EQ(b.grad().to_vector<float>(), (std::vector<float>{10, 10, 10, 10}));
    EXPECT_FALSE(unused.grad().defined());
  }
}

// Rank 0 takes the batch's first `first_rows` rows, rank 1 the rest: equal shares, and unequal
// ones (a batch that does not divide by the ranks), whose statistics pool by the shares' counts.
void expect_synchronized_batch_norm_is_the_whole_batch(int64_t first_rows) {
  ASSERT_EQ(world().size(), 2) << "run this test under mpirun -np 2";
  const int rank = world().rank();
  const int64_t begin = rank == 0 ? 0 : first_rows, rows = rank == 0 ? first_rows : 6 - first_rows;
  Tensor whole = test::random_uniform({6, 3, 2, 2}, 11, -2, 3).set_requires_grad(true);
  Tensor upstream = test::random_uniform({6, 3, 2, 2}, 12);  // ∂L/∂y of a fixed loss Σ y·g
  // Reference: one BatchNorm on the whole batch.
  BatchNorm2d reference(3);
  Tensor y_whole = reference.forward(whole);
  backward(sum(mul(y_whole, upstream)));
  // Each rank: its rows, synchronised; the loss is its rows' part of the same sum.
  BatchNorm2d layer(3);
  BatchNormSyncScope sync(&world());
  Tensor mine = ops::narrow(whole.detach(), 0, begin, rows).contiguous().set_requires_grad(true);
  Tensor y = layer.forward(mine);
  backward(sum(mul(y, ops::narrow(upstream, 0, begin, rows).contiguous())));
  EXPECT_TRUE(test::all_close(y, ops::narrow(y_whole, 0, begin, rows), 1e-5, 1e-5));
  // The input's gradient goes through the whole batch's mean and variance: the all-reduce in
  // the backward brings the other rank's part.
  EXPECT_TRUE(test::all_close(mine.grad(), ops::narrow(whole.grad(), 0, begin, rows), 1e-4, 1e-5));
  Tensor weight_gradient = layer.weight().grad().contiguous().clone();
  Tensor bias_gradient = layer.bias().grad().contiguous().clone();
  world().all_reduce_sum(weight_gradient);
  world().all_reduce_sum(bias_gradient);
  EXPECT_TRUE(test::all_close(weight_gradient, reference.weight().grad(), 1e-4, 1e-5));
  EXPECT_TRUE(test::all_close(bias_gradient, reference.bias().grad(), 1e-4, 1e-5));
  EXPECT_TRUE(test::all_close(layer.running_mean(), reference.running_mean(), 1e-5, 1e-6));
  EXPECT_TRUE(test::all_close(layer.running_var(), reference.running_var(), 1e-5, 1e-6));
}

TEST(SyncBatchNorm, HalfTheBatchOnEachRankIsTheWholeBatch) {
  expect_synchronized_batch_norm_is_the_whole_batch(3);
}

TEST(SyncBatchNorm, UnequalSharesAreTheWholeBatch) {
  expect_synchronized_batch_norm_is_the_whole_batch(2);
}

}  // namespace
}  // namespace hg
