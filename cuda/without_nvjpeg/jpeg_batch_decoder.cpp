// cuda/jpeg_batch_decoder.h in a CUDA build without nvJPEG: nothing is decoded on the GPU, and
// the loader's GPU image pipeline decodes every image on the CPU (data/image_stage.h).
#include "cuda/jpeg_batch_decoder.h"

#include "core/error.h"

namespace hg::cuda {

bool nvjpeg_available() { return false; }

void decode_jpegs(const JpegToDecode*, int, int, bool*, Stream) {
  throw Error(
      "cuda::decode_jpegs: hashgrad was built without nvJPEG (configure on a machine whose CUDA "
      "Toolkit has nvjpeg.h and libnvjpeg)");
}

}  // namespace hg::cuda
