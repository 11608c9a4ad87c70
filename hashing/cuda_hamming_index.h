// CudaHammingIndex: the GPU implementation of HammingIndex (hashing/hamming_search.h) around
// the kernels of cuda/hamming_search.cu. The database is uploaded once when it fits in the
// device budget; a larger one stays on the host and is streamed through the GPU in parts
// (streamed_parts.h: the next part is read into page-locked memory while this one is searched),
// each part's sorted rows merged into the running result (later parts hold higher positions, so
// the merge keeps the (distance, position) order).
//
// An index is bound to one GPU, the current one when it is made or the ordinal given: every call
// switches the calling thread to that device for its duration (cuda::DeviceScope), so the parts
// of a database split across GPUs (partitioned_index.h) can be searched from any thread.
#pragma once

#include <memory>

#include "hashing/hamming_search.h"
#include "hashing/streamed_parts.h"
#include "tensor/tensor.h"

namespace hg::hashing {

class CudaHammingIndex final : public HammingIndex {
 public:
  // device_budget_bytes: the most device memory the database may take, and the size of its
  // parts when it is streamed (0: half the free memory, streamed in parts of 1 GiB).
  // gpu: the device's ordinal (kCurrentGpu: the calling thread's device).
  static constexpr int kCurrentGpu = -1;
  explicit CudaHammingIndex(const PackedCodes& database, size_t device_budget_bytes = 0,
                            int gpu = kCurrentGpu);
  // Gives the device memory and buffers back on their own device.
  ~CudaHammingIndex() override;
  Device device() const override { return Device::cuda; }
  int gpu() const { return gpu_; }
  // Codes per GPU part: the database size when it is resident.
  int64_t part_codes() const { return part_codes_; }

 private:
  void search_rows(const PackedCodes& queries, SearchResult& result) const override;
  RadiusResult search_within(const PackedCodes& queries, int radius) const override;
  // Calls body(start, count, codes on the GPU) for each part of the database, in order.
  void for_each_part(const StreamedParts::Body& body) const;

  int gpu_ = 0;
  int64_t part_codes_ = 0;
  Tensor resident_;  // the whole database on the GPU, when it fits in one part
  // Otherwise the buffers that stream it, made once for every search.
  std::unique_ptr<StreamedParts> streamed_;
};

}  // namespace hg::hashing
