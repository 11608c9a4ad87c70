// What the end-to-end tests of the hashgrad executable (encode_command_test.cpp,
// hashing_commands_test.cpp) and of the scripts (torchvision_parity_test.cpp) share: a test
// fixture with a fresh folder per test, running `hashgrad <arguments>` or any command with its
// exit status and output captured, and the check that a mistake gives one line naming the flag.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "tests/data_test_files.h"

namespace hg::test {

struct CommandRun {
  int status;  // the exit status, -1 when the command did not exit normally
  std::string out, err;
};

class CommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // One folder per test: ctest runs the tests as parallel processes.
    const ::testing::TestInfo* test = ::testing::UnitTest::GetInstance()->current_test_info();
    folder_ = std::filesystem::path(::testing::TempDir()) /
              (std::string(test->test_suite_name()) + "_" + test->name());
    std::filesystem::remove_all(folder_);
    std::filesystem::create_directories(folder_);
  }
  void TearDown() override { std::filesystem::remove_all(folder_); }

  std::string path(const std::string& name) const { return (folder_ / name).string(); }

  // Runs `command` (a shell line) with its exit status and output captured.
  CommandRun run(const std::string& command) const {
    std::string redirected = command + " >" + path("stdout.txt") + " 2>" + path("stderr.txt");
    int raw = std::system(redirected.c_str());
    return {WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, read_text(path("stdout.txt")),
            read_text(path("stderr.txt"))};
  }

  // Runs the hashgrad executable of this build with `arguments` (shell words).
  CommandRun hashgrad(const std::string& arguments) const {
    return run(test::build_directory() + "/hashgrad " + arguments);
  }

  // The command fails with exactly one line on stderr, and that line contains `named` (the flag
  // at fault).
  void expect_one_line_error(const std::string& arguments, const std::string& named) const {
    CommandRun result = hashgrad(arguments);
    EXPECT_NE(result.status, 0) << arguments;
    EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1)
        << arguments << ": " << result.err;
    EXPECT_NE(result.err.find(named), std::string::npos) << arguments << ": " << result.err;
  }

  std::filesystem::path folder_;
};

}  // namespace hg::test
