// safetensors files: how weights and checkpoints move between hashgrad and PyTorch (DESIGN §6).
//
// The format (huggingface/safetensors), all integers little-endian:
//   8 bytes   N, the length of the header
//   N bytes   a JSON object, for each tensor
//               "name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}
//             and optionally "__metadata__": {"key": "value", ...} (string values)
//   the rest  the tensors' bytes, row-major; [begin, end) counts from the end of the header,
//             and the tensors tile it without gaps or overlaps
// dtypes read and written: F32, F64, BF16, I32, I64, U8, U64.
#pragma once

#include <map>
#include <string>

#include "tensor/tensor.h"

namespace hg {

struct SafetensorsContents {
  std::map<std::string, Tensor> tensors;  // CPU, contiguous
  std::map<std::string, std::string> metadata;
};

// Reads and validates the whole file; any problem (missing file, truncated header or data, bad
// JSON, unknown dtype, offsets outside the data or inconsistent with the shape) throws
// hg::Error naming the file and the problem.
SafetensorsContents read_safetensors(const std::string& path);
std::map<std::string, Tensor> load_safetensors(const std::string& path);

// Writes `tensors` (any device, any layout) and `metadata`. The bytes go to "<path>.tmp", which
// is renamed over `path` only once complete, so a crash never leaves a half-written file.
void save_safetensors(const std::string& path, const std::map<std::string, Tensor>& tensors,
                      const std::map<std::string, std::string>& metadata = {});

}  // namespace hg
