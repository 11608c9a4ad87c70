// Asking the file system about a path without its exceptions (see path_status.h).
#include "core/path_status.h"

#include <system_error>

#include "core/error.h"
#include "core/quoted_text.h"

namespace hg {
namespace {

// The path's status. A path that is not there (one running through a file, "a.txt/b", included)
// comes back as not_found with `error` set too: that is an answer, not a failure.
std::filesystem::file_status status_of(const std::filesystem::path& path) {
  std::error_code error;
  const std::filesystem::file_status status = std::filesystem::status(path, error);
  HG_CHECK(!error || status.type() == std::filesystem::file_type::not_found, "cannot look at '",
           quoted_text(path.string()), "': ", error.message());
  return status;
}

}  // namespace

bool path_exists(const std::filesystem::path& path) {
  return std::filesystem::exists(status_of(path));
}

bool is_folder(const std::filesystem::path& path) {
  return std::filesystem::is_directory(status_of(path));
}

bool is_file(const std::filesystem::path& path) {
  return std::filesystem::is_regular_file(status_of(path));
}

}  // namespace hg
