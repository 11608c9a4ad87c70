// Temporary files of atomic writes (core/atomic_write.h): a killed writer's file is removed by
// the next run in the folder, a running writer's is kept, and files that only look alike stay.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "core/atomic_write.h"
#include "tests/data_test_files.h"

namespace hg {
namespace {

// The pid of a process that has exited and been reaped: no process runs with it (until the
// kernel hands it out again, which takes a full turn of the pid space).
pid_t exited_pid() {
  const pid_t child = fork();
  if (child == 0) _exit(0);
  int status = 0;
  waitpid(child, &status, 0);
  return child;
}

TEST(AtomicWrite, TemporaryFilesOfWritersNoLongerRunningAreRemoved) {
  test::ScratchFolder folder;
  const std::string dead = "checkpoint.safetensors.tmp." + std::to_string(exited_pid());
  const std::string alive = "checkpoint.safetensors.tmp." + std::to_string(getpid());
  const std::vector<std::string> kept = {alive, "notes.tmp.txt", "data.tmp.", "log.jsonl"};
  for (const std::string& name : kept) test::write_text(folder.file(name), "x");
  test::write_text(folder.file(dead), "half a checkpoint");
  write_atomically(folder.path("config.txt"), [](std::ostream& out) { out << "bits = 16\n"; });
  remove_abandoned_temporaries(folder.path(""));
  EXPECT_FALSE(std::filesystem::exists(folder.path(dead)));
  for (const std::string& name : kept)
    EXPECT_TRUE(std::filesystem::exists(folder.path(name))) << name;
  EXPECT_EQ(test::read_text(folder.path("config.txt")), "bits = 16\n");
  remove_abandoned_temporaries(folder.path("no such folder"));  // nothing to do, no error
}

}  // namespace
}  // namespace hg
