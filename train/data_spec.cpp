// Data specs: parsing and loading (see data_spec.h).
#include "train/data_spec.h"

#include <filesystem>

#include "train/config.h"
#include "train/training_setup.h"

namespace hg {

namespace {

constexpr char kSpecForms[] =
    "expected fmnist:PART, fmnist:PART@DIR, cifar10:PART@DIR (also cifar10-1, cifar10-2), "
    "run:PART@RUN_DIR or list:FILE, PART one of query, database, train";

bool one_of(const std::string& value, std::initializer_list<const char*> choices) {
  for (const char* choice : choices)
    if (value == choice) return true;
  return false;
}

}  // namespace

DataSpec parse_data_spec(const std::string& text, const std::string& flag) {
  size_t colon = text.find(':');
  HG_CHECK(colon != std::string::npos, flag, " '", text, "': ", kSpecForms);
  DataSpec spec{text.substr(0, colon), "", ""};
  std::string rest = text.substr(colon + 1);
  if (spec.source == "list") {
    HG_CHECK(!rest.empty(), flag, " '", text, "': give the list file, list:FILE");
    spec.path = rest;
    return spec;
  }
  HG_CHECK(one_of(spec.source, {"fmnist", "cifar10", "cifar10-1", "cifar10-2", "run"}), flag, " '",
           text, "': unknown data source '", spec.source, "'; ", kSpecForms);
  size_t at = rest.find('@');
  spec.part = rest.substr(0, at);
  HG_CHECK(one_of(spec.part, {"query", "database", "train"}), flag, " '", text, "': unknown part '",
           spec.part, "'; ", kSpecForms);
  if (at != std::string::npos) {
    spec.path = rest.substr(at + 1);
    HG_CHECK(!spec.path.empty(), flag, " '", text, "': the folder after '@' is empty");
  }
  HG_CHECK(spec.source == "fmnist" || !spec.path.empty(), flag, " '", text, "': ", spec.source,
           " needs ",
           spec.source == "run" ? "the run directory: run:" + spec.part + "@RUN_DIR"
                                : "the folder of the CIFAR-10 binary batches: " + spec.source +
                                      ":" + spec.part + "@DIR");
  return spec;
}

data::ProtocolConfig run_protocol(const std::string& run_directory) {
  std::string config_path = (std::filesystem::path(run_directory) / "config.txt").string();
  HG_CHECK(std::filesystem::exists(config_path), "'", run_directory,
           "' is not a run directory: it holds no config.txt");
  return read_training_setup(Config::load(config_path)).protocol;
}

data::ImageSize model_input_size(const ModelDescription& description) {
  int side = static_cast<int>(description.backbone_options.image_size);
  return {side, side, static_cast<int>(description.backbone_options.in_channels)};
}

std::shared_ptr<const data::Dataset> load_data_spec(const DataSpec& spec,
                                                    const data::ImageSize& list_size) {
  if (spec.source == "list") {
    HG_CHECK(list_size.height > 0 && list_size.width > 0, "list:", spec.path,
             ": an image list is read at the model's input size; give the model");
    data::ImageListOptions options;
    options.height = list_size.height;
    options.width = list_size.width;
    options.channels = list_size.channels;
    return data::ImageListDataset::from_list(spec.path, options);
  }
  data::ProtocolConfig protocol;
  if (spec.source == "run") {
    protocol = run_protocol(spec.path);
  } else {
    protocol.protocol = data::parse_protocol(spec.source);
    protocol.root = spec.path;
  }
  data::RetrievalData data = data::load_protocol(protocol);
  if (spec.part == "query") return data.query;
  return spec.part == "database" ? data.database : data.train;
}

}  // namespace hg
