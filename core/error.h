// hashgrad's one exception type, and the checks that raise it.
//
// Library code never aborts: anything a user can get wrong (a shape, a file, a flag, the GPU
// running out of memory) becomes an hg::Error whose message says what was wrong and, where it
// helps, what to do. The command line catches it, prints the one line and exits non-zero.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>

namespace hg {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

// The GPU (or the caching allocator on its behalf) could not find memory. A separate type so
// callers can catch it and, for example, retry with a smaller batch.
class OutOfMemoryError : public Error {
 public:
  using Error::Error;
};

namespace detail {
template <typename... Parts>
std::string concat(const Parts&... parts) {
  std::ostringstream stream;
  (stream << ... << parts);
  return stream.str();
}
}  // namespace detail

// HG_CHECK(condition, message parts...): throw hg::Error with the parts streamed together.
#define HG_CHECK(condition, ...)                                            \
  do {                                                                      \
    if (!(condition)) throw ::hg::Error(::hg::detail::concat(__VA_ARGS__)); \
  } while (0)

}  // namespace hg
