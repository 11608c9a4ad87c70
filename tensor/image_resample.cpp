// resample_images: checks every sampling on the host, then runs the CPU twin or the CUDA kernel.
#include "tensor/image_resample.h"

#include "core/profiler.h"
#include "tensor/cpu/image_resample.h"

namespace hg::ops {

namespace {

// A window [start, start + extent) inside `size` pixels, resized to at least the offset plus
// the output's `out` pixels.
bool axis_fits(const AxisSampling& axis, int size, int out) {
  return axis.start >= 0 && axis.extent > 0 && axis.start + axis.extent <= size &&
         axis.offset >= 0 && axis.resized >= axis.offset + out;
}

void check_sampling(const ImageSampling& sampling, size_t index, int channels, int height,
                    int width, int64_t bytes) {
  const int64_t image_bytes = int64_t{sampling.height} * sampling.width * channels;
  HG_CHECK(sampling.source_offset >= 0 && image_bytes > 0 &&
               sampling.source_offset + image_bytes <= bytes,
           "resample_images: image ", index, " (", sampling.height, "x", sampling.width,
           " at byte ", sampling.source_offset, ") lies outside the ", bytes, " bytes of pixels");
  HG_CHECK(axis_fits(sampling.rows, sampling.height, height) &&
               axis_fits(sampling.columns, sampling.width, width),
           "resample_images: the sampling of image ", index, " reads outside its ", sampling.height,
           "x", sampling.width, " pixels for a ", height, "x", width, " output");
}

}  // namespace

Tensor resample_images(const Tensor& pixels, const std::vector<ImageSampling>& samplings,
                       int channels, int height, int width, const std::vector<float>& scale,
                       const std::vector<float>& shift) {
  check_defined(pixels, "resample_images");
  HG_CHECK(pixels.dtype() == DType::u8 && pixels.is_contiguous(),
           "resample_images: pixels must be contiguous u8, got ", pixels.description());
  HG_CHECK(channels > 0 && height > 0 && width > 0 &&
               scale.size() == static_cast<size_t>(channels) && shift.size() == scale.size(),
           "resample_images: ", channels, " channels of ", height, "x", width, " with ",
           scale.size(), " scales and ", shift.size(), " shifts");
  for (size_t n = 0; n < samplings.size(); ++n)
    check_sampling(samplings[n], n, channels, height, width, pixels.numel());
  const int count = static_cast<int>(samplings.size());
  Tensor out = Tensor::empty({count, channels, height, width}, DType::f32, pixels.device());
  const cuda::ResampleBatch batch{
      pixels.data<uint8_t>(), samplings.data(), count, channels, height, width,
      scale.data(),           shift.data()};
  profiler::Scope scope("resample_images", pixels.is_cuda());
  if (pixels.is_cuda())
    cuda::resample_images(batch, out.data<float>(), cuda::current_stream());
  else
    cpu::resample_images(batch, out.data<float>());
  return out;
}

}  // namespace hg::ops
