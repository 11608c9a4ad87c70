// RunLog: where a training run reports. Each event is one JSON object on a line of
// RUN_DIR/log.jsonl (machine-readable, appended, survives a crash up to the last line) and,
// for the events a person follows, one line on stdout. It is the one place below apps/ that
// prints (DESIGN §1).
#pragma once

#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

namespace hg {

class RunLog {
 public:
  // Appends to `path` (a resumed run continues the same log); `echo` prints to stdout too.
  RunLog(const std::string& path, bool echo = true);
  // Writes `event` (with "event": kind and a timestamp added) as one line; prints `line` when
  // not empty.
  void write(const std::string& kind, nlohmann::json event, const std::string& line = "");
  void print(const std::string& line);

 private:
  std::ofstream file_;
  std::string path_;
  bool echo_;
};

}  // namespace hg
