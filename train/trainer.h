// The trainer: owns the loop that every method shares (DESIGN §2: the trainer owns the loop,
// the method's objective owns what a step computes).
//
//   for each round r (resuming after the last checkpoint):
//     items = the training set, or a sample of sample_size points (ADSH's Ω)
//     strategy.begin_round(items)
//     repeat epochs_per_round times, over items in shuffled batches:
//       u = model(images)
//       L = strategy.step_loss(u, labels, rows); backward; optimizer step
//     strategy.end_round()                     (ADSH: V ← the code update from the U of Ω)
//     checkpoint; evaluate on a query subset every eval_every rounds
//   final: encode queries and database (the strategy's codes for the training items where it
//   has them), search, metrics; write the run directory
//
// The strategy (train/training_strategy.h: pointwise, pairwise code bank, asymmetric) is chosen
// once from the loss composition; the loop never asks which one it runs.
//
// A step runs through a StepRunner (train/step_runner.h): eagerly, or captured as a CUDA graph
// and replayed where cuda_graph and train/step_capture_policy.h allow it. Its inputs (images,
// labels, the items' rows as device tensors) are the only things that change from step to step.
//
// Under mpirun (DESIGN §3b) every rank runs this loop on its share of each batch: the loader
// gives each rank its share, the loss is weighted by the share's size and the gradients are
// summed over ranks in buckets while backward runs (train/gradient_buckets.h), so N ranks take
// the step one process takes on the whole batch. The strategies keep their code tables whole
// on every rank (train/training_strategy.h). Evaluation encodes the queries and the database in
// shares too, every rank its own rows; rank 0 alone searches, scores and writes the run
// directory.
//
// The run directory (DESIGN §6): config.txt, model.json, log.jsonl, checkpoint.safetensors,
// metrics.json, query.codes, database.codes, pr_curve.svg, gallery.html.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "data/image_stage.h"
#include "data/protocol.h"
#include "data/transforms.h"
#include "distributed/communicator.h"
#include "hashing/hash_model.h"
#include "hashing/metrics.h"
#include "hashing/objective.h"
#include "train/config.h"
#include "train/optimizer.h"
#include "train/run_log.h"
#include "train/step_runner.h"
#include "train/trained_model.h"
#include "train/training_setup.h"
#include "train/training_strategy.h"

namespace hg {

namespace data {
class Loader;
struct Batch;
}  // namespace data

class GradientBuckets;  // train/gradient_buckets.h

class Trainer {
 public:
  // Reads the data and builds the model. With `resume`, the run directory's checkpoint (and
  // the config it recorded) continue the run; otherwise the directory must not hold one.
  Trainer(const Config& config, const std::string& run_directory, bool resume);
  ~Trainer();

  // Trains the remaining rounds, evaluates, writes the run directory; returns the metrics.
  hashing::RetrievalMetrics run();
  // The two halves of run(): train (and checkpoint) up to round `last_round` (1-based), then
  // the final evaluation. Stopping after train_until(k) is what a killed run leaves behind.
  void train_until(int64_t last_round);
  hashing::RetrievalMetrics finish();
  int64_t rounds_done() const { return rounds_done_; }

  const TrainingSetup& setup() const { return setup_; }
  hashing::HashModel& model() { return *model_; }

 private:
  // The sums a round's log line reports.
  struct RoundTotals {
    double loss_sum = 0;
    std::map<std::string, double> part_sums;
    int64_t images = 0;
  };

  // Construction, step by step: the config (the run's own when resuming), the data, the model,
  // what trains it (objective, optimizer, strategy), the log's first line.
  Config run_config(const Config& given_config, bool resume);
  void open_run_directory(const Config& config);
  void make_model();
  void build_training();
  void log_setup(bool resume);

  void train_round(int64_t round);
  // The round's items: the training set, or a random sample of sample_size of them.
  std::vector<int64_t> round_items();
  std::unique_ptr<data::Loader> make_loader(const std::vector<int64_t>& items, int64_t round);
  void train_step(const data::Batch& batch, const std::vector<int64_t>& items, int64_t round,
                  int64_t epoch, RoundTotals& totals);
  // The runner of the steps: eager, or CUDA graphs where step_capture_policy.h allows them.
  void make_step_runner();
  // A step's device work (StepRunner's compute) on its inputs {images, labels, training rows,
  // round positions}: the loss and its terms, weighted by this rank's share, as one tensor.
  Tensor compute_step(const std::vector<Tensor>& inputs);
  void log_round(int64_t round, const RoundTotals& totals, double seconds);

  // Codes of the database: the network's, with the training items' rows replaced by the
  // strategy's codes where it has them (ADSH: database codes of training points are V itself).
  Tensor database_codes();
  // The ±1 codes [n, c] on the CPU of every item of `dataset` by the model in evaluation mode:
  // each rank encodes its share of the items (share_begin) and every rank gets all of them.
  Tensor encode_in_shares(std::shared_ptr<const data::Dataset> dataset, const std::string& label);
  hashing::RetrievalMetrics evaluate(int64_t query_limit, bool final);
  void save(int64_t rounds_done);
  void restore();
  std::string path(const std::string& name) const { return run_directory_ + "/" + name; }

  // Data parallel: rank 0 alone writes the run directory, searches and scores.
  bool reporting() const { return communicator_->rank() == 0; }

  TrainingSetup setup_;
  distributed::Communicator* communicator_ = nullptr;
  std::unique_ptr<GradientBuckets> buckets_;  // with more than one rank
  std::string config_text_;
  std::string run_directory_;
  std::unique_ptr<RunLog> log_;
  Device device_ = Device::cpu;
  data::RetrievalData data_;
  ModelDescription description_;  // what model.json records: the input size, normalization, ...
  data::ImageSize input_size_;
  std::shared_ptr<hashing::HashModel> model_;
  std::unique_ptr<hashing::HashObjective> objective_;
  std::unique_ptr<Optimizer> optimizer_;
  std::unique_ptr<TrainingStrategy> strategy_;
  RunCaptureDecision capture_decision_;
  data::ImagePipelineChoice image_pipeline_;  // the same for every round's loader
  std::unique_ptr<StepRunner> step_runner_;
  // What compute_step reads besides its inputs; the same for every step of one shape, so a
  // captured step may keep them.
  double step_weight_ = 1;
  int64_t step_batch_items_ = 0;
  std::vector<std::string> step_part_names_;  // the loss terms compute_step returns, in order
  int64_t rounds_done_ = 0;
  int64_t steps_done_ = 0;
};

}  // namespace hg
