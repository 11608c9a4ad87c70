// Tensor: creation, metadata, conversions and the autograd bookkeeping fields.
#include "tensor/tensor.h"

#include <algorithm>
#include <sstream>
#include <utility>
#include <vector>

#include "cuda/runtime.h"
#include "cuda/transfer.h"
#include "tensor/copy.h"

namespace hg {

Device parse_device(const std::string& text) {
  if (text == "cpu") return Device::cpu;
  if (text == "cuda" || text == "gpu") {
    HG_CHECK(cuda::available(), "device 'cuda' was asked for but ", cuda::device_description());
    return Device::cuda;
  }
  if (text == "auto") return cuda::available() ? Device::cuda : Device::cpu;
  throw Error("unknown device '" + text + "' (expected cpu, cuda or auto)");
}

bool device_available(Device device) { return device == Device::cpu || cuda::available(); }

std::string gpu_description() { return cuda::device_description(); }

void check_defined(const Tensor& tensor, const char* op) {
  HG_CHECK(tensor.defined(), op, ": got an undefined tensor");
}

void check_same_device_and_dtype(const Tensor& a, const Tensor& b, const char* op) {
  check_defined(a, op);
  check_defined(b, op);
  HG_CHECK(a.device() == b.device(), op, ": tensors are on different devices: ", a.description(),
           " and ", b.description());
  HG_CHECK(a.dtype() == b.dtype(), op, ": dtypes differ: ", a.description(), " and ",
           b.description());
}

namespace {

// Whether the tensor's elements fill [offset, offset + numel) exactly once: its strides, sorted,
// are those of a contiguous tensor of its sizes so sorted (dims of size 1 aside).
bool dense(const Tensor& tensor) {
  std::vector<std::pair<int64_t, int64_t>> dims;  // (stride, size)
  for (int64_t d = 0; d < tensor.dim(); ++d)
    if (tensor.size(d) != 1) dims.emplace_back(tensor.strides()[d], tensor.size(d));
  std::sort(dims.begin(), dims.end());
  int64_t expected = 1;
  for (auto [stride, size] : dims) {
    if (stride != expected) return false;
    expected *= size;
  }
  return true;
}

}  // namespace

void check_no_partial_overlap(const Tensor& destination, const Tensor& source, const char* op) {
  if (destination.storage() != source.storage() || destination.numel() == 0 ||
      source.numel() == 0 || !dense(destination) || !dense(source))
    return;
  const bool same_elements =
      destination.dtype() == source.dtype() && destination.offset() == source.offset() &&
      destination.shape() == source.shape() && destination.strides() == source.strides();
  // In bytes: the two may differ in dtype (copy_ casts).
  const auto begin = [](const Tensor& t) { return t.offset() * int64_t(dtype_size(t.dtype())); };
  const auto end = [&](const Tensor& t) {
    return begin(t) + t.numel() * int64_t(dtype_size(t.dtype()));
  };
  const bool disjoint = begin(source) >= end(destination) || begin(destination) >= end(source);
  HG_CHECK(same_elements || disjoint, op, ": the source ", source.description(),
           " overlaps the in-place target ", destination.description(),
           " in memory; clone() the source first");
}

void copy_bytes(void* destination, Device destination_device, const void* source,
                Device source_device, size_t count) {
  if (count == 0) return;
  if (destination_device == Device::cpu && source_device == Device::cpu) {
    std::memcpy(destination, source, count);
    return;
  }
  const cuda::CopyKind kind = destination_device == Device::cpu ? cuda::CopyKind::device_to_host
                              : source_device == Device::cpu    ? cuda::CopyKind::host_to_device
                                                                : cuda::CopyKind::device_to_device;
  cuda::copy_bytes(destination, source, count, kind);
}

// ---- creation ------------------------------------------------------------------------------

Tensor Tensor::empty(const Shape& shape, DType dtype, Device device) {
  for (int64_t size : shape)
    HG_CHECK(size >= 0, "Tensor::empty: negative size in shape ", shape_string(shape));
  HG_CHECK(shape.size() <= static_cast<size_t>(kMaxDims), "tensors have at most ", kMaxDims,
           " dims, got ", shape_string(shape));
  if (device == Device::cuda)
    HG_CHECK(cuda::available(), "cannot create a CUDA tensor: ", cuda::device_description());
  auto storage = std::make_shared<Storage>(shape_numel(shape) * dtype_size(dtype), device);
  return from_storage(std::move(storage), shape, contiguous_strides(shape), 0, dtype);
}

Tensor Tensor::from_storage(std::shared_ptr<Storage> storage, const Shape& shape,
                            const Shape& strides, int64_t offset, DType dtype) {
  Tensor tensor;
  tensor.impl_ = std::make_shared<Impl>();
  tensor.impl_->storage = std::move(storage);
  tensor.impl_->shape = shape;
  tensor.impl_->strides = strides;
  tensor.impl_->offset = offset;
  tensor.impl_->dtype = dtype;
  return tensor;
}

Tensor Tensor::full(const Shape& shape, double value, DType dtype, Device device) {
  Tensor tensor = empty(shape, dtype, device);
  ops::fill_(tensor, value);
  return tensor;
}

Tensor Tensor::zeros(const Shape& shape, DType dtype, Device device) {
  return full(shape, 0.0, dtype, device);
}

Tensor Tensor::ones(const Shape& shape, DType dtype, Device device) {
  return full(shape, 1.0, dtype, device);
}

Tensor Tensor::scalar(double value, DType dtype, Device device) {
  return full({}, value, dtype, device);
}

// ---- metadata ------------------------------------------------------------------------------

const Tensor::Impl& Tensor::impl() const {
  HG_CHECK(impl_ != nullptr, "use of an undefined tensor");
  return *impl_;
}

const Shape& Tensor::shape() const { return impl().shape; }
const Shape& Tensor::strides() const { return impl().strides; }
int64_t Tensor::offset() const { return impl().offset; }
DType Tensor::dtype() const { return impl().dtype; }
Device Tensor::device() const { return impl().storage->device(); }
const std::shared_ptr<Storage>& Tensor::storage() const { return impl().storage; }

int64_t Tensor::size(int64_t dimension) const {
  return shape()[normalize_dim(dimension, this->dim(), "Tensor::size")];
}

bool Tensor::is_contiguous() const {
  int64_t expected = 1;
  for (size_t i = shape().size(); i-- > 0;) {
    if (shape()[i] != 1 && strides()[i] != expected) return false;
    expected *= shape()[i];
  }
  return true;
}

std::string Tensor::description() const {
  if (!defined()) return "undefined";
  return detail::concat(dtype_name(dtype()), shape_string(shape()), " ", device_name(device()));
}

void* Tensor::raw_data() const {
  return static_cast<char*>(impl().storage->data()) + impl().offset * dtype_size(impl().dtype);
}

// ---- conversions ---------------------------------------------------------------------------

Tensor Tensor::to(Device target) const {
  if (device() == target) return *this;
  Tensor result = empty(shape(), dtype(), target);
  ops::copy_(result, *this);
  return result;
}

Tensor Tensor::to(DType target) const {
  if (dtype() == target) return *this;
  Tensor result = empty(shape(), target, device());
  ops::copy_(result, *this);
  return result;
}

Tensor Tensor::contiguous() const { return is_contiguous() ? *this : clone(); }

Tensor Tensor::clone() const {
  Tensor result = empty(shape(), dtype(), device());
  ops::copy_(result, *this);
  return result;
}

Tensor Tensor::detach() const {
  return from_storage(storage(), shape(), strides(), offset(), dtype());
}

void Tensor::set_data(const Tensor& source) const {
  check_defined(source, "set_data");
  Impl& state = const_cast<Impl&>(impl());
  const Impl& other = source.impl();
  state.storage = other.storage;
  state.shape = other.shape;
  state.strides = other.strides;
  state.offset = other.offset;
  state.dtype = other.dtype;
}

// ---- autograd state ------------------------------------------------------------------------

const std::shared_ptr<AutogradMeta>& Tensor::autograd_meta() const {
  const Impl& state = impl();
  if (!state.autograd) state.autograd = std::make_shared<AutogradMeta>();
  return state.autograd;
}

bool Tensor::requires_grad() const { return impl().autograd && impl().autograd->requires_grad; }

Tensor& Tensor::set_requires_grad(bool requires_grad) {
  HG_CHECK(!requires_grad || is_floating(dtype()), "set_requires_grad: only floating tensors ",
           "can require gradients, got ", description());
  HG_CHECK(!grad_fn(), "set_requires_grad: ", description(), " is the output of an op; ",
           "only leaves (parameters, inputs) can be marked");
  autograd_meta()->requires_grad = requires_grad;
  return *this;
}

Tensor Tensor::grad() const {
  if (!impl().autograd || !impl().autograd->grad) return Tensor();
  return *impl().autograd->grad;
}

void Tensor::set_grad(const Tensor& grad) {
  autograd_meta()->grad = grad.defined() ? std::make_shared<Tensor>(grad) : nullptr;
}

void Tensor::zero_grad() {
  if (impl().autograd) impl().autograd->grad.reset();
}

std::shared_ptr<Node> Tensor::grad_fn() const {
  return impl().autograd ? impl().autograd->grad_fn : nullptr;
}

}  // namespace hg
