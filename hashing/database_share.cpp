// DatabaseShare (see database_share.h).
#include "hashing/database_share.h"

#include <numeric>

#include "core/error.h"
#include "distributed/communicator.h"

namespace hg::hashing {

namespace {

// first, first + 1, ..., first + count - 1: the rows of a share, for Labels::gather.
std::vector<int64_t> positions(int64_t first, int64_t count) {
  std::vector<int64_t> result(static_cast<size_t>(count));
  std::iota(result.begin(), result.end(), first);
  return result;
}

}  // namespace

DatabaseShare::DatabaseShare(const CodeSource& source, int rank, int ranks) {
  HG_CHECK(!source.codes_path.empty(), "no codes file given");
  if (is_code_file(source.codes_path)) {
    mapped_ = std::make_unique<MappedCodeFile>(source.codes_path);
    HG_CHECK(source.bits == 0 || source.bits == mapped_->bits(), source.codes_path, " holds ",
             mapped_->bits(), "-bit codes, but ", source.bits, " bits were asked for");
    total_ = mapped_->count();
  } else {
    loaded_ = load_codes({source.codes_path, "", source.bits});
    total_ = loaded_.count;
  }
  begin_ = distributed::share_begin(total_, ranks, rank);
  const int64_t rows = distributed::share_begin(total_, ranks, rank + 1) - begin_;
  if (mapped_) {
    codes_ = mapped_->codes(begin_, rows);
  } else {
    const PackedCodes all = loaded_.packed();
    codes_ = {all.code(begin_), rows, all.bits};
  }
  const auto labels_of = [&](int64_t first, int64_t count) {
    if (!source.labels_path.empty()) {
      const Labels all = read_labels_npy(source.labels_path, total_);
      return first == 0 && count == total_ ? all : all.gather(positions(first, count));
    }
    if (mapped_) return mapped_->labels(first, count);
    return first == 0 && count == total_ ? loaded_.labels
                                         : loaded_.labels.gather(positions(first, count));
  };
  share_labels_ = labels_of(begin_, rows);
  if (rank != 0) return;
  if (mapped_) mapped_->verify_checksum();
  ids_ = mapped_ ? mapped_->ids(0, total_) : loaded_.ids;
  labels_ = ranks == 1 ? share_labels_ : labels_of(0, total_);
}

CodeSet DatabaseShare::whole() const {
  HG_CHECK(begin_ == 0 && codes_.count == total_,
           "the whole database is wanted in one process, but this rank holds a share");
  CodeSet codes = mapped_ ? mapped_->read(0, total_) : loaded_;
  codes.labels = labels_;
  return codes;
}

}  // namespace hg::hashing
