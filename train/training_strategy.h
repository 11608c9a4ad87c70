// TrainingStrategy: what a method does around the steps of a round (DESIGN §2: the trainer owns
// the loop, the strategy owns what a step compares the batch against). Three of them:
//
//   pointwise            each batch on its own                        (DHIH, CSQ, AM-VGGH, CE)
//   pairwise code bank   each batch against a bank holding the latest relaxed code of every
//                        training item                                (DPSH, DPHB, DAHP, DSBH)
//   asymmetric           each batch against the database codes V; V ← ADSH's discrete update
//                        from the round's codes U after each round    (ADSH, Swin + polarization)
//
// The trainer calls the hooks below and never asks which strategy it runs: strategy_kind() is
// the one place that tells them apart, from the loss composition.
//
// A strategy's state is one code per training item or none (state_dict); its round hooks see
// the round's items and each step's batch, so a data-parallel trainer can split that state by
// rows across ranks.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "distributed/communicator.h"
#include "hashing/objective.h"
#include "tensor/labels.h"

namespace hg {

enum class StrategyKind { pointwise, pairwise_code_bank, asymmetric };

// The strategy a loss composition needs: the asymmetric term compares against V, the pairwise
// term against a bank. Throws when both terms are on (two strategies at once).
StrategyKind strategy_kind(const hashing::ObjectiveConfig& objective);

// A round's shape when the config does not give it: ADSH's outer iteration is T_in = 3 epochs
// over a sample of m = 2000 points; the others take one epoch over the whole training set
// (sample_size 0).
struct RoundDefaults {
  int64_t epochs_per_round = 1;
  int64_t sample_size = 0;
};
RoundDefaults round_defaults(StrategyKind kind);

// One step's batch, as a strategy sees it.
struct StrategyBatch {
  const hashing::HashOutput& output;
  const Tensor& labels;  // [B, L] multi-hot
  // i64 [B] on the strategy's device, so that a step captured as a CUDA graph reads them from
  // the buffers its inputs are copied into (train/step_runner.h):
  const Tensor& train_rows;       // the items' rows in the training set
  const Tensor& round_positions;  // the items' positions in the round's items
  int64_t batch_items = 0;        // under mpirun the rows above are this rank's share of this many
};

class TrainingStrategy {
 public:
  virtual ~TrainingStrategy() = default;

  // A round trains on `items` (rows of the training set, in the order the round drew them).
  virtual void begin_round(const std::vector<int64_t>& items) = 0;
  // The loss of one batch; `parts` receives each term's detached value (HashObjective::loss).
  virtual Tensor step_loss(const StrategyBatch& batch, std::map<std::string, Tensor>* parts) = 0;
  virtual void end_round() = 0;
  // The codes the training items take in the database after `rounds_done` rounds
  // ([n_train, c], ±1), or an undefined tensor when the network's codes stand for them.
  virtual Tensor database_codes(int64_t rounds_done) const = 0;

  // What a checkpoint keeps, and its restoration; errors name `source` (the checkpoint file).
  virtual std::map<std::string, Tensor> state_dict() const = 0;
  virtual void load_state_dict(const std::map<std::string, Tensor>& state,
                               const std::string& source) = 0;
};

// What every strategy is built from.
struct StrategyContext {
  const hashing::HashObjective& objective;
  // The training items' labels as the dataset holds them (class ids stay ids). Only the
  // strategies that compare a batch with other items expand them to a matrix (label_matrix);
  // the pointwise one never does, as a million single-label images of 1,000 classes would make
  // it 4 GB.
  const Labels& train_labels;
  int64_t bits = 0;
  Device device = Device::cpu;
  // The ranks of a data-parallel run: the bank and U take every rank's rows of each batch, and
  // V's update is split by rows across them (train/trainer.h).
  distributed::Communicator* communicator = &distributed::world();

  // train_labels as the [n_train, L] 0/1 matrix (one-hot rows for class ids), f32 on `device`.
  Tensor label_matrix() const;
};

std::unique_ptr<TrainingStrategy> make_training_strategy(StrategyKind kind,
                                                         const StrategyContext& context);

// The strategies, one file each (train/*_strategy.cpp).
std::unique_ptr<TrainingStrategy> make_pointwise_strategy(const StrategyContext& context);
std::unique_ptr<TrainingStrategy> make_pairwise_code_bank_strategy(const StrategyContext& context);
std::unique_ptr<TrainingStrategy> make_asymmetric_strategy(const StrategyContext& context);

}  // namespace hg
