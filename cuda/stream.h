// hashgrad's CUDA stream, as code outside cuda/ names it: an opaque handle, so that headers
// declaring launchers need no CUDA header and build without CUDA (cuda/without_cuda/).
//
// All work for a device goes to one stream, created on the device's first use: one stream keeps
// the order of ops obvious (the tape replays in order) while still letting host code run ahead
// of the GPU; the data loader overlaps its copies by using pinned memory and cudaMemcpyAsync on
// it. The stream is the calling thread's current device's (cuda/runtime.h's DeviceScope): a
// process trains on one GPU, and a search over several (hashing/partitioned_index.h) queues each
// part's work on its own GPU's stream.
#pragma once

struct CUstream_st;  // the CUDA runtime's own: Stream is Stream

namespace hg::cuda {

using Stream = CUstream_st*;

Stream current_stream();

}  // namespace hg::cuda
