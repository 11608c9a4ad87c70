// The training loop and the run directory (see trainer.h).
#include "train/trainer.h"

#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>

#include "autograd/elementwise.h"
#include "autograd/gradient_ready.h"
#include "autograd/mixed_precision.h"
#include "autograd/node.h"
#include "core/atomic_write.h"
#include "core/caching_allocator.h"
#include "core/path_status.h"
#include "core/profiler.h"
#include "cuda/runtime.h"
#include "data/loader.h"
#include "data/progress.h"
#include "hashing/code_file.h"
#include "hashing/hamming_search.h"
#include "hashing/pr_curve_svg.h"
#include "layers/batch_norm.h"
#include "tensor/ops.h"
#include "tensor/random.h"
#include "tensor/safetensors.h"
#include "train/checkpoint.h"
#include "train/encode.h"
#include "train/gallery.h"
#include "train/gradient_buckets.h"
#include "train/input_pipelines.h"
#include "train/pretrained.h"
#include "train/trained_model.h"

namespace hg {

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

nlohmann::json metrics_json(const hashing::RetrievalMetrics& m) {
  nlohmann::json json = {{"bits", m.bits},
                         {"n_query", m.n_query},
                         {"n_database", m.n_database},
                         {"k", m.k},
                         {"map_at_k", m.map_at_k},
                         {"precision_at_k", m.precision_at_k},
                         {"recall_at_k", m.recall_at_k}};
  if (m.full_ranking) {
    json["map_all"] = m.map_all;
    json["precision_radius2"] = m.precision_radius2;
    nlohmann::json curve = nlohmann::json::array();
    for (const hashing::PrPoint& point : m.pr_curve)
      curve.push_back(
          {{"radius", point.radius}, {"precision", point.precision}, {"recall", point.recall}});
    json["pr_curve"] = curve;
  }
  return json;
}

}  // namespace

Trainer::~Trainer() = default;

Trainer::Trainer(const Config& given_config, const std::string& run_directory, bool resume)
    : run_directory_(run_directory) {
  Config config = run_config(given_config, resume);
  setup_ = read_training_setup(config);
  config.check_all_read();
  device_ = parse_device(setup_.device);
  communicator_ = &distributed::world_for(device_);
  open_run_directory(config);
  cuda::set_deterministic(setup_.deterministic);
  manual_seed(setup_.seed);
  data_ = data::load_protocol(setup_.protocol);
  make_model();
  build_training();
  if (resume) restore();
  log_setup(resume);
}

Config Trainer::run_config(const Config& given_config, bool resume) {
  if (resume) {
    HG_CHECK(path_exists(path("checkpoint.safetensors")), "--resume: '", run_directory_,
             "' holds no checkpoint.safetensors to continue from");
    return Config::load(path("config.txt"));
  }
  HG_CHECK(!path_exists(path("checkpoint.safetensors")), "the run directory '", run_directory_,
           "' already holds a checkpoint: pass --resume to continue that run, or choose "
           "another --out");
  return given_config;
}

void Trainer::open_run_directory(const Config& config) {
  config_text_ = config.to_text();
  if (!reporting()) {
    log_ = std::make_unique<RunLog>("/dev/null", false);  // rank 0 reports for every rank
    return;
  }
  std::error_code error;
  std::filesystem::create_directories(run_directory_, error);
  HG_CHECK(!error, "cannot create the run directory '", run_directory_, "': ", error.message());
  remove_abandoned_temporaries(run_directory_);  // a killed run's half-written checkpoint
  write_atomically(path("config.txt"), [&](std::ostream& out) { out << config_text_; });
  log_ = std::make_unique<RunLog>(path("log.jsonl"));
  for (const std::string& notice : config.deprecations())
    log_->write("deprecated", {{"notice", notice}}, notice);
}

void Trainer::make_model() {
  input_size_ = run_input_size(setup_, data_.train->image_size());
  BackboneOptions backbone_options = setup_.backbone_options;
  backbone_options.in_channels = input_size_.channels;
  backbone_options.image_size = input_size_.height;
  description_ = {setup_.backbone,
                  backbone_options,
                  setup_.bits,
                  setup_.activation,
                  setup_.objective.classification_weight > 0 ? data_.train->num_classes() : 0,
                  run_normalization(setup_, *data_.train),
                  evaluation_transforms(setup_)};
  model_ = build_model(description_);
  if (!setup_.pretrained.empty()) load_pretrained(model_->backbone(), setup_.pretrained, *log_);
  if (reporting()) save_model_description(path("model.json"), description_);
  model_->to(device_);
}

