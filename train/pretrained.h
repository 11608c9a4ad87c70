// Pretrained weights into a backbone, and a report of what was loaded (the config key
// `pretrained`).
//
// The file is safetensors in the backbone's names (Module::state_dict: torchvision's for the
// CNNs, timm 0.6's for Swin), as scripts/convert_weights.py writes it from a torchvision or timm
// checkpoint. Names match after stripping the prefixes that training wrappers add ("module." of
// DataParallel, "model.", "backbone."). Loading is lenient where fine-tuning needs it and strict
// where a mistake would otherwise go unnoticed:
//   - the file's tensors the model lacks (ImageNet's classifier: fc, classifier.6, head) are
//     skipped, and the model's tensors the file lacks (an attention block added for hashing)
//     keep their initialisation; the report names both;
//   - a file that matches none of the backbone's tensors (the wrong model, unconverted names) or
//     a tensor whose shape differs is an error naming the file and the first names on each side,
//     raised before any weight changes.
// The report is one line of the run log, as PyTorch's load_state_dict returns its missing and
// unexpected keys:
//   pretrained: loaded 120 of 120 backbone tensors from 'resnet18.safetensors'; in the file but
//   not in the model: fc.weight, fc.bias (skipped)
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "layers/module.h"
#include "train/run_log.h"

namespace hg {

struct PretrainedReport {
  std::string path;
  int64_t backbone_tensors = 0;     // parameters and buffers of the backbone
  std::vector<std::string> loaded;  // the backbone's names
  std::vector<std::string> not_in_file;
  std::vector<std::string> not_in_model;       // the file's names, prefixes stripped
  std::vector<std::string> stripped_prefixes;  // e.g. "module.", once each

  std::string summary() const;  // the run log's line
  nlohmann::json json() const;  // the run log's event, with every name
};

// Loads `path` into `backbone` by name; throws hg::Error as described above.
PretrainedReport load_pretrained(Module& backbone, const std::string& path);

// The trainer's call: load_pretrained, then its report as the run log's "pretrained" event.
void load_pretrained(Module& backbone, const std::string& path, RunLog& log);

}  // namespace hg
