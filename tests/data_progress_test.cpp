// The progress line's text on hand-worked cases (bar fill, thousands separators, rate, ETA), and
// what the bar writes when its output is a log file rather than a terminal.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

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

TEST(DataProgress, OffATerminalAShortPassPrintsNothing) {
  // ctest runs tests with their output captured, not on a terminal: a pass that ends before the
  // first minute must print nothing, and using the bar must be harmless.
  if (ProgressBar::on_terminal()) GTEST_SKIP() << "running on a terminal";
  testing::internal::CaptureStderr();
  {
    ProgressBar bar("decode", 3);
    bar.advance(3);
    bar.finish();
  }
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
}

TEST(DataProgress, OffATerminalWritesPlainLinesOncePerInterval) {
  // With no interval every advance writes a line of its own: no carriage return, no terminal
  // escape, and nothing more at finish() (the caller prints its own summary).
  if (ProgressBar::on_terminal()) GTEST_SKIP() << "running on a terminal";
  testing::internal::CaptureStderr();
  {
    ProgressBar bar("encode", 3, "img", 0.0);
    bar.advance(1);
    bar.advance(2);
    bar.finish();
  }
  const std::string written = testing::internal::GetCapturedStderr();
  const size_t first_end = written.find('\n');
  ASSERT_NE(first_end, std::string::npos) << written;
  EXPECT_EQ(written.substr(0, 29), "encode [######..............]");
  EXPECT_EQ(written.substr(first_end + 1, 29), "encode [####################]");
  EXPECT_EQ(std::count(written.begin(), written.end(), '\n'), 2) << written;
  EXPECT_EQ(written.find_first_of("\r\033"), std::string::npos) << written;
  EXPECT_EQ(written.back(), '\n');
}

}  // namespace
}  // namespace hg::data
