// A progress bar with rate and ETA for long passes over data (decoding a list, encoding a
// database):
//
//   decode [##########..........]  30,000/60,000  4,321 img/s  ETA 0:07
//
// On a terminal (stdout and stderr both are) it redraws one line on stderr, at most ten times a
// second. Otherwise (a run whose output goes to a log file or a pipe) it writes a plain line,
// and only once every `line_every_seconds`: a pass that ends sooner prints nothing, so short
// passes and tests stay quiet while an hour-long epoch still shows in its log that it moves.
// Safe to advance from several threads.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

namespace hg::data {

class ProgressBar {
 public:
  ProgressBar(std::string label, int64_t total, std::string unit = "img",
              double line_every_seconds = 60);
  ~ProgressBar();  // finishes the line when finish() was not called
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  void advance(int64_t count = 1);
  // Draws the final state and ends the line.
  void finish();

  // Whether bars redraw in place in this process (stdout and stderr are terminals).
  static bool on_terminal();

 private:
  void draw(bool final);
  void write_line();

  std::string label_, unit_;
  int64_t total_;
  std::atomic<int64_t> done_{0};
  std::chrono::steady_clock::time_point start_;
  std::mutex mutex_;
  double last_draw_ = -1;  // seconds since start of the last redraw or line
  double line_every_seconds_;
  bool on_terminal_;
  bool finished_ = false;  // the final line was drawn
};

// One line of the bar: the label, a `bar_width`-character bar, done/total, the rate (per
// second over `seconds`) and the estimated time left at that rate.
std::string format_progress(const std::string& label, int64_t done, int64_t total, double seconds,
                            const std::string& unit, int bar_width = 20);

}  // namespace hg::data
