// gather_shares (see communicator.h).
#include "distributed/communicator.h"
#include "tensor/copy.h"
#include "tensor/indexing.h"
#include "tensor/views.h"

namespace hg::distributed {

Tensor gather_shares(const Tensor& rows, int64_t total, Communicator& communicator) {
  const int ranks = communicator.size();
  const int64_t widest = share_begin(total, ranks, 1);
  HG_CHECK(rows.dim() >= 1 && rows.size(0) == share_begin(total, ranks, communicator.rank() + 1) -
                                                  share_begin(total, ranks, communicator.rank()),
           "gather_shares: ", rows.description(), " is not rank ", communicator.rank(),
           "'s share of ", total, " rows");
  Shape padded_shape = rows.shape();
  padded_shape[0] = widest;
  Tensor padded = Tensor::zeros(padded_shape, rows.dtype(), rows.device());
  if (rows.size(0) > 0) ops::copy_(ops::narrow(padded, 0, 0, rows.size(0)), rows);
  Shape every_shape = padded_shape;
  every_shape[0] = widest * ranks;
  Tensor every = Tensor::empty(every_shape, rows.dtype(), rows.device());
  communicator.all_gather(padded, every);
  std::vector<Tensor> shares;
  for (int r = 0; r < ranks; ++r) {
    const int64_t length = share_begin(total, ranks, r + 1) - share_begin(total, ranks, r);
    if (length > 0) shares.push_back(ops::narrow(every, 0, r * widest, length));
  }
  return ops::concat(shares, 0);
}

}  // namespace hg::distributed
