// Patch merging (see patch_merging.h).
#include "layers/transformer/patch_merging.h"

#include "autograd/views.h"
#include "layers/transformer/init.h"

namespace hg {

PatchMerging::PatchMerging(int64_t dim, int64_t height, int64_t width)
    : dim_(dim), height_(height), width_(width) {
  HG_CHECK(dim > 0 && height > 0 && width > 0 && height % 2 == 0 && width % 2 == 0,
           "PatchMerging: the ", height, " x ", width, " map of dim ", dim,
           " must have even sides to merge 2 x 2 neighbourhoods");
  norm_ = register_module("norm", std::make_shared<LayerNorm>(Shape{4 * dim}));
  reduction_ = register_module("reduction", std::make_shared<Linear>(4 * dim, 2 * dim, false));
  init::timm_linear(*reduction_);
}

Tensor PatchMerging::forward(const Tensor& input) {
  HG_CHECK(input.dim() == 3 && input.size(1) == height_ * width_ && input.size(2) == dim_,
           "PatchMerging: expected tokens [B, ", height_ * width_, " (", height_, " x ", width_,
           "), ", dim_, "], got ", input.description());
  const int64_t batch = input.size(0);
  // [B, H/2, row, W/2, column, C] → [B, H/2, W/2, column, row, C]: flattening the last three
  // dims gives the neighbour at (row, column) the slot column·2 + row, timm's concat order.
  Tensor grid = reshape(input, {batch, height_ / 2, 2, width_ / 2, 2, dim_});
  Tensor merged =
      reshape(permute(grid, {0, 1, 3, 4, 2, 5}), {batch, (height_ / 2) * (width_ / 2), 4 * dim_});
  return (*reduction_)((*norm_)(merged));
}

}  // namespace hg
