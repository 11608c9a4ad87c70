// copy_ and fill_ dispatch to tensor/cpu/copy.h or cuda/copy.cu.
#include "tensor/copy.h"

#include "core/profiler.h"
#include "cuda/copy.h"
#include "tensor/cpu/copy.h"

namespace hg::ops {

void copy_(const Tensor& destination, const Tensor& source) {
  check_defined(destination, "copy_");
  check_defined(source, "copy_");
  Shape target = broadcast_shapes(source.shape(), destination.shape(), "copy_");
  HG_CHECK(target == destination.shape(), "copy_: source ", shape_string(source.shape()),
           " does not broadcast to destination ", shape_string(destination.shape()));
  if (source.device() != destination.device()) {
    // Move the bytes as they are, then convert on the destination's side.
    Tensor packed = source.contiguous();
    Tensor moved = Tensor::empty(packed.shape(), packed.dtype(), destination.device());
    copy_bytes(moved.raw_data(), moved.device(), packed.raw_data(), packed.device(),
               packed.numel() * dtype_size(packed.dtype()));
    copy_(destination, moved);
    return;
  }
  check_no_partial_overlap(destination, source, "copy_");
  profiler::Scope scope("copy", destination.is_cuda());
  StridedIndex source_index = broadcast_index(source.shape(), source.strides(), target);
  StridedIndex destination_index =
      broadcast_index(destination.shape(), destination.strides(), target);
  int64_t count = destination.numel();
  dispatch_all(source.dtype(), [&](auto source_zero) {
    using Source = decltype(source_zero);
    dispatch_all(destination.dtype(), [&](auto destination_zero) {
      using Destination = decltype(destination_zero);
      if (destination.is_cuda()) {
        cuda::copy_cast(source.data<Source>(), source_index, destination.data<Destination>(),
                        destination_index, count, cuda::current_stream());
      } else {
        cpu::copy_cast(source.data<Source>(), source_index, destination.data<Destination>(),
                       destination_index, count);
      }
    });
  });
}

void fill_(const Tensor& tensor, double value) {
  check_defined(tensor, "fill_");
  if (!tensor.is_contiguous()) {
    Tensor filled = Tensor::full(tensor.shape(), value, tensor.dtype(), tensor.device());
    copy_(tensor, filled);
    return;
  }
  profiler::Scope scope("fill", tensor.is_cuda());
  dispatch_all(tensor.dtype(), [&](auto zero) {
    using T = decltype(zero);
    T converted = convert<T>(value);
    if (tensor.is_cuda()) {
      cuda::fill(tensor.data<T>(), converted, tensor.numel(), cuda::current_stream());
    } else {
      cpu::fill(tensor.data<T>(), converted, tensor.numel());
    }
  });
}

}  // namespace hg::ops
