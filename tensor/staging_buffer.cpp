// StagingBuffer (see staging_buffer.h): page-locked memory and queued copies for the GPU,
// aligned memory and memcpy for the CPU.
#include "tensor/staging_buffer.h"

#include <cstdlib>
#include <cstring>

#include "cuda/allocator.h"

namespace hg {

StagingBuffer::StagingBuffer(size_t bytes, Device destination) : destination_(destination) {
  if (destination == Device::cuda) {
    data_ = static_cast<unsigned char*>(memory::pinned_allocate(bytes));
    read_ = cuda::create_event();
    return;
  }
  data_ = static_cast<unsigned char*>(std::aligned_alloc(64, (bytes + 63) / 64 * 64));
  HG_CHECK(data_ != nullptr, "out of host memory for a ", bytes, "-byte staging buffer");
}

StagingBuffer::~StagingBuffer() {
  if (destination_ == Device::cpu) {
    std::free(data_);
    return;
  }
  if (read_ != nullptr) cuda::destroy_event(read_);
  memory::pinned_free(data_);
}

void StagingBuffer::wait_until_read() {
  if (copies_queued_) cuda::wait_for_event(read_);
}

void StagingBuffer::copy_to(const Tensor& target, size_t offset, size_t bytes) {
  HG_CHECK(target.device() == destination_ && target.is_contiguous(),
           "StagingBuffer::copy_to: the target must be a contiguous tensor on ",
           device_name(destination_), ", got ", target.description());
  if (destination_ == Device::cpu)
    std::memcpy(target.raw_data(), data_ + offset, bytes);
  else
    cuda::copy_to_device_async(target.raw_data(), data_ + offset, bytes);
}

void StagingBuffer::end_batch() {
  if (destination_ == Device::cpu) return;
  cuda::record_event(read_);
  copies_queued_ = true;
}

}  // namespace hg
