// nvJPEG's batched decoding behind cuda/jpeg_batch_decoder.h. Compiled when the build found
// nvJPEG; cuda/without_nvjpeg/ otherwise.
//
// nvjpegDecodeBatched decodes the whole batch in one call (Huffman decoding on the CPU, or on
// the GPU for large batches of baseline JPEGs, then the inverse DCT and colour conversion on the
// GPU), but one bad image fails the whole call: the batch is then decoded image by image with
// nvjpegDecode, so that only the bad images are left to the CPU decoder.
#include "cuda/jpeg_batch_decoder.h"

#include <cuda_runtime.h>
#include <nvjpeg.h>

#include <mutex>
#include <vector>

#include "core/error.h"

namespace hg::cuda {

namespace {

void check_nvjpeg(nvjpegStatus_t status, const char* call) {
  HG_CHECK(status == NVJPEG_STATUS_SUCCESS, call, " failed with nvJPEG status ",
           static_cast<int>(status), "; set image_pipeline = cpu to decode on the CPU");
}

// One library handle and decoding state per process, made on the first batch and used under a
// lock: a state is not safe to share between threads.
struct Nvjpeg {
  nvjpegHandle_t handle = nullptr;
  nvjpegJpegState_t state = nullptr;
  std::mutex mutex;
  Nvjpeg() {
    check_nvjpeg(nvjpegCreateSimple(&handle), "nvjpegCreateSimple");
    check_nvjpeg(nvjpegJpegStateCreate(handle, &state), "nvjpegJpegStateCreate");
  }
  ~Nvjpeg() {
    if (state != nullptr) nvjpegJpegStateDestroy(state);
    if (handle != nullptr) nvjpegDestroy(handle);
  }
};

Nvjpeg& library() {
  static Nvjpeg nvjpeg;
  return nvjpeg;
}

// Whether nvJPEG reads the header of `jpeg` as a 1- or 3-component image of the size the caller
// read from it.
bool header_agrees(nvjpegHandle_t handle, const JpegToDecode& jpeg) {
  int components = 0;
  nvjpegChromaSubsampling_t subsampling = NVJPEG_CSS_UNKNOWN;
  int widths[NVJPEG_MAX_COMPONENT] = {}, heights[NVJPEG_MAX_COMPONENT] = {};
  return nvjpegGetImageInfo(handle, jpeg.bytes, jpeg.size, &components, &subsampling, widths,
                            heights) == NVJPEG_STATUS_SUCCESS &&
         (components == 1 || components == 3) && subsampling != NVJPEG_CSS_UNKNOWN &&
         widths[0] == jpeg.width && heights[0] == jpeg.height;
}

}  // namespace

bool nvjpeg_available() { return true; }

void decode_jpegs(const JpegToDecode* jpegs, int count, int channels, bool* decoded,
                  Stream stream) {
  Nvjpeg& nvjpeg = library();
  std::lock_guard<std::mutex> lock(nvjpeg.mutex);
  const nvjpegOutputFormat_t format = channels == 1 ? NVJPEG_OUTPUT_Y : NVJPEG_OUTPUT_RGBI;
  std::vector<int> batch;
  std::vector<const unsigned char*> data;
  std::vector<size_t> lengths;
  std::vector<nvjpegImage_t> destinations;
  for (int i = 0; i < count; ++i) {
    decoded[i] = false;
    if (!header_agrees(nvjpeg.handle, jpegs[i])) continue;
    batch.push_back(i);
    data.push_back(jpegs[i].bytes);
    lengths.push_back(jpegs[i].size);
    nvjpegImage_t destination{};
    destination.channel[0] = jpegs[i].out;
    destination.pitch[0] = static_cast<size_t>(jpegs[i].width) * channels;
    destinations.push_back(destination);
  }
  if (batch.empty()) return;
  const int size = static_cast<int>(batch.size());
  if (nvjpegDecodeBatchedInitialize(nvjpeg.handle, nvjpeg.state, size, 1, format) ==
          NVJPEG_STATUS_SUCCESS &&
      nvjpegDecodeBatched(nvjpeg.handle, nvjpeg.state, data.data(), lengths.data(),
                          destinations.data(), stream) == NVJPEG_STATUS_SUCCESS) {
    for (int i : batch) decoded[i] = true;
    return;
  }
  for (int k = 0; k < size; ++k)
    decoded[batch[k]] = nvjpegDecode(nvjpeg.handle, nvjpeg.state, data[k], lengths[k], format,
                                     &destinations[k], stream) == NVJPEG_STATUS_SUCCESS;
}

}  // namespace hg::cuda
