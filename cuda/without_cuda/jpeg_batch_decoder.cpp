// cuda/jpeg_batch_decoder.h in a CPU-only build (see built_without_cuda.h).
#include "cuda/jpeg_batch_decoder.h"

#include "cuda/without_cuda/built_without_cuda.h"

namespace hg::cuda {

bool nvjpeg_available() { return false; }

void decode_jpegs(const JpegToDecode*, int, int, bool*, Stream) {
  built_without_cuda("cuda::decode_jpegs");
}

}  // namespace hg::cuda
