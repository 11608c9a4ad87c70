// Channels-last (NHWC) views and copies of [N, C, H, W] tensors (tensor/channels_last.h).
#include "tensor/channels_last.h"

#include "tensor/views.h"

namespace hg::ops {

namespace {
// [N, C, H, W] → [N, H, W, C] and back: a channels-last tensor is the second of a contiguous
// [N, H, W, C] one.
const std::vector<int64_t> kToPixelMajor = {0, 2, 3, 1};
const std::vector<int64_t> kToChannelMajor = {0, 3, 1, 2};

void check_four_dims(const Shape& shape, const char* op) {
  HG_CHECK(shape.size() == 4, op, ": expected a shape [N, C, H, W], got ", shape_string(shape));
}
}  // namespace

bool is_channels_last(const Tensor& x) {
  return x.dim() == 4 && permute(x, kToPixelMajor).is_contiguous();
}

Tensor channels_last(const Tensor& x, DType dtype) {
  check_defined(x, "channels_last");
  check_four_dims(x.shape(), "channels_last");
  if (x.dtype() == dtype && is_channels_last(x)) return x;
  Tensor pixel_major = permute(x, kToPixelMajor);
  // Tensor::to leaves a tensor of its own dtype as it is: then only the transposing copy is due.
  Tensor packed = x.dtype() == dtype ? pixel_major.contiguous() : pixel_major.to(dtype);
  return permute(packed, kToChannelMajor);
}

Tensor empty_channels_last(const Shape& shape, DType dtype, Device device) {
  check_four_dims(shape, "empty_channels_last");
  return permute(Tensor::empty({shape[0], shape[2], shape[3], shape[1]}, dtype, device),
                 kToChannelMajor);
}

}  // namespace hg::ops
