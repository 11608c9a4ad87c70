// The run log (train/run_log.h) never ends in half a line: one a kill left is cut off when the
// log is opened again, and a write the disk cuts short is undone.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <csignal>
#include <sstream>

#include "core/json.h"
#include "tests/data_test_files.h"
#include "train/run_log.h"

namespace hg {
namespace {

// The events of the log at `path`, each line parsed (a half line fails the test).
std::vector<std::string> events(const std::string& path) {
  std::vector<std::string> kinds;
  std::istringstream lines(test::read_text(path));
  for (std::string line; std::getline(lines, line);)
    kinds.push_back(parse_json(line, path)["event"].get<std::string>());
  return kinds;
}

TEST(RunLog, HalfLastLineLeftByAKillIsCutWhenTheLogIsOpenedAgain) {
  test::ScratchFolder folder;
  const std::string path = folder.file("log.jsonl");
  test::write_text(path, "{\"event\":\"start\"}\n{\"event\":\"ro");
  {
    RunLog log(path, false);
    log.write("resume", {{"round", 2}});
  }
  EXPECT_EQ(events(path), (std::vector<std::string>{"start", "resume"}));
  test::write_text(path, "{\"event\":\"no newline at all\"");  // one half line, nothing before
  RunLog(path, false).write("start", {});
  EXPECT_EQ(events(path), (std::vector<std::string>{"start"}));
}

TEST(RunLog, WriteCutShortByAFullDiskIsUndone) {
  test::ScratchFolder folder;
  const std::string path = folder.file("log.jsonl");
  RunLog log(path, false);
  log.write("start", {});
  const std::string before = test::read_text(path);
  // The file may grow by 10 bytes: write(2) puts 10 bytes of the next line and reports it.
  struct rlimit saved {};
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &saved), 0);
  struct rlimit limit = saved;
  limit.rlim_cur = before.size() + 10;
  void (*saved_handler)(int) = std::signal(SIGXFSZ, SIG_IGN);
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &limit), 0);
  const std::string message = test::error_message([&] {
    log.write("round", {{"loss", 0.25}, {"note", std::string(100, 'x')}});
  });
  setrlimit(RLIMIT_FSIZE, &saved);
  std::signal(SIGXFSZ, saved_handler);
  EXPECT_EQ(message,
            "writing the run log '" + path + "' failed (disk full?): No space left on device");
  EXPECT_EQ(test::read_text(path), before);
  log.write("end", {});
  EXPECT_EQ(events(path), (std::vector<std::string>{"start", "end"}));
}

}  // namespace
}  // namespace hg
