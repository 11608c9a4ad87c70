// Data specs: parsing and loading (see data_spec.h).
#include "train/data_spec.h"

#include <filesystem>

#include "core/path_status.h"
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
  HG_CHECK(path_exists(config_path), "'", run_directory,
           "' is not a run directory: it holds no config.txt");
  return read_training_setup(Config::load(config_path)).protocol;
}

data::ImageListOptions list_options(const ModelDescription& description) {
  const data::ImageSize input = model_input_size(description);
  data::ImageListOptions options;
  options.channels = input.channels;
  if (description.eval_transforms.empty()) {
    options.height = input.height;
    options.width = input.width;
  } else {
    options.reducible_to =
        evaluation_pipeline(description, {0, 0, input.channels}, "list").reducible_to();
  }
  return options;
}

std::shared_ptr<const data::Dataset> load_data_spec(const DataSpec& spec,
                                                    const data::ImageListOptions& list) {
  if (spec.source == "list") {
    HG_CHECK(list.channels > 0, "list:", spec.path,
             ": an image list is read the way a model reads images; give the model");
    return data::ImageListDataset::from_list(spec.path, list);
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
