// Checkpoint files (see checkpoint.h).
#include "train/checkpoint.h"

#include <array>

#include "tensor/safetensors.h"

namespace hg {

namespace {
// The four tensor maps of a checkpoint with the prefix each has in the file.
template <typename CheckpointType>
auto parts_of(CheckpointType& checkpoint) {
  return std::array{
      std::pair{"model", &checkpoint.model}, std::pair{"optimizer", &checkpoint.optimizer},
      std::pair{"strategy", &checkpoint.strategy}, std::pair{"objective", &checkpoint.objective}};
}
}  // namespace

void save_checkpoint(const std::string& path, const Checkpoint& checkpoint) {
  std::map<std::string, Tensor> tensors;
  for (auto [prefix, part] : parts_of(checkpoint))
    for (const auto& [key, tensor] : *part) tensors[std::string(prefix) + "." + key] = tensor;
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
    std::map<std::string, Tensor>* destination = nullptr;
    for (auto [prefix, part] : parts_of(checkpoint))
      if (dot != std::string::npos && name.compare(0, dot, prefix) == 0) destination = part;
    HG_CHECK(destination != nullptr, "checkpoint '", path, "': unexpected tensor '", name, "'");
    (*destination)[name.substr(dot + 1)] = tensor;
  }
  return checkpoint;
}

}  // namespace hg
