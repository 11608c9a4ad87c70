// One code per training item (see code_table.h).
#include "train/code_table.h"

#include "autograd/node.h"
#include "core/error.h"
#include "tensor/ops.h"

namespace hg {

Tensor CodeTable::row_index(const std::vector<int64_t>& rows) const {
  return Tensor::from_vector(rows, {static_cast<int64_t>(rows.size())}).to(codes_.device());
}

void CodeTable::assign_rows(const Tensor& index, const Tensor& values) const {
  NoGradGuard no_grad;
  // index_add_ of the difference: the table has no row-assignment op of its own.
  ops::index_add_(codes_, 0, index, ops::sub(values, ops::index_select(codes_, 0, index)));
}

void CodeTable::load_state_dict(const std::map<std::string, Tensor>& state,
                                const std::string& source) {
  auto codes = state.find("codes");
  HG_CHECK(codes != state.end() && codes->second.shape() == codes_.shape(), "checkpoint '", source,
           "' has no strategy codes of shape ", shape_string(codes_.shape()));
  codes_ = codes->second.to(DType::f32).to(codes_.device()).clone();
}

void CodeTable::assign_rows_of_every_rank(const Tensor& index, const Tensor& values,
                                          int64_t batch_items,
                                          distributed::Communicator& communicator) const {
  assign_rows(distributed::gather_shares(index, batch_items, communicator),
              distributed::gather_shares(values, batch_items, communicator));
}

}  // namespace hg
