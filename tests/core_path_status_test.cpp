// path_exists, is_folder and is_file (core/path_status.h): answers for paths that are there or not,
// and an hg::Error quoting the path where std::filesystem would throw its own error.
#include "core/path_status.h"

#include <gtest/gtest.h>

#include <string>
#include <system_error>

#include "core/error.h"
#include "tests/data_test_files.h"

namespace hg {
namespace {

TEST(PathStatus, AnswersForAFileAFolderAndAMissingPath) {
  test::ScratchFolder folder;
  const std::string file = folder.file("a.txt");
  test::write_text(file, "a");
  EXPECT_TRUE(path_exists(file));
  EXPECT_FALSE(is_folder(file));
  EXPECT_TRUE(is_file(file));
  EXPECT_FALSE(is_file(folder.path("")));
  EXPECT_TRUE(path_exists(folder.path("")));
  EXPECT_TRUE(is_folder(folder.path("")));
  EXPECT_FALSE(path_exists(folder.path("missing")));
  EXPECT_FALSE(is_folder(folder.path("missing")));
  EXPECT_FALSE(is_file(folder.path("missing")));
  EXPECT_FALSE(path_exists(file + "/through_a_file"));  // ENOTDIR: not there either
}

// The name of the command_arguments fuzz finding (tests/fixtures/fuzz/command_arguments/):
// std::filesystem::exists threw its own error, whose message held the name's bytes raw.
TEST(PathStatus, ANameTooLongIsAnErrorQuotingThePathOnOneLine) {
  const std::string name = std::string(300, 'x') + "\n";
  try {
    path_exists(name);
    FAIL() << "expected an hg::Error";
  } catch (const Error& error) {
    const std::string message = error.what();
    EXPECT_EQ(message.rfind("cannot look at 'xxx", 0), 0u) << message;
    EXPECT_NE(message.find("... (301 bytes)"), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    EXPECT_NE(message.find(std::make_error_code(std::errc::filename_too_long).message()),
              std::string::npos)
        << message;
  }
  EXPECT_THROW(is_folder(name), Error);
  EXPECT_THROW(is_file(name), Error);
}

}  // namespace
}  // namespace hg
