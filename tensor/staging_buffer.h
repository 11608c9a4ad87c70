// StagingBuffer: host memory a batch is assembled in before it goes to its device, and the copy
// out of it. For the GPU the memory is page-locked, so the copy is queued on hashgrad's stream
// and overlaps the kernels, and an event marks when the GPU has finished reading the buffer;
// for the CPU it is ordinary aligned memory and the copy a memcpy.
#pragma once

#include <cstddef>

#include "cuda/transfer.h"
#include "tensor/tensor.h"

namespace hg {

class StagingBuffer {
 public:
  StagingBuffer(size_t bytes, Device destination);
  // Waits for the copies out of the buffer still queued.
  ~StagingBuffer();
  StagingBuffer(const StagingBuffer&) = delete;
  StagingBuffer& operator=(const StagingBuffer&) = delete;

  unsigned char* data() { return data_; }
  const unsigned char* data() const { return data_; }

  // Blocks until the copies of the last batch have read the buffer: call before refilling it.
  void wait_until_read();
  // Copies bytes [offset, offset + bytes) of the buffer into the contiguous tensor `target`, on
  // the buffer's device (queued there on the GPU).
  void copy_to(const Tensor& target, size_t offset, size_t bytes);
  // After a batch's copy_to calls: marks them, for wait_until_read.
  void end_batch();

 private:
  unsigned char* data_ = nullptr;
  Device destination_;
  cuda::Event read_ = nullptr;  // recorded after the copies of the last batch (GPU only)
  bool copies_queued_ = false;
};

}  // namespace hg
