// Storage: a block of bytes on one device, shared by every Tensor that views it.
//
// A Tensor is (Storage, shape, strides, offset, dtype). Views such as a transpose or a slice
// make a new Tensor over the same Storage, which lives as long as any of them does.
#pragma once

#include <cstddef>
#include <memory>

#include "tensor/device.h"

namespace hg {

class Storage {
 public:
  // Uninitialised bytes from the host allocator or the caching device allocator.
  Storage(size_t bytes, Device device);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  void* data() const { return data_; }
  size_t bytes() const { return bytes_; }
  Device device() const { return device_; }

 private:
  void* data_ = nullptr;
  size_t bytes_ = 0;
  Device device_ = Device::cpu;
};

}  // namespace hg
