// One rank's share of a database of codes (DESIGN §3b): the rows [begin, begin + count) that
// distributed::share_begin gives the rank, for a ShardedIndex. A code file is memory-mapped
// (mapped_code_file.h), so each rank reads its own rows only, and a file larger than memory
// is paged in as the search streams over it; a .npy is read whole and cut. Every rank holds its
// rows' labels (an evaluation scores each share where it lies); rank 0, which merges and
// reports, also holds every row's id and label (12 bytes or so per code, against the codes
// themselves staying where they are).
#pragma once

#include <memory>

#include "hashing/code_io.h"
#include "hashing/mapped_code_file.h"

namespace hg::hashing {

class DatabaseShare {
 public:
  // The same checks and messages as load_codes (bits asked for, --index-labels count);
  // a code file's checksum is verified by rank 0, the one that reads it all.
  DatabaseShare(const CodeSource& source, int rank, int ranks);

  PackedCodes codes() const { return codes_; }  // this rank's rows
  int64_t begin() const { return begin_; }
  int64_t total() const { return total_; }
  int bits() const { return codes_.bits; }
  // This rank's rows' labels (every rank).
  const Labels& share_labels() const { return share_labels_; }
  // Every row's (rank 0; empty elsewhere).
  const Labels& labels() const { return labels_; }
  const std::vector<int64_t>& ids() const { return ids_; }
  // The whole database in memory (one process: the gallery and re-rank want it).
  CodeSet whole() const;

 private:
  std::unique_ptr<MappedCodeFile> mapped_;
  CodeSet loaded_;  // a .npy's codes, whole
  PackedCodes codes_;
  int64_t begin_ = 0, total_ = 0;
  Labels labels_, share_labels_;
  std::vector<int64_t> ids_;
};

}  // namespace hg::hashing
