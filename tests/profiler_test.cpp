// The op profiler: off by default, counts calls and bytes per op when on, names backward ops. On
// CUDA it times device ops with events, across more calls than it keeps pending.
#include <gtest/gtest.h>

#include "autograd/ops.h"
#include "core/profiler.h"
#include "tensor/ops.h"
#include "tests/device_test.h"

namespace hg {
namespace {

// The table row of `op`, or "" when the op is not in the table.
std::string row_of(const std::string& table, const std::string& op) {
  size_t start = 0;
  while (start < table.size()) {
    size_t end = table.find('\n', start);
    std::string line = table.substr(start, end - start);
    if (line.rfind(op + " ", 0) == 0) return line;
    start = end + 1;
  }
  return "";
}

TEST(Profiler, RecordsNothingWhileOff) {
  profiler::enable(false);
  profiler::reset();
  ops::exp(Tensor::ones({4}));
  EXPECT_EQ(row_of(profiler::table(), "exp"), "");
}

TEST(Profiler, CountsCallsAndBytesPerOpForwardAndBackward) {
  profiler::reset();
  profiler::enable(true);
  Tensor x = Tensor::ones({256}).set_requires_grad(true);
  for (int i = 0; i < 3; ++i) backward(sum(tanh(x)));
  profiler::enable(false);
  std::string table = profiler::table();
  std::string tanh_row = row_of(table, "tanh");
  ASSERT_NE(tanh_row, "") << table;
  // "tanh  cpu  6 ..." : 3 forward calls + 3 fused backward calls, both named after the op.
  EXPECT_NE(tanh_row.find(" cpu "), std::string::npos);
  EXPECT_EQ(std::stol(tanh_row.substr(tanh_row.find(" cpu ") + 5)), 6) << tanh_row;
  std::string backward_row = row_of(table, "tanh.backward");
  ASSERT_NE(backward_row, "") << table;
  // Each backward allocates its 256-float gradient: the bytes column is at least 3 × 1 KiB.
  EXPECT_GE(std::stoull(backward_row.substr(backward_row.find_last_of(' ') + 1)), 3u * 1024u);
  profiler::reset();
}

TEST(Profiler, KeepsCountingAcrossManyCallsAndAResetInsideAScope) {
  profiler::reset();
  profiler::enable(true);
  Tensor x = Tensor::ones({8});
  for (int i = 0; i < 10000; ++i) ops::exp(x);
  EXPECT_NE(row_of(profiler::table(), "exp").find(" 10000 "), std::string::npos)
      << profiler::table();
  {
    profiler::Scope outer("outer", false);
    profiler::reset();  // forgets the 10,000 calls; the open scope still ends cleanly
    ops::exp(x);
  }
  profiler::enable(false);
  std::string table = profiler::table();
  EXPECT_NE(row_of(table, "outer").find(" 1 "), std::string::npos) << table;
  EXPECT_NE(row_of(table, "exp").find(" 1 "), std::string::npos) << table;
  profiler::reset();
}

// What only the CUDA path has: events, folded once they finish.
class CudaProfiler : public test::DeviceTest {};

TEST_P(CudaProfiler, ProfilerTimesDeviceOpsWithEventsAcrossManyCalls) {
  profiler::reset();
  profiler::enable(true);
  Tensor x = Tensor::ones({1 << 16}, DType::f32, Device::cuda);
  // More calls than the profiler keeps pending before it folds finished events.
  for (int i = 0; i < 5000; ++i) ops::exp(x);
  profiler::enable(false);
  std::string table = profiler::table();
  profiler::reset();
  size_t row = table.find("\nexp ");
  ASSERT_NE(row, std::string::npos) << table;
  std::string line = table.substr(row + 1, table.find('\n', row + 1) - row - 1);
  EXPECT_NE(line.find(" cuda "), std::string::npos) << line;
  EXPECT_NE(line.find(" 5000 "), std::string::npos) << line;
}

HG_INSTANTIATE_CUDA_TEST(CudaProfiler);

}  // namespace
}  // namespace hg
