// hashgrad's CUDA stream, as code outside cuda/ names it: an opaque handle, so that headers
// declaring launchers need no CUDA header and build without CUDA (cuda/without_cuda/).
//
// All work goes to one stream per process, created on first use. One stream keeps the order
// of ops obvious (the tape replays in order) while still letting host code run ahead of the
// GPU; the data loader overlaps its copies by using pinned memory and cudaMemcpyAsync on it.
#pragma once

struct CUstream_st;  // the CUDA runtime's own: Stream is Stream

namespace hg::cuda {

using Stream = CUstream_st*;

Stream current_stream();

}  // namespace hg::cuda