void Trainer::build_training() {
  objective_ = std::make_unique<hashing::HashObjective>(setup_.objective, setup_.bits,
                                                        data_.train->num_classes(),
                                                        data_.train->multi_label(), device_);
  std::vector<Tensor> parameters = model_->parameters();
  for (const Tensor& extra : objective_->parameters()) parameters.push_back(extra);
  optimizer_ = std::make_unique<Optimizer>(make_optimizer(
      setup_.optimizer, parameters, setup_.learning_rate, setup_.weight_decay, setup_.momentum));
  if (communicator_->size() > 1)
    buckets_ = std::make_unique<GradientBuckets>(parameters, *communicator_);
  StrategyContext context{*objective_, data_.train->labels(), setup_.bits, device_, communicator_};
  strategy_ = make_training_strategy(setup_.strategy, context);
  image_pipeline_ =
      data::choose_image_pipeline("image_pipeline", setup_.image_pipeline, device_,
                                  training_pipeline(setup_, data_.train->image_size(), input_size_,
                                                    description_.normalization));
  make_step_runner();
}

void Trainer::make_step_runner() {
  StepCaptureConditions conditions;
  conditions.device = device_;
  conditions.processes = communicator_->size();
  conditions.clip_grad_norm = setup_.clip_grad_norm;
  conditions.memory_caching = memory::caching_enabled();
  conditions.profiling = profiler::enabled();
  conditions.objective = setup_.objective;
  capture_decision_ = decide_run_capture(setup_.cuda_graph, conditions);
  TrainingStep step{[this] { optimizer_->prepare_step(); },
                    [this](const std::vector<Tensor>& inputs) { return compute_step(inputs); }};
  if (!capture_decision_.capture) {
    step_runner_ = make_eager_step_runner(std::move(step));
    return;
  }
  step_runner_ = make_graph_step_runner(std::move(step), [this](const std::string& notice) {
    log_->write("notice", {{"notice", notice}}, notice);
  });
}

void Trainer::log_setup(bool resume) {
  const std::string device =
      device_ == Device::cuda ? cuda::device_description() : std::string("cpu");
  log_->write(
      "setup",
      {{"method", setup_.method},
       {"backbone", setup_.backbone},
       {"bits", setup_.bits},
       {"parameters", model_->parameter_count()},
       {"device", device},
       {"processes", communicator_->description()},
       {"cuda_graph", capture_decision_.capture ? "on" : capture_decision_.reason},
       {"image_pipeline", data::image_pipeline_name(image_pipeline_.pipeline)},
       {"image_pipeline_reason", image_pipeline_.reason},
       {"train", data_.train->size()},
       {"query", data_.query->size()},
       {"database", data_.database->size()},
       {"rounds_done", rounds_done_}},
      detail::concat("hashgrad: ", setup_.method, ", ", setup_.backbone, " (",
                     model_->parameter_count(), " parameters), ", setup_.bits, " bits on ",
                     device_ == Device::cuda ? device : "the CPU",
                     communicator_->size() > 1 ? " x " + communicator_->description() : "",
                     image_pipeline_.pipeline == data::ImagePipeline::gpu
                         ? "; images decoded and augmented on the GPU"
                         : "",
                     "; train ", data_.train->size(), ", query ", data_.query->size(),
                     ", database ", data_.database->size(),
                     resume ? detail::concat("; resuming after round ", rounds_done_) : ""));
}

hashing::RetrievalMetrics Trainer::run() {
  train_until(setup_.rounds);
  if (rounds_done_ == 0) save(0);  // rounds = 0: the loaded weights are the run's model
  return finish();
}

void Trainer::train_until(int64_t last_round) {
  for (int64_t round = rounds_done_; round < std::min(last_round, setup_.rounds); ++round) {
    train_round(round);
    rounds_done_ = round + 1;
    if (rounds_done_ % setup_.checkpoint_every == 0 || rounds_done_ == setup_.rounds)
      save(rounds_done_);
    if (setup_.eval_every > 0 && rounds_done_ % setup_.eval_every == 0 &&
        rounds_done_ < setup_.rounds)
      evaluate(setup_.eval_queries, false);
  }
}

hashing::RetrievalMetrics Trainer::finish() {
  hashing::RetrievalMetrics metrics = evaluate(data_.query->size(), true);
  log_->write("done", {{"rounds", rounds_done_}, {"steps", steps_done_}});
  return metrics;
}

