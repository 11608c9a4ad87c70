// StreamedParts (streamed_parts.h): two staging buffers, one filled by a background thread while
// the other's part is uploaded and searched.
#include "hashing/streamed_parts.h"

#include <algorithm>
#include <cstring>
#include <future>

#include "tensor/staging_buffer.h"

namespace hg::hashing {

StreamedParts::StreamedParts(const PackedCodes& codes, int64_t part_codes, Device device)
    : codes_(codes), part_codes_(std::max<int64_t>(part_codes, 1)), device_(device) {}

void StreamedParts::for_each(const Body& body) const {
  const int64_t words = codes_.words_per_code();
  const auto bytes_of = [&](int64_t count) {
    return static_cast<size_t>(count * words) * sizeof(uint64_t);
  };
  const auto count_at = [&](int64_t start) { return std::min(part_codes_, codes_.count - start); };
  StagingBuffer staging[2] = {{bytes_of(part_codes_), device_}, {bytes_of(part_codes_), device_}};
  const auto fill = [&](int slot, int64_t start) {
    std::memcpy(staging[slot].data(), codes_.code(start), bytes_of(count_at(start)));
  };
  const Tensor part = Tensor::empty({part_codes_, words}, DType::u64, device_);

  std::future<void> next;
  if (codes_.count > 0) next = std::async(std::launch::async, fill, 0, int64_t{0});
  int slot = 0;
  for (int64_t start = 0; start < codes_.count; start += part_codes_, slot ^= 1) {
    next.get();  // part `start` is in staging[slot]
    const int64_t count = count_at(start);
    const Tensor rows =
        count == part_codes_ ? part : Tensor::empty({count, words}, DType::u64, device_);
    staging[slot].copy_to(rows, 0, bytes_of(count));
    staging[slot].end_batch();
    if (start + part_codes_ < codes_.count) {
      // The other buffer's last upload (two parts back) was queued before the previous body
      // ran; waiting for it is normally immediate.
      staging[slot ^ 1].wait_until_read();
      next = std::async(std::launch::async, fill, slot ^ 1, start + part_codes_);
    }
    body(start, count, rows);
  }
}

}  // namespace hg::hashing
