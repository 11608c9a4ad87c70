// Plain values and arrays packed into the byte buffers that Communicator::gather_bytes carries
// (a sharded search's rows, an evaluation's ranking summaries), and read back in the same order.
// Host byte order: every rank of a job runs the same binary on the same kind of machine.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "core/error.h"

namespace hg::distributed {

class ByteWriter {
 public:
  template <typename T>
  void value(const T& value) {
    append(&value, sizeof(T));
  }
  template <typename T>
  void values(const std::vector<T>& values) {
    append(values.data(), values.size() * sizeof(T));
  }
  std::vector<uint8_t>& bytes() { return bytes_; }

 private:
  void append(const void* data, size_t count) {
    const size_t at = bytes_.size();
    bytes_.resize(at + count);
    if (count > 0) std::memcpy(bytes_.data() + at, data, count);
  }

  std::vector<uint8_t> bytes_;
};

// Reads what a ByteWriter wrote; `what` names the message in the error a short buffer raises.
class ByteReader {
 public:
  ByteReader(const std::vector<uint8_t>& bytes, std::string what)
      : bytes_(bytes), what_(std::move(what)) {}
  template <typename T>
  std::vector<T> values(size_t count) {
    HG_CHECK(count <= (bytes_.size() - at_) / sizeof(T), what_,
             ": a rank sent a truncated message");
    std::vector<T> result(count);
    if (count > 0) std::memcpy(result.data(), bytes_.data() + at_, count * sizeof(T));
    at_ += count * sizeof(T);
    return result;
  }
  template <typename T>
  T value() {
    return values<T>(1)[0];
  }

 private:
  const std::vector<uint8_t>& bytes_;
  std::string what_;
  size_t at_ = 0;
};

}  // namespace hg::distributed
