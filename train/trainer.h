// The trainer: owns the loop that every method shares (DESIGN §2: the trainer owns the loop,
// the method's objective owns what a step computes).
//
//   for each round r (resuming after the last checkpoint):
//     items  = the training set, or ADSH's sample Ω of sample_size points
//     repeat epochs_per_round times, over items in shuffled batches:
//       u = model(images)
//       pairwise strategy: the bank row of each item ← u          (DPSH)
//       L = objective(u, labels, pairs); backward; optimizer step
//     asymmetric strategy: V ← ADSH code update from the U of Ω  (hashing/adsh_code_update.h)
//     checkpoint; evaluate on a query subset every eval_every rounds
//   final: encode queries and database, search, metrics; write the run directory
//
// The run directory (DESIGN §6): config.txt, model.json, log.jsonl, checkpoint.safetensors,
// metrics.json, query.codes, database.codes, pr_curve.svg, gallery.html.
#pragma once

#include <memory>
#include <string>

#include "data/protocol.h"
#include "data/transforms.h"
#include "hashing/hash_model.h"
#include "hashing/metrics.h"
#include "hashing/objective.h"
#include "train/config.h"
#include "train/optimizer.h"
#include "train/run_log.h"
#include "train/training_setup.h"

namespace hg {

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
  void train_round(int64_t round);
  // Codes of the database: the network's, with the training items' rows replaced by V under
  // the asymmetric strategy (ADSH: database codes of training points are V itself).
  Tensor database_codes();
  hashing::RetrievalMetrics evaluate(int64_t query_limit, bool final);
  void save(int64_t rounds_done);
  void restore();
  std::string path(const std::string& name) const { return run_directory_ + "/" + name; }

  TrainingSetup setup_;
  std::string config_text_;
  std::string run_directory_;
  std::unique_ptr<RunLog> log_;
  Device device_ = Device::cpu;
  data::RetrievalData data_;
  data::Normalization normalization_;
  std::shared_ptr<hashing::HashModel> model_;
  std::unique_ptr<hashing::HashObjective> objective_;
  std::unique_ptr<Optimizer> optimizer_;
  Tensor train_labels_;    // [n_train, L] multi-hot, on the device
  Tensor strategy_codes_;  // asymmetric: V (±1); pairwise: the bank of relaxed codes; [n_train, c]
  int64_t rounds_done_ = 0;
  int64_t steps_done_ = 0;
};

}  // namespace hg
