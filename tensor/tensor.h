// Tensor: a shared handle to (Storage, shape, strides, offset, dtype) plus autograd state.
//
// Copying a Tensor copies the handle, not the data (like torch.Tensor). Member functions
// never record an autograd graph: they are metadata, data access and conversions. The
// differentiable ops are free functions in autograd/ (hg::add, hg::matmul, ...); the raw
// ops they are built from are free functions in tensor/ (hg::ops::add, ...).
#pragma once

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "tensor/device.h"
#include "tensor/dtype.h"
#include "tensor/shape.h"
#include "tensor/storage.h"

namespace hg {

struct Node;  // autograd/node.h: one recorded op of the graph
class Tensor;

// What autograd keeps per tensor. Held by pointer so that a Node can refer to the autograd
// state of its inputs (to hand them their gradient) without keeping their data alive.
struct AutogradMeta {
  bool requires_grad = false;
  std::shared_ptr<Tensor> grad;   // accumulated gradient of a leaf (null until backward)
  std::shared_ptr<Node> grad_fn;  // the op that made this tensor (null for leaves)
};

class Tensor {
 public:
  Tensor() = default;  // an undefined tensor (like an empty torch.Tensor handle)

  // ---- creation --------------------------------------------------------------------------
  static Tensor empty(const Shape& shape, DType dtype = DType::f32, Device device = Device::cpu);
  static Tensor zeros(const Shape& shape, DType dtype = DType::f32, Device device = Device::cpu);
  static Tensor ones(const Shape& shape, DType dtype = DType::f32, Device device = Device::cpu);
  static Tensor full(const Shape& shape, double value, DType dtype = DType::f32,
                     Device device = Device::cpu);
  // A 0-dim tensor holding `value`.
  static Tensor scalar(double value, DType dtype = DType::f32, Device device = Device::cpu);
  // Copies `values` (row-major) into a new tensor of `shape`; sizes must agree.
  template <typename T>
  static Tensor from_vector(const std::vector<T>& values, const Shape& shape,
                            Device device = Device::cpu);
  // A tensor that views existing storage (views, and ops that allocate with a given layout).
  static Tensor from_storage(std::shared_ptr<Storage> storage, const Shape& shape,
                             const Shape& strides, int64_t offset, DType dtype);

  // ---- metadata --------------------------------------------------------------------------
  bool defined() const { return impl_ != nullptr; }
  const Shape& shape() const;
  const Shape& strides() const;
  int64_t offset() const;
  int64_t dim() const { return static_cast<int64_t>(shape().size()); }
  int64_t size(int64_t dim) const;  // negative dims count from the end
  int64_t numel() const { return shape_numel(shape()); }
  DType dtype() const;
  Device device() const;
  bool is_cuda() const { return device() == Device::cuda; }
  bool is_contiguous() const;
  const std::shared_ptr<Storage>& storage() const;
  // "f32[2, 3] cpu"
  std::string description() const;

  // ---- data access -----------------------------------------------------------------------
  // Pointer to the first element (storage + offset); checks that T matches the dtype.
  template <typename T>
  T* data() const;
  void* raw_data() const;
  // All elements in row-major order, copied to the host (any layout, any device).
  template <typename T>
  std::vector<T> to_vector() const;
  // The value of a one-element tensor.
  template <typename T>
  T item() const;

  // ---- conversions (new storage unless nothing changes) ----------------------------------
  Tensor to(Device device) const;
  Tensor to(DType dtype) const;
  Tensor contiguous() const;
  Tensor clone() const;
  // Same data, no autograd history, requires_grad false.
  Tensor detach() const;
  // Makes this tensor (and every handle sharing it) use `source`'s data, shape and dtype,
  // keeping its autograd state: how Module::to(device) moves parameters in place.
  void set_data(const Tensor& source) const;

  // ---- autograd state --------------------------------------------------------------------
  bool requires_grad() const;
  // Marks a leaf as a parameter whose gradient backward() accumulates.
  Tensor& set_requires_grad(bool requires_grad);
  // The accumulated gradient, or an undefined tensor before any backward.
  Tensor grad() const;
  void set_grad(const Tensor& grad);
  void zero_grad();  // drops the gradient (the next backward writes a fresh one)
  std::shared_ptr<Node> grad_fn() const;
  // Created on first use; shared by every handle to this tensor.
  const std::shared_ptr<AutogradMeta>& autograd_meta() const;
  bool same(const Tensor& other) const { return impl_ == other.impl_; }

 private:
  struct Impl {
    std::shared_ptr<Storage> storage;
    Shape shape, strides;
    int64_t offset = 0;
    DType dtype = DType::f32;
    mutable std::shared_ptr<AutogradMeta> autograd;
  };
  const Impl& impl() const;
  std::shared_ptr<Impl> impl_;
};

// Throws unless both tensors are on the same device and have the same dtype; names both.
void check_same_device_and_dtype(const Tensor& a, const Tensor& b, const char* op);
void check_defined(const Tensor& tensor, const char* op);
// Throws when an in-place op's `source` shares memory with its `destination` without being the
// same elements in the same order (a transpose of it, a row of it broadcast over it): the
// kernel would read elements that other threads have already overwritten, and the result
// would depend on the order of the writes. Like PyTorch, it judges only views that are dense
// (some order of their dims is contiguous); interleaved views such as two columns pass.
void check_no_partial_overlap(const Tensor& destination, const Tensor& source, const char* op);

// Copies `count` bytes between host and device memory (either direction, or host to host).
void copy_bytes(void* destination, Device destination_device, const void* source,
                Device source_device, size_t count);

// ---- template definitions ----------------------------------------------------------------

template <typename T>
Tensor Tensor::from_vector(const std::vector<T>& values, const Shape& shape, Device device) {
  HG_CHECK(static_cast<int64_t>(values.size()) == shape_numel(shape),
           "Tensor::from_vector: ", values.size(), " values do not fill shape ",
           shape_string(shape));
  Tensor result = empty(shape, dtype_of<T>(), device);
  copy_bytes(result.raw_data(), device, values.data(), Device::cpu, values.size() * sizeof(T));
  return result;
}

template <typename T>
T* Tensor::data() const {
  HG_CHECK(dtype() == dtype_of<T>(), "Tensor::data: tensor is ", dtype_name(dtype()),
           ", asked for ", dtype_name(dtype_of<T>()));
  return static_cast<T*>(raw_data());
}

template <typename T>
std::vector<T> Tensor::to_vector() const {
  Tensor host = to(Device::cpu).contiguous();
  std::vector<T> values(static_cast<size_t>(host.numel()));
  if (!values.empty()) std::memcpy(values.data(), host.data<T>(), values.size() * sizeof(T));
  return values;
}

template <typename T>
T Tensor::item() const {
  HG_CHECK(numel() == 1, "Tensor::item: tensor ", description(), " has ", numel(),
           " elements, expected 1");
  return to_vector<T>()[0];
}

}  // namespace hg
