// GzipFile over zlib's gz* functions (see gzip_file.h).
#include "data/gzip_file.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "core/error.h"

namespace hg::data {

namespace {
gzFile handle(void* file) { return static_cast<gzFile>(file); }
}  // namespace

GzipFile::GzipFile(const std::string& path) : path_(path) {
  errno = 0;
  file_ = gzopen(path.c_str(), "rb");
  HG_CHECK(file_ != nullptr, "cannot open '", path,
           "': ", errno != 0 ? std::strerror(errno) : "out of memory");
  // A larger buffer than zlib's 8 KiB default: the files are read front to back in one go.
  gzbuffer(handle(file_), 1 << 20);
}

GzipFile::~GzipFile() { gzclose(handle(file_)); }

size_t GzipFile::read(void* buffer, size_t count) {
  auto* out = static_cast<unsigned char*>(buffer);
  size_t done = 0;
  while (done < count) {
    // gzread takes an unsigned int and returns an int: ask for at most 1 GiB at a time.
    unsigned chunk = static_cast<unsigned>(std::min<size_t>(count - done, 1u << 30));
    int got = gzread(handle(file_), out + done, chunk);
    int status = Z_OK;
    std::string message = gzerror(handle(file_), &status);
    // zlib prefixes its message with the path, which ours already names.
    if (message.rfind(path_ + ": ", 0) == 0) message.erase(0, path_.size() + 2);
    // zlib reports a cut-off stream as Z_BUF_ERROR ("unexpected end of file") after returning
    // the bytes it could inflate, a failed read() as Z_ERRNO; any other error status means the
    // compressed data itself is corrupt.
    const char* problem = status == Z_BUF_ERROR ? ": truncated compressed data ("
                          : status == Z_ERRNO   ? ": cannot read ("
                                                : ": corrupt compressed data (";
    HG_CHECK(status == Z_OK || status == Z_STREAM_END, path_, problem, message, ")");
    if (got <= 0) break;
    done += static_cast<size_t>(got);
  }
  return done;
}

std::vector<uint8_t> GzipFile::read_all(size_t limit) {
  std::vector<uint8_t> data;
  size_t filled = 0;
  // One byte past the limit tells a file of exactly `limit` bytes from a longer one.
  while (filled <= limit) {
    data.resize(std::min(filled + (size_t{1} << 22), limit + 1));
    size_t got = read(data.data() + filled, data.size() - filled);
    filled += got;
    if (filled < data.size()) break;
  }
  HG_CHECK(filled <= limit, path_, ": holds more than ", limit,
           " bytes of data, more than its format allows (corrupt, or a gzip bomb)");
  data.resize(filled);
  return data;
}

uint64_t GzipFile::most_bytes_held() const {
  constexpr uint64_t kDeflateMaxRatio = 1032;
  std::error_code error;
  const uint64_t size = std::filesystem::file_size(path_, error);
  if (error) return UINT64_MAX;  // not a regular file (a pipe): nothing to check against
  return gzdirect(handle(file_)) ? size : size * kDeflateMaxRatio;
}

bool GzipFile::at_end() {
  unsigned char byte;
  return read(&byte, 1) == 0;
}

}  // namespace hg::data
