// The progress line's text on hand-worked cases: bar fill, thousands separators, rate, ETA.
#include <gtest/gtest.h>

#include "data/progress.h"

namespace hg::data {
namespace {

TEST(DataProgress, FormatsBarRateAndEta) {
  // 15,000 of 60,000 in 5 s: a quarter of the bar, 3,000 img/s, 45,000 left → 15 s.
  EXPECT_EQ(format_progress("decode", 15000, 60000, 5.0, "img", 20),
            "decode [#####...............]  15,000/60,000  3,000 img/s  ETA 0:15");
  // 1 of 4,000 codes after 2 s: 0.5/s, 3,999 left → 7,998 s = 2:13:18.
  EXPECT_EQ(format_progress("encode", 1, 4000, 2.0, "code", 4),
            "encode [....]  1/4,000  1 code/s  ETA 2:13:18");
  // Done: the total time instead of the ETA.
  EXPECT_EQ(format_progress("decode", 1234567, 1234567, 75.0, "img", 10),
            "decode [##########]  1,234,567/1,234,567  16,461 img/s  in 1:15");
  // Nothing measured yet: no rate.
  EXPECT_EQ(format_progress("decode", 0, 10, 0.0, "img", 4), "decode [....]  0/10");
}

TEST(DataProgress, QuietWhenNotOnATerminal) {
  // ctest runs tests with their output captured, not on a terminal: a bar must print nothing,
  // and using it must be harmless.
  if (ProgressBar::enabled()) GTEST_SKIP() << "running on a terminal";
  testing::internal::CaptureStderr();
  {
    ProgressBar bar("decode", 3);
    bar.advance(3);
    bar.finish();
  }
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
}

}  // namespace
}  // namespace hg::data
