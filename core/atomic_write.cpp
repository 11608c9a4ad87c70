// Temp-file-then-rename writes (see atomic_write.h).
#include "core/atomic_write.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string_view>

#include "core/error.h"

namespace hg {

namespace {

constexpr std::string_view kTemporaryMark = ".tmp.";

}  // namespace

void write_atomically(const std::string& path, const std::function<void(std::ostream&)>& write) {
  // The pid keeps two processes writing the same target from sharing a temporary file.
  const std::string temporary = path + std::string(kTemporaryMark) + std::to_string(::getpid());
  {
    std::ofstream stream(temporary, std::ios::binary | std::ios::trunc);
    HG_CHECK(stream, "cannot write ", path, ": cannot create its temporary file ", temporary, ": ",
             std::strerror(errno));
    try {
      write(stream);
    } catch (...) {
      stream.close();
      std::remove(temporary.c_str());
      throw;
    }
    // close() flushes: a full disk shows up here, not in a destructor that cannot report it.
    stream.close();
    if (!stream) {
      std::remove(temporary.c_str());
      throw Error(detail::concat("writing ", path, " failed (disk full?)"));
    }
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    int error = errno;
    std::remove(temporary.c_str());
    throw Error(
        detail::concat("cannot rename ", temporary, " to ", path, ": ", std::strerror(error)));
  }
}

void remove_abandoned_temporaries(const std::string& folder) {
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(folder, error)) {
    const std::string name = entry.path().filename().string();
    const size_t mark = name.rfind(kTemporaryMark);
    if (mark == std::string::npos) continue;
    const std::string digits = name.substr(mark + kTemporaryMark.size());
    if (digits.empty() || digits.size() > 9 ||
        digits.find_first_not_of("0123456789") != std::string::npos)
      continue;
    // kill(pid, 0) sends nothing; ESRCH: no such process.
    const pid_t writer = static_cast<pid_t>(std::stol(digits));
    if (writer > 0 && ::kill(writer, 0) != 0 && errno == ESRCH)
      std::filesystem::remove(entry.path(), error);
  }
}

}  // namespace hg
