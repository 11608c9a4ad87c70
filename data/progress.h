// A progress bar with rate and ETA for long passes over data (decoding a list, encoding a
// database):
//
//   decode [##########..........]  30,000/60,000  4,321 img/s  ETA 0:07
//
// It draws on stderr, and only when both stdout and stderr are terminals: a run whose output
// goes to a file or a pipe stays quiet (library code prints nothing else). Safe to advance from
// several threads; it redraws at most ten times a second.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

namespace hg::data {

class ProgressBar {
 public:
  ProgressBar(std::string label, int64_t total, std::string unit = "img");
  ~ProgressBar();  // finishes the line when finish() was not called
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  void advance(int64_t count = 1);
  // Draws the final state and ends the line.
  void finish();

  // Whether bars draw in this process (stdout and stderr are terminals).
  static bool enabled();

 private:
  void draw(bool final);

  std::string label_, unit_;
  int64_t total_;
  std::atomic<int64_t> done_{0};
  std::chrono::steady_clock::time_point start_;
  std::mutex mutex_;
  double last_draw_ = -1;  // seconds since start of the last redraw
  bool active_;
  bool finished_ = false;  // the final line was drawn
};

// One line of the bar: the label, a `bar_width`-character bar, done/total, the rate (per
// second over `seconds`) and the estimated time left at that rate.
std::string format_progress(const std::string& label, int64_t done, int64_t total, double seconds,
                            const std::string& unit, int bar_width = 20);

}  // namespace hg::data
