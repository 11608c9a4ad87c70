// JSON-lines log and console lines of a run (see run_log.h).
#include "train/run_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>

#include "core/error.h"

namespace hg {

namespace {

// Cuts the file of `descriptor` after its last newline: a half line at its end is dropped.
void drop_half_last_line(int descriptor, const std::string& path) {
  struct stat status {};
  if (::fstat(descriptor, &status) != 0 || !S_ISREG(status.st_mode)) return;  // /dev/null
  off_t end = status.st_size;
  char block[4096];
  while (end > 0) {
    const off_t begin = end > off_t{sizeof block} ? end - off_t{sizeof block} : 0;
    const ssize_t count = ::pread(descriptor, block, static_cast<size_t>(end - begin), begin);
    HG_CHECK(count == end - begin, "cannot read the run log '", path, "': ", std::strerror(errno));
    const void* newline = ::memrchr(block, '\n', static_cast<size_t>(count));
    if (newline != nullptr) {
      end = begin + (static_cast<const char*>(newline) - block) + 1;
      break;
    }
    end = begin;
  }
  if (end < status.st_size)
    HG_CHECK(::ftruncate(descriptor, end) == 0, "cannot cut the half last line of the run log '",
             path, "': ", std::strerror(errno));
}

}  // namespace

RunLog::RunLog(const std::string& path, bool echo)
    : descriptor_(::open(path.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0644)),
      path_(path),
      echo_(echo) {
  HG_CHECK(descriptor_ >= 0, "cannot open the run log '", path,
           "' for writing: ", std::strerror(errno));
  try {
    drop_half_last_line(descriptor_, path);
  } catch (...) {
    ::close(descriptor_);
    throw;
  }
}

RunLog::~RunLog() { ::close(descriptor_); }

void RunLog::write(const std::string& kind, nlohmann::json event, const std::string& line) {
  event["event"] = kind;
  event["time"] =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  const std::string text = event.dump() + '\n';
  const off_t end = ::lseek(descriptor_, 0, SEEK_END);
  const ssize_t written = ::write(descriptor_, text.data(), text.size());
  if (written != static_cast<ssize_t>(text.size())) {
    const int error = written < 0 ? errno : ENOSPC;
    // The part written is cut off again: the log keeps ending with a whole line.
    HG_CHECK(written <= 0 || end < 0 || ::ftruncate(descriptor_, end) == 0, "writing the run log '",
             path_, "' failed (disk full?): ", std::strerror(error),
             ", and cutting off the half line it left failed: ", std::strerror(errno));
    throw Error(detail::concat("writing the run log '", path_,
                               "' failed (disk full?): ", std::strerror(error)));
  }
  if (!line.empty()) print(line);
}

void RunLog::print(const std::string& line) {
  if (!echo_) return;
  std::fputs((line + "\n").c_str(), stdout);
  std::fflush(stdout);
}

}  // namespace hg
