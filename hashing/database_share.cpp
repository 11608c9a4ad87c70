// DatabaseShare (see database_share.h).
#include "hashing/database_share.h"

#include "core/error.h"
#include "distributed/communicator.h"

namespace hg::hashing {

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
  if (rank != 0) return;
  if (mapped_) mapped_->verify_checksum();
  ids_ = mapped_ ? mapped_->ids(0, total_) : loaded_.ids;
  labels_ = !source.labels_path.empty() ? read_labels_npy(source.labels_path, total_)
            : mapped_                   ? mapped_->labels(0, total_)
                                        : loaded_.labels;
}

CodeSet DatabaseShare::whole() const {
  HG_CHECK(begin_ == 0 && codes_.count == total_,
           "the whole database is wanted in one process, but this rank holds a share");
  CodeSet codes = mapped_ ? mapped_->read(0, total_) : loaded_;
  codes.labels = labels_;
  return codes;
}

}  // namespace hg::hashing
