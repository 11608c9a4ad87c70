// CodeTable: one code per training item, the state of the pairwise code bank and of the
// asymmetric strategy's V. Rows are overwritten by index, and the table goes to and from a
// checkpoint under the name "codes".
#pragma once

#include <map>
#include <string>
#include <vector>

#include "distributed/communicator.h"
#include "tensor/tensor.h"

namespace hg {

class CodeTable {
 public:
  CodeTable() = default;
  explicit CodeTable(Tensor codes) : codes_(std::move(codes)) {}

  const Tensor& codes() const { return codes_; }
  // The i64 index of `rows` on the table's device.
  Tensor row_index(const std::vector<int64_t>& rows) const;
  // codes[index[i]] ← values[i], outside autograd.
  void assign_rows(const Tensor& index, const Tensor& values) const;
  // The same for the whole batch of a data-parallel step (DESIGN §3b): each rank passes its
  // share's row index and values (of a batch of `batch_items`), and every rank's table takes every
  // rank's rows, so the tables stay equal on all ranks and to one process's.
  void assign_rows_of_every_rank(const Tensor& index, const Tensor& values, int64_t batch_items,
                                 distributed::Communicator& communicator) const;

  std::map<std::string, Tensor> state_dict() const { return {{"codes", codes_}}; }
  // Takes the checkpoint's "codes", which must have this table's shape; errors name `source`.
  void load_state_dict(const std::map<std::string, Tensor>& state, const std::string& source);

 private:
  Tensor codes_;  // f32 [n_train, c]
};

}  // namespace hg
