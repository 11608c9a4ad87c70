// JSON-lines log and console lines of a run (see run_log.h).
#include "train/run_log.h"

#include <chrono>
#include <cstdio>

#include "core/error.h"

namespace hg {

RunLog::RunLog(const std::string& path, bool echo)
    : file_(path, std::ios::app), path_(path), echo_(echo) {
  HG_CHECK(file_.good(), "cannot open the run log '", path, "' for writing");
}

void RunLog::write(const std::string& kind, nlohmann::json event, const std::string& line) {
  event["event"] = kind;
  event["time"] =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  file_ << event.dump() << '\n';
  file_.flush();
  HG_CHECK(file_.good(), "writing the run log '", path_, "' failed (disk full?)");
  if (!line.empty()) print(line);
}

void RunLog::print(const std::string& line) {
  if (!echo_) return;
  std::fputs((line + "\n").c_str(), stdout);
  std::fflush(stdout);
}

}  // namespace hg
