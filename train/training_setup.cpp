// Reading a TrainingSetup from a Config: one line per key, its default beside it, in one
// function per part of the setup.
#include "train/training_setup.h"

#include <cstdlib>
#include <sstream>

#include "core/error.h"
#include "train/input_pipelines.h"

namespace hg {

namespace {

// "0.5,0.5,0.5,0.25,0.25,0.25": the means, then the standard deviations.
data::Normalization parse_normalization_values(const std::string& text) {
  std::vector<float> values;
  std::stringstream fields(text);
  for (std::string field; std::getline(fields, field, ',');) {
    char* end = nullptr;
    const float value = std::strtof(field.c_str(), &end);
    while (end != nullptr && *end == ' ') ++end;
    HG_CHECK(!field.empty() && end != field.c_str() && *end == '\0',
             "config key 'normalization': '", text,
             "' is neither imagenet, dataset nor a list of numbers (means, then standard "
             "deviations: 0.5,0.5,0.5,0.25,0.25,0.25)");
    values.push_back(value);
  }
  HG_CHECK(!values.empty() && values.size() % 2 == 0, "config key 'normalization': ", values.size(),
           " numbers; give as many means as standard deviations (one of each per channel, or one "
           "of each for all)");
  const size_t half = values.size() / 2;
  data::Normalization normalization{{values.begin(), values.begin() + half},
                                    {values.begin() + half, values.end()}};
  for (float stddev : normalization.stddev)
    HG_CHECK(stddev > 0, "config key 'normalization': standard deviation ", stddev,
             " is not positive");
  return normalization;
}

// The data protocol (DESIGN §5), the image size and the augmentation.
void read_data(const Config& config, TrainingSetup& s) {
  s.protocol.protocol = data::parse_protocol(config.get_choice(
      "protocol", "fmnist", {"fmnist", "cifar10", "cifar10-1", "cifar10-2", "list"}));
  s.protocol.root = config.get_string("data_root", "");
  s.protocol.num_train = config.get_int("num_train", 0, 0);
  s.protocol.num_query = config.get_int("num_query", 0, 0);
  s.protocol.max_query = config.get_int("max_query", 0, 0);
  s.protocol.max_database = config.get_int("max_database", 0, 0);
  s.protocol.per_class.query_per_class = config.get_int("query_per_class", 100, 0);
  s.protocol.per_class.train_per_class = config.get_int("train_per_class", 500, 0);
  s.protocol.per_class.train_in_database = config.get_bool("train_in_database", false);
  s.protocol.list = config.get_string("list", "");
  s.protocol.query_list = config.get_string("query_list", "");
  s.protocol.database_list = config.get_string("database_list", "");
  s.protocol.train_list = config.get_string("train_list", "");
  s.image_size = config.get_int("image_size", 0, 0);
  s.protocol.images.height = s.protocol.images.width = static_cast<int>(s.image_size);
  s.protocol.images.channels = static_cast<int>(config.get_int("channels", 3, 1));
  s.protocol.images.skip_corrupt_images = config.get_bool("skip_corrupt_images", false);
  s.augment = config.get_choice("augment", s.augment, {"none", "crop_flip"});
  s.train_transforms = config.get_string("train_transforms", "");
  s.eval_transforms = config.get_string("eval_transforms", "");
  HG_CHECK(
      s.augment == "none" || s.train_transforms.empty(),
      "config keys 'augment' and 'train_transforms' both say how to augment; keep one of them");
}

void read_model(const Config& config, TrainingSetup& s) {
  s.backbone = config.get_string("backbone", s.backbone);
  s.backbone_options.attention = parse_attention_kind(config.get_string("attention", "none"));
  s.backbone_options.feature_dim = config.get_int("feature_dim", s.backbone_options.feature_dim, 1);
  s.backbone_options.width = config.get_int("width", s.backbone_options.width, 1);
  s.bits = config.get_int("bits", s.bits, 8);
  HG_CHECK(s.bits <= 1024, "config key 'bits': at most 1024, got ", s.bits);
  s.activation = config.get_choice("hash_activation", "tanh", {"tanh", "sigmoid"}) == "tanh"
                     ? hashing::HashActivation::tanh
                     : hashing::HashActivation::sigmoid;
  s.pretrained = config.get_string("pretrained", "");
  // The statistics the weights were trained with; without weights, the data's own.
  s.normalization =
      config.get_string("normalization", s.pretrained.empty() ? "dataset" : "imagenet");
  if (s.normalization != "imagenet" && s.normalization != "dataset")
    s.normalization_values = parse_normalization_values(s.normalization);
}

// The loss composition: each term's weight (0: off) and the term's own settings.
void read_objective(const Config& config, hashing::ObjectiveConfig& o) {
  o.asymmetric_weight = config.get_double("asymmetric_weight", 0);
  o.pairwise_weight = config.get_double("pairwise_weight", 0);
  o.classification_weight = config.get_double("classification_weight", 0);
  o.cosine_margin_weight = config.get_double("cosine_margin_weight", 0);
  o.polarization_weight = config.get_double("polarization_weight", 0);
  o.central_weight = config.get_double("central_weight", 0);
  o.proxy_anchor_weight = config.get_double("proxy_anchor_weight", 0);
  o.quantization_weight = config.get_double("quantization_weight", 0);
  o.balance_weight = config.get_double("balance_weight", 0);
  o.quantization_kind =
      config.get_choice("quantization", o.quantization_kind, {"sign", "cubic", "logcosh"});
  o.straight_through = config.get_bool("straight_through", false);
  // Renamed keys (every loss weight ends in _weight): the old names are read with a notice.
  o.asymmetric_quantization_weight = config.get_double(
      config.renamed("asymmetric_quantization_weight", "gamma"), o.asymmetric_quantization_weight);
  o.cosine_scale = config.get_double("cosine_scale", o.cosine_scale);
  o.cosine_margin = config.get_double("cosine_margin", o.cosine_margin);
  o.polarization_margin = config.get_double("polarization_margin", o.polarization_margin);
  o.central_quantization_weight =
      config.get_double(config.renamed("central_quantization_weight", "central_lambda"),
                        o.central_quantization_weight);
  o.proxy_alpha = config.get_double("proxy_alpha", o.proxy_alpha);
  o.proxy_delta = config.get_double("proxy_delta", o.proxy_delta);
}

// The strategy follows from the loss composition; a round's shape defaults to the strategy's.
void read_rounds(const Config& config, TrainingSetup& s) {
  s.strategy = strategy_kind(s.objective);
  const RoundDefaults defaults = round_defaults(s.strategy);
  s.rounds = config.get_int("rounds", s.rounds, 0);  // 0: evaluate the initial (pretrained) model
  s.epochs_per_round = config.get_int("epochs_per_round", defaults.epochs_per_round, 1);
  s.sample_size = config.get_int("sample_size", defaults.sample_size, 0);
  s.batch_size = config.get_int("batch_size", s.batch_size, 1);
}

void read_optimisation(const Config& config, TrainingSetup& s) {
  s.optimizer =
      config.get_choice("optimizer", s.optimizer, {"sgd", "nesterov", "adam", "adamw", "rmsprop"});
  s.learning_rate = config.get_double("learning_rate", s.learning_rate);
  s.weight_decay = config.get_double("weight_decay", s.weight_decay);
  s.momentum = config.get_double("momentum", s.momentum);
  s.schedule.kind =
      config.get_choice("schedule", "constant", {"constant", "step", "multistep", "cosine"});
  s.schedule.base_learning_rate = s.learning_rate;
  s.schedule.step_size = config.get_int("schedule_step", std::max<int64_t>(s.rounds / 3, 1), 1);
  s.schedule.gamma = config.get_double("schedule_gamma", 0.1);
  s.schedule.total_steps = s.rounds;
  s.schedule.warmup_steps = config.get_int("warmup_rounds", 0, 0);
  s.clip_grad_norm = config.get_double("clip_grad_norm", 0);
}

void read_runtime(const Config& config, TrainingSetup& s) {
  s.seed = static_cast<uint64_t>(config.get_int("seed", 0, 0));
  s.protocol.seed = s.seed;
  s.objective.seed = s.seed;
  s.device = config.get_choice("device", s.device, {"auto", "cpu", "cuda"});
  s.deterministic = config.get_bool("deterministic", false);
  s.sync_batch_norm = config.get_bool("sync_batch_norm", false);
  s.precision = parse_precision(config.get_choice("precision", "f32", {"f32", "bf16"}));
  s.cuda_graph =
      parse_cuda_graph_setting(config.get_choice("cuda_graph", "off", {"auto", "on", "off"}));
  s.workers = static_cast<int>(config.get_int("workers", s.workers, 1));
  s.image_pipeline = config.get_choice("image_pipeline", s.image_pipeline, {"auto", "cpu", "gpu"});
  s.eval_every = config.get_int("eval_every", 0, 0);
  s.eval_queries = config.get_int("eval_queries", s.eval_queries, 1);
  s.checkpoint_every = config.get_int("checkpoint_every", s.checkpoint_every, 1);
  s.top_k = config.get_int("top_k", s.top_k, 1);
  s.gallery_queries = config.get_int("gallery_queries", s.gallery_queries, 0);
}

}  // namespace

TrainingSetup read_training_setup(const Config& config) {
  TrainingSetup s;
  s.method = config.get_string("method", s.method);
  read_data(config, s);
  read_model(config, s);
  read_objective(config, s.objective);
  read_rounds(config, s);
  read_optimisation(config, s);
  read_runtime(config, s);
  // Checks the transform keys before any data is read, and says how far JPEGs may shrink.
  s.protocol.images.reducible_to = run_reducible_to(s);
  return s;
}

}  // namespace hg