void Trainer::train_round(int64_t round) {
  auto start = std::chrono::steady_clock::now();
  PrecisionScope precision(setup_.precision);  // training steps only: evaluation stays f32
  BatchNormSyncScope batch_norm_sync(setup_.sync_batch_norm ? communicator_ : nullptr);
  model_->train();
  std::vector<int64_t> items = round_items();
  std::unique_ptr<data::Loader> loader = make_loader(items, round);
  optimizer_->set_learning_rate(setup_.schedule.at(round));
  strategy_->begin_round(items);
  step_runner_->begin_round();
  RoundTotals totals;
  data::ProgressBar progress(detail::concat("round ", round + 1, "/", setup_.rounds),
                             static_cast<int64_t>(items.size()) * setup_.epochs_per_round);
  for (int64_t epoch = 0; epoch < setup_.epochs_per_round; ++epoch) {
    loader->start_epoch(epoch);
    data::Batch batch;
    while (loader->next(batch)) {
      train_step(batch, items, round, epoch, totals);
      progress.advance(batch.batch_items);
    }
  }
  progress.finish();
  strategy_->end_round();
  log_round(round, totals, seconds_since(start));
}

std::vector<int64_t> Trainer::round_items() {
  int64_t n_train = data_.train->size();
  std::vector<int64_t> items(n_train);
  if (setup_.sample_size > 0 && setup_.sample_size < n_train) {
    std::vector<int64_t> permutation = ops::randperm(n_train).to_vector<int64_t>();
    items.assign(permutation.begin(), permutation.begin() + setup_.sample_size);
  } else {
    for (int64_t i = 0; i < n_train; ++i) items[i] = i;
  }
  // Every rank trains on rank 0's sample: a rank whose generator drew differently (dropout draws
  // per item of its own share) would otherwise sample another Ω.
  Tensor shared = Tensor::from_vector(items, {static_cast<int64_t>(items.size())});
  communicator_->broadcast(shared, 0);
  const int ranks = communicator_->size();
  const int64_t last_batch = static_cast<int64_t>(items.size()) % setup_.batch_size;
  HG_CHECK(setup_.batch_size >= ranks && (last_batch == 0 || last_batch >= ranks), "batch_size ",
           setup_.batch_size, ": each of the ", ranks, " processes needs an item of every batch,",
           " but a round of ", items.size(), " items ends with a batch of ", last_batch,
           "; change batch_size or sample_size");
  return shared.to_vector<int64_t>();
}

std::unique_ptr<data::Loader> Trainer::make_loader(const std::vector<int64_t>& items,
                                                   int64_t round) {
  auto subset = std::make_shared<data::SubsetDataset>(data_.train, items, data_.train->name());
  data::Pipeline pipeline =
      training_pipeline(setup_, data_.train->image_size(), input_size_, description_.normalization);
  data::LoaderOptions options;
  options.batch_size = setup_.batch_size;
  options.workers = setup_.workers;
  options.seed = setup_.seed * 1000003 + static_cast<uint64_t>(round);
  options.device = device_;
  options.image_pipeline = image_pipeline_.pipeline;
  options.share = communicator_->rank();
  options.shares = communicator_->size();
  return std::make_unique<data::Loader>(subset, pipeline, options);
}

void Trainer::train_step(const data::Batch& batch, const std::vector<int64_t>& items, int64_t round,
                         int64_t epoch, RoundTotals& totals) {
  const int64_t b = static_cast<int64_t>(batch.indices.size());  // this rank's share
  const int64_t whole = batch.batch_items;                       // every rank's together
  // Each rank's loss is a mean over its share: weighted by the share's size, the ranks'
  // gradients and losses sum to the whole batch's.
  step_weight_ = static_cast<double>(b) / static_cast<double>(whole);
  step_batch_items_ = whole;
  std::vector<int64_t> train_rows(b);
  for (int64_t i = 0; i < b; ++i) train_rows[i] = items[batch.indices[i]];
  const Tensor rows = Tensor::from_vector(train_rows, {b}).to(device_);
  const Tensor positions = Tensor::from_vector(batch.indices, {b}).to(device_);
  // The loss and its terms come to the host in one copy, after the whole step is queued: on
  // the GPU that is one wait per step instead of one per term.
  Tensor summed = step_runner_->run({batch.images, batch.labels, rows, positions}).contiguous();
  communicator_->all_reduce_sum(summed);
  std::vector<double> values = summed.to(DType::f64).to_vector<double>();
  if (!std::isfinite(values[0])) {
    std::string last = rounds_done_ > 0 ? detail::concat(path("checkpoint.safetensors"),
                                                         " (after round ", rounds_done_, ")")
                                        : std::string("none yet");
    throw Error(detail::concat("the loss became ", values[0], " at round ", round + 1, ", epoch ",
                               epoch + 1, ", step ", steps_done_ + 1, "; last good checkpoint: ",
                               last, ". Lower learning_rate or set clip_grad_norm"));
  }
  totals.loss_sum += values[0] * static_cast<double>(whole);
  for (size_t part = 0; part < step_part_names_.size(); ++part)
    totals.part_sums[step_part_names_[part]] += values[part + 1] * static_cast<double>(whole);
  totals.images += whole;
  ++steps_done_;
}

