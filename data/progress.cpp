// The terminal progress bar (see progress.h).
#include "data/progress.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace hg::data {

namespace {

// 1234567 → "1,234,567"
std::string with_thousands(int64_t value) {
  std::string digits = std::to_string(value < 0 ? -value : value);
  std::string text;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) text += ',';
    text += digits[i];
  }
  return value < 0 ? "-" + text : text;
}

// 75 → "1:15", 3725 → "1:02:05"
std::string clock_time(double seconds) {
  int64_t total = static_cast<int64_t>(std::llround(seconds));
  char text[32];
  if (total >= 3600)
    std::snprintf(text, sizeof text, "%lld:%02lld:%02lld", static_cast<long long>(total / 3600),
                  static_cast<long long>(total / 60 % 60), static_cast<long long>(total % 60));
  else
    std::snprintf(text, sizeof text, "%lld:%02lld", static_cast<long long>(total / 60),
                  static_cast<long long>(total % 60));
  return text;
}

}  // namespace

std::string format_progress(const std::string& label, int64_t done, int64_t total, double seconds,
                            const std::string& unit, int bar_width) {
  const double fraction = total > 0 ? std::min(1.0, static_cast<double>(done) / total) : 1.0;
  const int filled = static_cast<int>(fraction * bar_width);
  std::string line = label + " [" + std::string(filled, '#') +
                     std::string(bar_width - filled, '.') + "]  " + with_thousands(done) + "/" +
                     with_thousands(total);
  if (seconds > 0 && done > 0) {
    const double rate = done / seconds;
    line += "  " + with_thousands(std::llround(rate)) + " " + unit + "/s";
    if (done < total)
      line += "  ETA " + clock_time((total - done) / rate);
    else
      line += "  in " + clock_time(seconds);
  }
  return line;
}

bool ProgressBar::on_terminal() { return isatty(STDOUT_FILENO) && isatty(STDERR_FILENO); }

ProgressBar::ProgressBar(std::string label, int64_t total, std::string unit,
                         double line_every_seconds)
    : label_(std::move(label)),
      unit_(std::move(unit)),
      total_(total),
      start_(std::chrono::steady_clock::now()),
      line_every_seconds_(line_every_seconds),
      on_terminal_(on_terminal()) {}

ProgressBar::~ProgressBar() { finish(); }

void ProgressBar::advance(int64_t count) {
  done_ += count;
  if (on_terminal_)
    draw(false);
  else
    write_line();
}

void ProgressBar::finish() {
  if (on_terminal_) draw(true);
}

void ProgressBar::draw(bool final) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (finished_) return;
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  if (!final && seconds - last_draw_ < 0.1) return;
  last_draw_ = seconds;
  // \r returns to the start of the line; \033[K clears what a longer previous line left.
  std::fprintf(stderr, "\r%s\033[K%s",
               format_progress(label_, done_, total_, seconds, unit_).c_str(), final ? "\n" : "");
  std::fflush(stderr);
  finished_ = final;
}

void ProgressBar::write_line() {
  std::lock_guard<std::mutex> lock(mutex_);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  // The first line comes a full interval after the start, not at it.
  if (seconds - std::max(last_draw_, 0.0) < line_every_seconds_) return;
  last_draw_ = seconds;
  std::fprintf(stderr, "%s\n", format_progress(label_, done_, total_, seconds, unit_).c_str());
  std::fflush(stderr);
}

}  // namespace hg::data
