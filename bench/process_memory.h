// The memory of this process as Linux counts it, for benchmarks that compare peak memory on the
// CPU with another framework's (bench/peer_bench.cpp beside bench/torch_peer.py, which reads
// the same two fields): the resident set now (VmRSS) and its high-water mark (VmHWM) from
// /proc/self/status, and the reset of that mark (writing 5 to /proc/self/clear_refs, Linux
// 4.0 and later) so that each case's peak is its own. Both are 0 where /proc is missing.
#pragma once

#include <malloc.h>

#include <cstdint>
#include <fstream>
#include <string>

namespace hg::bench {

// A "Name:   123 kB" field of /proc/self/status in bytes, 0 when absent.
inline int64_t process_status_bytes(const std::string& field) {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind(field + ":", 0) == 0) return std::stoll(line.substr(field.size() + 1)) * 1024;
  return 0;
}

inline int64_t resident_bytes() { return process_status_bytes("VmRSS"); }
inline int64_t peak_resident_bytes() { return process_status_bytes("VmHWM"); }

// Lowers VmHWM to the current VmRSS, after handing what the C library holds free back to the
// system (so an earlier case's memory does not count again); false when the kernel does not
// allow the reset.
inline bool reset_peak_resident_bytes() {
#ifdef __GLIBC__
  malloc_trim(0);
#endif
  std::ofstream clear_refs("/proc/self/clear_refs");
  clear_refs << "5";
  clear_refs.close();
  return static_cast<bool>(clear_refs);
}

}  // namespace hg::bench
