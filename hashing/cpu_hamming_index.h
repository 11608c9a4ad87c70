// CpuHammingIndex: the CPU implementation of HammingIndex (hashing/hamming_search.h), the
// reference the CUDA one is tested against. With a part budget it scans the database part by
// part, merging each part's rows (hashing/merge_row.h).
#pragma once

#include "hashing/hamming_search.h"

namespace hg::hashing {

class CpuHammingIndex final : public HammingIndex {
 public:
  // part_budget_bytes > 0: parts of that many bytes of codes (see make_hamming_index).
  explicit CpuHammingIndex(const PackedCodes& database, size_t part_budget_bytes = 0);
  Device device() const override { return Device::cpu; }
  // Codes per part: the database size when it is scanned whole.
  int64_t part_codes() const { return part_codes_; }

 private:
  void search_rows(const PackedCodes& queries, SearchResult& result) const override;
  RadiusResult search_within(const PackedCodes& queries, int radius) const override;

  int64_t part_codes_ = 0;
};

}  // namespace hg::hashing
