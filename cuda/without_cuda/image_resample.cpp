// cuda/image_resample.h in a CPU-only build (see built_without_cuda.h).
#include "cuda/image_resample.h"

#include "cuda/without_cuda/built_without_cuda.h"

namespace hg::cuda {

void resample_images(const ResampleBatch&, float*, Stream) {
  built_without_cuda("cuda::resample_images");
}

}  // namespace hg::cuda
