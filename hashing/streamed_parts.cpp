// StreamedParts (streamed_parts.h): two staging buffers, one filled by a background thread while
// the other's part is uploaded and searched.
#include "hashing/streamed_parts.h"

#include <algorithm>
#include <cstring>
#include <future>

namespace hg::hashing {

StreamedParts::StreamedParts(const PackedCodes& codes, int64_t part_codes, Device device)
    : codes_(codes),
      part_codes_(std::max<int64_t>(part_codes, 1)),
      device_(device),
      staging_{{bytes_of(part_codes_), device}, {bytes_of(part_codes_), device}},
      part_(Tensor::empty({part_codes_, codes.words_per_code()}, DType::u64, device)) {}

size_t StreamedParts::bytes_of(int64_t count) const {
  return static_cast<size_t>(count * codes_.words_per_code()) * sizeof(uint64_t);
}

int64_t StreamedParts::count_at(int64_t start) const {
  return std::min(part_codes_, codes_.count - start);
}

void StreamedParts::for_each(const Body& body) {
  const auto fill = [this](int slot, int64_t start) {
    std::memcpy(staging_[slot].data(), codes_.code(start), bytes_of(count_at(start)));
  };
  // Both buffers idle: the last walk's uploads (or an ended walk's) have been read.
  staging_[0].wait_until_read();
  std::future<void> next;
  if (codes_.count > 0) next = std::async(std::launch::async, fill, 0, int64_t{0});
  int slot = 0;
  for (int64_t start = 0; start < codes_.count; start += part_codes_, slot ^= 1) {
    next.get();  // part `start` is in staging_[slot]
    const int64_t count = count_at(start);
    const Tensor rows = count == part_codes_
                            ? part_
                            : Tensor::empty({count, codes_.words_per_code()}, DType::u64, device_);
    staging_[slot].copy_to(rows, 0, bytes_of(count));
    staging_[slot].end_batch();
    if (start + part_codes_ < codes_.count) {
      // The other buffer's last upload (two parts back, or the last walk's) was queued before the
      // previous body ran; waiting for it is normally immediate.
      staging_[slot ^ 1].wait_until_read();
      next = std::async(std::launch::async, fill, slot ^ 1, start + part_codes_);
    }
    body(start, count, rows);
  }
}

}  // namespace hg::hashing
