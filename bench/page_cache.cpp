// How much of a file is in the page cache, and dropping it from there: for timing a search of a
// memory-mapped code file with the file cached and cold (bench/mpi_scaling.sh).
//
//   bench_page_cache FILE           prints the fraction of the file's pages that are resident
//   bench_page_cache --evict FILE   drops the file's pages first, then prints the fraction
//
// Residency is mincore(2) over a read-only mapping of the file (what fincore(1) reports). Dropping
// is fdatasync then posix_fadvise(POSIX_FADV_DONTNEED): the kernel frees the file's clean pages
// that no process has mapped, without privileges and without touching other files' pages, as
// writing /proc/sys/vm/drop_caches (root only) would for every process on the machine. Pages a
// running process maps stay, so the printed fraction is the check that it worked.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

[[noreturn]] void fail(const std::string& what, const std::string& path) {
  const int error = errno;  // before anything else can change it
  throw std::runtime_error(what + " " + path + ": " + std::strerror(error));
}

// An open file descriptor, closed when it goes out of scope.
struct OpenFile {
  int descriptor;
  explicit OpenFile(const std::string& path) : descriptor(open(path.c_str(), O_RDONLY)) {
    if (descriptor < 0) fail("cannot open", path);
  }
  ~OpenFile() { close(descriptor); }
  OpenFile(const OpenFile&) = delete;
  OpenFile& operator=(const OpenFile&) = delete;
};

void evict(const OpenFile& file, const std::string& path) {
  // Dirty pages are not dropped: write them back first (a file just written is dirty).
  if (fdatasync(file.descriptor) != 0) fail("cannot sync", path);
  const int error = posix_fadvise(file.descriptor, 0, 0, POSIX_FADV_DONTNEED);
  if (error != 0) {
    errno = error;
    fail("posix_fadvise(DONTNEED) failed on", path);
  }
}

// Resident pages and all pages of the file.
std::pair<size_t, size_t> resident_pages(const OpenFile& file, const std::string& path) {
  struct stat status {};
  if (fstat(file.descriptor, &status) != 0) fail("cannot stat", path);
  const size_t size = static_cast<size_t>(status.st_size);
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  const size_t pages = (size + page - 1) / page;
  if (size == 0) return {0, 0};
  // Mapping a file reads nothing: mincore reports the cache without changing it.
  void* mapping = mmap(nullptr, size, PROT_READ, MAP_SHARED, file.descriptor, 0);
  if (mapping == MAP_FAILED) fail("cannot map", path);
  std::vector<unsigned char> in_core(pages);
  const int status_of_mincore = mincore(mapping, size, in_core.data());
  munmap(mapping, size);
  if (status_of_mincore != 0) fail("mincore failed on", path);
  size_t resident = 0;
  for (unsigned char flags : in_core) resident += flags & 1;
  return {resident, pages};
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"The fraction of a file in the page cache; --evict drops it first",
               "bench_page_cache"};
  std::string path;
  bool drop = false;
  app.add_flag("--evict", drop, "drop the file's pages from the page cache first");
  app.add_option("file", path, "the file")->required();
  CLI11_PARSE(app, argc, argv);
  try {
    const OpenFile file(path);
    if (drop) evict(file, path);
    const auto [resident, pages] = resident_pages(file, path);
    std::printf("resident %.4f (%zu of %zu pages) %s\n",
                pages == 0 ? 0.0 : static_cast<double>(resident) / static_cast<double>(pages),
                resident, pages, path.c_str());
  } catch (const std::exception& error) {
    std::fprintf(stderr, "bench_page_cache: error: %s\n", error.what());
    return 1;
  }
  return 0;
}
