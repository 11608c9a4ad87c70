// RunLog: where a training run reports. Each event is one JSON object on a line of
// RUN_DIR/log.jsonl (machine-readable, appended, survives a crash up to the last line) and,
// for the events a person follows, one line on stdout. It is the one place below apps/ that
// prints (DESIGN §1).
//
// A line goes to the file in one write(2) on a descriptor opened for appending, so a process
// killed while logging leaves the line whole or absent; a write cut short (a full disk) is
// undone, and a half line a kill left all the same (the kernel may split a write that crosses a
// page) is cut off when the next run opens the log. Readers of a log never meet half a line.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace hg {

class RunLog {
 public:
  // Appends to `path` (a resumed run continues the same log, less a half last line); `echo`
  // prints to stdout too.
  RunLog(const std::string& path, bool echo = true);
  ~RunLog();
  RunLog(const RunLog&) = delete;
  RunLog& operator=(const RunLog&) = delete;

  // Writes `event` (with "event": kind and a timestamp added) as one line; prints `line` when
  // not empty.
  void write(const std::string& kind, nlohmann::json event, const std::string& line = "");
  void print(const std::string& line);

 private:
  int descriptor_;
  std::string path_;
  bool echo_;
};

}  // namespace hg
