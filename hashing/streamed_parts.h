// StreamedParts: a database of codes too large for its device, walked part by part through two
// staging buffers (page-locked for the GPU). While the caller searches part i, a background
// thread copies part i + 1's rows out of the code array into the other buffer. The code array
// is usually a memory-mapped code file (mapped_code_file.h) and reading it from disk is the slow
// step of a cold search, so it overlaps the search of the part before instead of preceding it.
// One device buffer holds the part being searched; the next part's upload is queued once the
// caller has returned from the previous one, so the two never share it. The buffers are made
// once and serve every walk: an index searched batch after batch (mAP@all's full rankings) pins
// its host memory once, not once per batch. One walk at a time.
#pragma once

#include <cstdint>
#include <functional>

#include "hashing/bit_packing.h"
#include "tensor/staging_buffer.h"
#include "tensor/tensor.h"

namespace hg::hashing {

class StreamedParts {
 public:
  // Parts of `part_codes` codes (the last one may be shorter) of `codes`, whose words must
  // outlive this object, delivered on `device`.
  StreamedParts(const PackedCodes& codes, int64_t part_codes, Device device);

  using Body = std::function<void(int64_t start, int64_t count, const Tensor& part)>;
  // body(start, count, part) for each part in order: `part` holds rows [start, start + count) on
  // the device (count × words u64), valid during the call. An exception from `body` ends the walk
  // after the copy in flight has finished.
  void for_each(const Body& body);

 private:
  size_t bytes_of(int64_t count) const;
  int64_t count_at(int64_t start) const;

  PackedCodes codes_;
  int64_t part_codes_;
  Device device_;
  StagingBuffer staging_[2];
  Tensor part_;  // part_codes × words on the device
};

}  // namespace hg::hashing
