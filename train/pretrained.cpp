// Loading pretrained weights with a report (see pretrained.h).
#include "train/pretrained.h"

#include <algorithm>
#include <map>

#include "core/error.h"
#include "tensor/safetensors.h"

namespace hg {

namespace {

const char* const kWrapperPrefixes[] = {"module.", "model.", "backbone."};

// "a, b, c and 9 more": long lists (an attention block's 20 tensors) stay one readable line; the
// run log's JSON event keeps every name.
std::string name_list(const std::vector<std::string>& names, size_t shown = 6) {
  std::string text;
  for (size_t i = 0; i < std::min(names.size(), shown); ++i) text += (i ? ", " : "") + names[i];
  if (names.size() > shown) text += detail::concat(" and ", names.size() - shown, " more");
  return text;
}

std::vector<std::string> first_names(const std::vector<std::string>& names, size_t count = 3) {
  return {names.begin(),
          names.begin() + static_cast<std::ptrdiff_t>(std::min(count, names.size()))};
}

// `name` without the wrapper prefixes it starts with, the prefixes removed going to `stripped`.
std::string strip_wrapper_prefixes(std::string name, std::vector<std::string>& stripped) {
  for (bool again = true; again;) {
    again = false;
    for (const char* prefix : kWrapperPrefixes)
      if (name.rfind(prefix, 0) == 0) {
        if (std::find(stripped.begin(), stripped.end(), prefix) == stripped.end())
          stripped.push_back(prefix);
        name = name.substr(std::string(prefix).size());
        again = true;
      }
  }
  return name;
}

}  // namespace

PretrainedReport load_pretrained(Module& backbone, const std::string& path) {
  std::map<std::string, Tensor> file = load_safetensors(path);
  std::vector<std::string> model_names, file_names;
  std::map<std::string, Tensor> model;
  for (const auto& named : {backbone.named_parameters(), backbone.named_buffers()})
    for (const auto& [name, tensor] : named) {
      model_names.push_back(name);
      model[name] = tensor;
    }
  PretrainedReport report;
  report.path = path;
  report.backbone_tensors = static_cast<int64_t>(model_names.size());

  // The file's tensors by the model's names: as written, or with wrapper prefixes stripped.
  std::map<std::string, Tensor> matched;
  std::vector<std::string> shape_mismatches;
  for (const auto& [written, tensor] : file) {
    file_names.push_back(written);
    std::string name =
        model.count(written) ? written : strip_wrapper_prefixes(written, report.stripped_prefixes);
    auto own = model.find(name);
    if (own == model.end() || matched.count(name)) {
      report.not_in_model.push_back(name);
      continue;
    }
    if (tensor.shape() != own->second.shape())
      shape_mismatches.push_back(
          detail::concat(name, " is ", shape_string(tensor.shape()), " in the file but ",
                         shape_string(own->second.shape()), " in the model"));
    matched[name] = tensor;
  }
  auto both_sides = [&] {
    return detail::concat("the file's first names: ", name_list(first_names(file_names)),
                          "; the model's: ", name_list(first_names(model_names)));
  };
  HG_CHECK(shape_mismatches.empty(), "pretrained: '", path,
           "' does not fit the backbone: ", name_list(shape_mismatches, 3), " (", both_sides(),
           "). Convert the weights of the same model and input size");
  HG_CHECK(!matched.empty(), "pretrained: '", path, "' has none of the backbone's ",
           model_names.size(), " tensors (", both_sides(),
           "). Convert torchvision or timm weights with scripts/convert_weights.py");

  backbone.load_state_dict(matched, /*strict=*/false);
  for (const std::string& name : model_names)
    (matched.count(name) ? report.loaded : report.not_in_file).push_back(name);
  return report;
}

void load_pretrained(Module& backbone, const std::string& path, RunLog& log) {
  PretrainedReport report = load_pretrained(backbone, path);
  log.write("pretrained", report.json(), report.summary());
}

std::string PretrainedReport::summary() const {
  std::string line = detail::concat("pretrained: loaded ", loaded.size(), " of ", backbone_tensors,
                                    " backbone tensors from '", path, "'");
  if (!stripped_prefixes.empty())
    line += detail::concat(" (names without ", name_list(stripped_prefixes), ")");
  if (!not_in_file.empty())
    line += "; not in the file (kept as initialised): " + name_list(not_in_file);
  if (!not_in_model.empty())
    line += "; in the file but not in the model: " + name_list(not_in_model) + " (skipped)";
  return line;
}

nlohmann::json PretrainedReport::json() const {
  return {{"path", path},
          {"backbone_tensors", backbone_tensors},
          {"loaded", loaded.size()},
          {"not_in_file", not_in_file},
          {"not_in_model", not_in_model},
          {"stripped_prefixes", stripped_prefixes}};
}

}  // namespace hg
