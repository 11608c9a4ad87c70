// The terminal progress bar (see progress.h).
#include "data/progress.h"

#include <unistd.h>

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

bool ProgressBar::enabled() { return isatty(STDOUT_FILENO) && isatty(STDERR_FILENO); }

ProgressBar::ProgressBar(std::string label, int64_t total, std::string unit)
    : label_(std::move(label)),
      unit_(std::move(unit)),
      total_(total),
      start_(std::chrono::steady_clock::now()),
      active_(enabled()) {}

ProgressBar::~ProgressBar() { finish(); }

void ProgressBar::advance(int64_t count) {
  done_ += count;
  if (active_) draw(false);
}

void ProgressBar::finish() {
  if (active_) draw(true);
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

}  // namespace hg::data
