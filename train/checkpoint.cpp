// Checkpoint files (see checkpoint.h).
#include "train/checkpoint.h"

#include "tensor/safetensors.h"

namespace hg {

namespace {
const char* const kParts[] = {"model", "optimizer", "strategy", "objective"};

std::map<std::string, Tensor>& part(Checkpoint& checkpoint, const std::string& name) {
  if (name == "model") return checkpoint.model;
  if (name == "optimizer") return checkpoint.optimizer;
  if (name == "strategy") return checkpoint.strategy;
  return checkpoint.objective;
}
}  // namespace

void save_checkpoint(const std::string& path, const Checkpoint& checkpoint) {
  std::map<std::string, Tensor> tensors;
  Checkpoint& source = const_cast<Checkpoint&>(checkpoint);
  for (const char* name : kParts)
    for (const auto& [key, tensor] : part(source, name))
      tensors[std::string(name) + "." + key] = tensor;
  std::map<std::string, std::string> metadata = {
      {"format", "hashgrad-checkpoint-1"},
      {"rounds_done", std::to_string(checkpoint.rounds_done)},
      {"random_seed", std::to_string(checkpoint.random.seed)},
      {"random_offset", std::to_string(checkpoint.random.offset)},
      {"config", checkpoint.config_text}};
  save_safetensors(path, tensors, metadata);
}

Checkpoint load_checkpoint(const std::string& path) {
  SafetensorsContents contents = read_safetensors(path);
  auto field = [&](const char* key) -> const std::string& {
    auto found = contents.metadata.find(key);
    HG_CHECK(found != contents.metadata.end(), "checkpoint '", path, "' has no '", key,
             "' in its metadata: not a hashgrad checkpoint");
    return found->second;
  };
  HG_CHECK(field("format") == "hashgrad-checkpoint-1", "checkpoint '", path, "' has format '",
           field("format"), "', expected hashgrad-checkpoint-1");
  Checkpoint checkpoint;
  try {
    checkpoint.rounds_done = std::stoll(field("rounds_done"));
    checkpoint.random.seed = std::stoull(field("random_seed"));
    checkpoint.random.offset = std::stoull(field("random_offset"));
  } catch (const std::logic_error&) {
    throw Error("checkpoint '" + path + "': a counter in its metadata is not a number");
  }
  checkpoint.config_text = field("config");
  for (auto& [name, tensor] : contents.tensors) {
    size_t dot = name.find('.');
    std::string prefix = name.substr(0, dot);
    bool known = false;
    for (const char* part_name : kParts) known = known || prefix == part_name;
    HG_CHECK(dot != std::string::npos && known, "checkpoint '", path, "': unexpected tensor '",
             name, "'");
    part(checkpoint, prefix)[name.substr(dot + 1)] = tensor;
  }
  return checkpoint;
}

}  // namespace hg
