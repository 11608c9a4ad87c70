// Checkpoints: everything a run needs to continue as if it had never stopped, in one
// safetensors file (so PyTorch users can open it): the model's parameters and buffers, the
// optimizer's state, the strategy's state (ADSH's database codes V, DPSH's code bank), the
// objective's learnable tensors, the random generator's position and the rounds done.
// Tensor names carry a prefix per part ("model.backbone.conv1.weight", "optimizer.0.first",
// "strategy.codes", "objective.proxies"); counters go in the metadata. Written to a temporary
// file and renamed, so a checkpoint on disk is always whole.
#pragma once

#include <map>
#include <string>

#include "tensor/random.h"
#include "tensor/tensor.h"

namespace hg {

struct Checkpoint {
  int64_t rounds_done = 0;
  RandomState random;
  std::map<std::string, Tensor> model, optimizer, strategy, objective;
  std::string config_text;  // the resolved config of the run that wrote it
};

void save_checkpoint(const std::string& path, const Checkpoint& checkpoint);
// Throws naming the file when it is missing, corrupt, or not a hashgrad checkpoint.
Checkpoint load_checkpoint(const std::string& path);

}  // namespace hg
