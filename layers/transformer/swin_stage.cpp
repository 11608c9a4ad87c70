// Swin stage (see swin_stage.h).
#include "layers/transformer/swin_stage.h"

namespace hg {

SwinStage::SwinStage(int64_t dim, int64_t height, int64_t width, int64_t depth,
                     const SwinBlockOptions& block, bool downsample) {
  HG_CHECK(depth > 0, "SwinStage: depth ", depth, " must be positive");
  blocks_ = register_module("blocks", std::make_shared<Sequential>());
  for (int64_t i = 0; i < depth; ++i) {
    SwinBlockOptions options = block;
    options.shift_size = i % 2 == 0 ? 0 : block.window_size / 2;
    blocks_->push_back(std::make_shared<SwinBlock>(dim, height, width, options));
  }
  if (downsample)
    downsample_ = register_module("downsample", std::make_shared<PatchMerging>(dim, height, width));
}

Tensor SwinStage::forward(const Tensor& input) {
  Tensor output = (*blocks_)(input);
  return downsample_ ? (*downsample_)(output) : output;
}

}  // namespace hg
