// Storage allocates through cuda/allocator and gives the bytes back when the last view dies.
#include "tensor/storage.h"

#include "core/host_allocator.h"
#include "cuda/allocator.h"

namespace hg {

Storage::Storage(size_t bytes, Device device) : bytes_(bytes), device_(device) {
  data_ = device == Device::cpu ? memory::host_allocate(bytes) : memory::device_allocate(bytes);
}

Storage::~Storage() {
  if (device_ == Device::cpu)
    memory::host_free(data_);
  else
    memory::device_free(data_);
}

}  // namespace hg