Tensor Trainer::compute_step(const std::vector<Tensor>& inputs) {
  hashing::HashOutput output = model_->run(inputs[0]);
  std::map<std::string, Tensor> parts;
  Tensor loss =
      strategy_->step_loss({output, inputs[1], inputs[2], inputs[3], step_batch_items_}, &parts);
  optimizer_->zero_grad();
  if (buckets_) {
    buckets_->begin();
    backward_with_leaf_hook(mul_scalar(loss, step_weight_), Tensor(), buckets_->hook());
    buckets_->finish();
  } else {
    backward(loss);
  }
  if (setup_.clip_grad_norm > 0) clip_grad_norm(model_->parameters(), setup_.clip_grad_norm);
  optimizer_->apply_step();
  std::vector<Tensor> scalars{loss.detach()};
  step_part_names_.clear();
  for (auto& [name, part] : parts) {
    scalars.push_back(part);
    step_part_names_.push_back(name);
  }
  return ops::mul_scalar(ops::stack(scalars, 0), step_weight_);
}

void Trainer::log_round(int64_t round, const RoundTotals& totals, double seconds) {
  const double images = static_cast<double>(std::max<int64_t>(totals.images, 1));
  nlohmann::json parts_json;
  std::string parts_text;
  for (auto& [name, sum] : totals.part_sums) {
    parts_json[name] = sum / images;
    parts_text += detail::concat("  ", name, " ", parts_json[name].get<double>());
  }
  double mean_loss = totals.loss_sum / images;
  char line[160];
  std::snprintf(line, sizeof line, "round %lld/%lld  loss %.4f  lr %.3g  %.0f img/s  %.1f s",
                static_cast<long long>(round + 1), static_cast<long long>(setup_.rounds), mean_loss,
                optimizer_->learning_rate(), static_cast<double>(totals.images) / seconds, seconds);
  log_->write("round",
              {{"round", round + 1},
               {"loss", mean_loss},
               {"parts", parts_json},
               {"learning_rate", optimizer_->learning_rate()},
               {"images", totals.images},
               {"seconds", seconds},
               {"steps", steps_done_}},
              std::string(line) + parts_text);
}

Tensor Trainer::database_codes() {
  int64_t n_database = data_.database->size();
  const Tensor trained = strategy_->database_codes(rounds_done_);
  std::vector<bool> covered(n_database, false);
  int64_t covered_count = 0;
  if (trained.defined())
    for (int64_t position : data_.train_in_database)
      if (position >= 0 && !covered[position]) covered[position] = true, ++covered_count;
  Tensor codes;
  if (covered_count == n_database) {
    codes = Tensor::zeros({n_database, setup_.bits}, DType::f32);
  } else {
    codes = encode_in_shares(data_.database, "encode database");
  }
  if (trained.defined()) {
    Tensor rows = trained.to(Device::cpu).contiguous();
    for (size_t i = 0; i < data_.train_in_database.size(); ++i) {
      int64_t position = data_.train_in_database[i];
      if (position < 0) continue;
      std::memcpy(codes.data<float>() + position * setup_.bits,
                  rows.data<float>() + i * setup_.bits, sizeof(float) * setup_.bits);
    }
  }
  return codes;
}

Tensor Trainer::encode_in_shares(std::shared_ptr<const data::Dataset> dataset,
                                 const std::string& label) {
  const int64_t n = dataset->size();
  const int ranks = communicator_->size(), rank = communicator_->rank();
  const int64_t begin = distributed::share_begin(n, ranks, rank);
  const int64_t end = distributed::share_begin(n, ranks, rank + 1);
  std::vector<int64_t> rows(static_cast<size_t>(end - begin));
  for (int64_t i = begin; i < end; ++i) rows[static_cast<size_t>(i - begin)] = i;
  auto share = std::make_shared<data::SubsetDataset>(dataset, rows, dataset->name());
  EncodeOptions options;
  options.workers = setup_.workers;
  options.progress_label = label;
  // A share can be empty (fewer items than ranks); the loader wants at least one item.
  const Tensor codes =
      rows.empty()
          ? Tensor::empty({0, setup_.bits}, DType::f32)
          : encode_dataset(
                *model_, share,
                evaluation_pipeline(description_, dataset->image_size(), dataset->name()), options)
                .codes;
  return distributed::gather_shares(codes, n, *communicator_).contiguous();
}

