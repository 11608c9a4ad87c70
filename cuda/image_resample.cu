// The GPU augmentation kernel: out[n, c, y, x] = sampled_byte(image n, y, x, c)·scale[c] +
// shift[c], the crop, resize and flip of core/image_sampling.h followed by the normalization of
// data/transforms.h's write_chw. CPU reference: the CPU transforms (tests/image_resample_test.cpp).
//
// Thread mapping: a grid-stride loop, one output element per iteration; the index splits into
// (n, c, y, x) with x fastest, so neighbouring threads write neighbouring floats. Each thread
// reads its four source bytes and its image's sampling, which every thread of the image shares
// (served from cache).
//
// Compiled with -fmad=false (cuda/CMakeLists.txt): the host computes the blend and p·scale +
// shift as separate multiplies and adds, and a fused multiply-add rounds once instead of twice,
// which would move a blend sitting on a rounding boundary to the next byte.
#include <cuda_runtime.h>

#include "cuda/check.h"
#include "cuda/grid_stride.h"
#include "cuda/image_resample.h"
#include "cuda/scratch_buffer.h"

namespace hg::cuda {

namespace {

__global__ void resample_images_kernel(const uint8_t* pixels, const ImageSampling* samplings,
                                       const float* affine, int channels, int height, int width,
                                       int64_t total, float* out) {
  HG_GRID_STRIDE_LOOP(i, total) {
    const int x = static_cast<int>(i % width);
    int64_t rest = i / width;
    const int y = static_cast<int>(rest % height);
    rest /= height;
    const int c = static_cast<int>(rest % channels);
    const ImageSampling& sampling = samplings[rest / channels];
    const uint8_t byte =
        sampled_byte(pixels + sampling.source_offset, sampling, channels, width, y, x, c);
    out[i] = byte * affine[c] + affine[channels + c];
  }
}

}  // namespace

void resample_images(const ResampleBatch& batch, float* out, Stream stream) {
  if (batch.count == 0) return;
  // The samplings and the per-channel scale and shift travel in one upload; a copy from
  // pageable memory has read its source when cudaMemcpyAsync returns.
  const size_t sampling_bytes = sizeof(ImageSampling) * batch.count;
  const size_t affine_bytes = sizeof(float) * 2 * batch.channels;
  ScratchBuffer parameters(sampling_bytes + affine_bytes);
  auto* samplings = static_cast<ImageSampling*>(parameters.data);
  auto* affine = reinterpret_cast<float*>(static_cast<char*>(parameters.data) + sampling_bytes);
  CUDA_CHECK(
      cudaMemcpyAsync(samplings, batch.samplings, sampling_bytes, cudaMemcpyHostToDevice, stream));
  CUDA_CHECK(cudaMemcpyAsync(affine, batch.scale, sizeof(float) * batch.channels,
                             cudaMemcpyHostToDevice, stream));
  CUDA_CHECK(cudaMemcpyAsync(affine + batch.channels, batch.shift, sizeof(float) * batch.channels,
                             cudaMemcpyHostToDevice, stream));
  const int64_t total = int64_t{batch.count} * batch.channels * batch.height * batch.width;
  resample_images_kernel<<<blocks_for(total), kThreadsPerBlock, 0, stream>>>(
      batch.pixels, samplings, affine, batch.channels, batch.height, batch.width, total, out);
  CUDA_CHECK_LAUNCH();
}

}  // namespace hg::cuda
