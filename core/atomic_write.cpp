// Temp-file-then-rename writes (see atomic_write.h).
#include "core/atomic_write.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "core/error.h"

namespace hg {

void write_atomically(const std::string& path, const std::function<void(std::ostream&)>& write) {
  // The pid keeps two processes writing the same target from sharing a temporary file.
  const std::string temporary = path + ".tmp." + std::to_string(::getpid());
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

}  // namespace hg