hashing::RetrievalMetrics Trainer::evaluate(int64_t query_limit, bool final) {
  // Every rank encodes its share with rank 0's model. The parameters are the same on every
  // rank (each applies the same summed gradients), the BatchNorm running statistics not unless
  // sync_batch_norm pooled them: without it each rank's follow its own shares, and rank 0's
  // are the ones the checkpoint keeps. In training mode they are never read.
  for (auto& [name, buffer] : model_->named_buffers()) communicator_->broadcast(buffer, 0);
  std::shared_ptr<const data::Dataset> queries = data_.query;
  if (query_limit < queries->size()) {
    std::vector<int64_t> first(query_limit);
    for (int64_t i = 0; i < query_limit; ++i) first[i] = i;
    queries = std::make_shared<data::SubsetDataset>(data_.query, first, data_.query->name());
  }
  auto encode_start = std::chrono::steady_clock::now();
  Tensor query_codes = encode_in_shares(queries, "encode queries");
  Tensor database = database_codes();
  double encode_seconds = seconds_since(encode_start);
  if (!reporting()) return {};
  hashing::CodeSet query_set = to_code_set(query_codes, queries->labels());
  hashing::CodeSet database_set = to_code_set(database, data_.database->labels());

  auto search_start = std::chrono::steady_clock::now();
  const auto index = hashing::make_hamming_index(database_set.packed(), device_);
  hashing::RetrievalMetrics metrics = hashing::evaluate_retrieval(
      *index, query_set.packed(), query_set.labels, database_set.labels, setup_.top_k);
  double search_seconds = seconds_since(search_start);

  nlohmann::json json = metrics_json(metrics);
  json["method"] = setup_.method;
  json["rounds_done"] = rounds_done_;
  json["encode_seconds"] = encode_seconds;
  json["search_seconds"] = search_seconds;
  char line[200];
  std::snprintf(line, sizeof line,
                "%s after round %lld: mAP@all %.4f  P@%lld %.4f  P(r<=2) %.4f  (%lld queries)",
                final ? "final evaluation" : "evaluation", static_cast<long long>(rounds_done_),
                metrics.map_all, static_cast<long long>(metrics.k), metrics.precision_at_k,
                metrics.precision_radius2, static_cast<long long>(metrics.n_query));
  log_->write("evaluation", json, line);
  if (final) {
    hashing::write_code_file(path("query.codes"), query_set);
    hashing::write_code_file(path("database.codes"), database_set);
    write_atomically(path("metrics.json"), [&](std::ostream& out) { out << json.dump(2) << "\n"; });
    std::vector<hashing::PrCurve> curves = {
        {detail::concat(setup_.bits, " bits"), metrics.pr_curve}};
    write_atomically(path("pr_curve.svg"), [&](std::ostream& out) {
      out << hashing::pr_curve_svg(curves, setup_.method + " — precision-recall by Hamming radius");
    });
    if (setup_.gallery_queries > 0)
      hashing::write_gallery(path("gallery.html"),
                             search_gallery({query_set, dataset_images(queries)},
                                            {database_set, dataset_images(data_.database)}, *index,
                                            setup_.gallery_queries,
                                            setup_.method + " — nearest codes of sample queries"));
  }
  return metrics;
}

void Trainer::save(int64_t rounds_done) {
  if (!reporting()) return;
  Checkpoint checkpoint;
  checkpoint.rounds_done = rounds_done;
  checkpoint.random = random_state();
  checkpoint.model = model_->state_dict();
  checkpoint.optimizer = optimizer_->state_dict();
  checkpoint.strategy = strategy_->state_dict();
  checkpoint.objective = objective_->state_dict();
  checkpoint.config_text = config_text_;
  save_checkpoint(path("checkpoint.safetensors"), checkpoint);
}

void Trainer::restore() {
  Checkpoint checkpoint = load_checkpoint(path("checkpoint.safetensors"));
  model_->load_state_dict(checkpoint.model);
  optimizer_->load_state_dict(checkpoint.optimizer);
  strategy_->load_state_dict(checkpoint.strategy, path("checkpoint.safetensors"));
  for (auto& [name, tensor] : objective_->state_dict()) {
    auto saved = checkpoint.objective.find(name);
    HG_CHECK(saved != checkpoint.objective.end(), "checkpoint '", path("checkpoint.safetensors"),
             "' lacks the objective's '", name, "'");
    ops::copy_(tensor, saved->second.to(tensor.device()));
  }
  set_random_state(checkpoint.random);
  rounds_done_ = checkpoint.rounds_done;
}

}  // namespace hg
