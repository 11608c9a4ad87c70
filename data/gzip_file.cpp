// GzipFile: plain files read directly, compressed ones through zlib's gz* functions (see
// gzip_file.h).
#include "data/gzip_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/error.h"

namespace hg::data {

namespace {
gzFile handle(void* file) { return static_cast<gzFile>(file); }

// Up to `count` bytes of a plain file, fewer only at its end.
size_t read_plain(int descriptor, unsigned char* out, size_t count, const std::string& path) {
  size_t done = 0;
  while (done < count) {
    const ssize_t got = read(descriptor, out + done, std::min<size_t>(count - done, 1u << 30));
    if (got < 0 && errno == EINTR) continue;
    HG_CHECK(got >= 0, path, ": cannot read (", std::strerror(errno), ")");
    if (got == 0) break;
    done += static_cast<size_t>(got);
  }
  return done;
}

}  // namespace

GzipFile::GzipFile(const std::string& path) : path_(path) {
  errno = 0;
  descriptor_ = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  HG_CHECK(descriptor_ >= 0, "cannot open '", path, "': ", std::strerror(errno));
  struct stat status {};
  // Else not a regular file (a pipe): its size is unknown.
  if (fstat(descriptor_, &status) == 0 && S_ISREG(status.st_mode)) file_bytes_ = status.st_size;
  // A regular file that does not start with gzip's magic bytes is read as it is. zlib would pass
  // it through too (it looks at the same two bytes), but only after allocating its buffers and
  // its inflate state, for every file. A pipe cannot be looked at without being read, so zlib
  // reads every pipe.
  unsigned char magic[2] = {};
  if (file_bytes_ != UINT64_MAX &&
      (pread(descriptor_, magic, 2, 0) != 2 || magic[0] != 0x1f || magic[1] != 0x8b))
    return;
  file_ = gzdopen(descriptor_, "rb");  // zlib's from here: gzclose closes it
  if (file_ == nullptr) close(descriptor_);
  HG_CHECK(file_ != nullptr, "cannot open '", path, "': out of memory");
  // zlib allocates its buffers (this size for the compressed data, twice it for the inflated)
  // for every file it reads: larger than its 8 KiB default for a large file, read front to back
  // in one go, but no larger than the file, so that a small file takes neither megabytes nor
  // zlib's default 24 KiB (the input is read whole either way, and reads of twice the buffer or
  // more inflate straight into the caller's memory). 8 bytes is the least gzbuffer takes.
  constexpr uint64_t kSmallest = 8, kLargest = 1 << 20;
  gzbuffer(handle(file_), static_cast<unsigned>(std::clamp(file_bytes_, kSmallest, kLargest)));
}

GzipFile::~GzipFile() {
  if (file_ != nullptr)
    gzclose(handle(file_));
  else
    close(descriptor_);
}

size_t GzipFile::read(void* buffer, size_t count) {
  auto* out = static_cast<unsigned char*>(buffer);
  if (file_ == nullptr) return read_plain(descriptor_, out, count, path_);
  size_t done = 0;
  while (done < count) {
    // gzread takes an unsigned int and returns an int: ask for at most 1 GiB at a time.
    unsigned chunk = static_cast<unsigned>(std::min<size_t>(count - done, 1u << 30));
    int got = gzread(handle(file_), out + done, chunk);
    int status = Z_OK;
    std::string message = gzerror(handle(file_), &status);
    // zlib prefixes its message with its name for the file, "<fd:N>" (ours names the path).
    const std::string prefix = message.empty() ? "" : "<fd:" + std::to_string(descriptor_) + ">: ";
    if (message.rfind(prefix, 0) == 0) message.erase(0, prefix.size());
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

std::vector<uint8_t> GzipFile::read_up_to(size_t count) {
  // One byte past the file's size, so that a plain file ends inside the first buffer; then twice
  // the last size, so that what is allocated and zero-filled stays within twice the data.
  constexpr uint64_t kUnknownSizeStart = 64 << 10;
  size_t size = static_cast<size_t>(
      std::min<uint64_t>(count, file_bytes_ == UINT64_MAX ? kUnknownSizeStart : file_bytes_ + 1));
  std::vector<uint8_t> data;
  size_t filled = 0;
  for (;;) {
    data.resize(size);
    filled += read(data.data() + filled, size - filled);
    if (filled < size || size == count) break;
    size = count - size > size ? 2 * size : count;
  }
  data.resize(filled);
  return data;
}

std::vector<uint8_t> GzipFile::read_all(size_t limit) {
  // One byte past the limit tells a file of exactly `limit` bytes from a longer one.
  std::vector<uint8_t> data = read_up_to(limit + 1);
  HG_CHECK(data.size() <= limit, path_, ": holds more than ", limit,
           " bytes of data, more than its format allows (corrupt, or a gzip bomb)");
  return data;
}

uint64_t GzipFile::most_bytes_held() const {
  constexpr uint64_t kDeflateMaxRatio = 1032;
  if (file_bytes_ == UINT64_MAX) return UINT64_MAX;  // a pipe: nothing to check against
  return file_ == nullptr ? file_bytes_ : file_bytes_ * kDeflateMaxRatio;
}

bool GzipFile::at_end() {
  unsigned char byte;
  return read(&byte, 1) == 0;
}

}  // namespace hg::data
