// The asymmetric strategy (ADSH, Jiang & Li, AAAI 2018; DESIGN §8): the database codes
// V ∈ {−1,+1}^{n_train×c} are variables, not network outputs. A round is one outer iteration:
// the network trains on a sample Ω of the training items against V, the relaxed codes U it
// gives Ω are kept, and after the round V takes the discrete update from U
// (hashing/adsh_code_update.h). The training items' database codes are V itself.
//
// Data parallel (DESIGN §3b): U takes every rank's rows of each batch, so each rank holds the
// whole U of Ω; the update is row-local given U, so each rank updates its share of V's rows and
// the shares are all-gathered after it. Every rank thus keeps a replica of V for the asymmetric
// loss, which reads V's rows of any training item: n_train × c floats (11 MB for 60,000 48-bit
// codes), one all-gather per round, against an all-gather of the batch's V rows every step.
#include "hashing/adsh_code_update.h"
#include "tensor/ops.h"
#include "train/code_table.h"
#include "train/training_strategy.h"

namespace hg {
namespace {

// V's start: random ±1 codes (the authors start from 0, which only makes the first round's loss
// push u towards 0).
Tensor random_codes(int64_t rows, int64_t bits, Device device) {
  Tensor draw = ops::normal({rows, bits}, 0, 1, DType::f32, device);
  Tensor positive = ops::binary(BinaryOp::ge, draw, Tensor::scalar(0, DType::f32, device));
  return ops::add_scalar(ops::mul_scalar(positive, 2), -1);
}

class AsymmetricStrategy : public TrainingStrategy {
 public:
  explicit AsymmetricStrategy(const StrategyContext& context)
      : objective_(context.objective),
        communicator_(*context.communicator),
        train_labels_(context.label_matrix()),
        bits_(context.bits),
        device_(context.device),
        v_(random_codes(context.train_labels.count(), context.bits, context.device)) {}

  void begin_round(const std::vector<int64_t>& items) override {
    sample_ = items;
    sample_codes_ =
        CodeTable(Tensor::zeros({static_cast<int64_t>(items.size()), bits_}, DType::f32, device_));
  }

  Tensor step_loss(const StrategyBatch& batch, std::map<std::string, Tensor>* parts) override {
    Tensor loss = objective_.loss(batch.output, batch.labels,
                                  {v_.codes(), train_labels_, batch.train_rows}, parts);
    sample_codes_.assign_rows_of_every_rank(batch.round_positions, batch.output.relaxed.detach(),
                                            batch.batch_items, communicator_);
    return loss;
  }

  void end_round() override {
    hashing::AdshUpdateInput update;
    update.relaxed_codes = sample_codes_.codes();
    update.sampled_indices = v_.row_index(sample_);
    update.sampled_labels = ops::index_select(train_labels_, 0, update.sampled_indices);
    update.gamma = objective_.config().asymmetric_quantization_weight;
    const int64_t n = v_.codes().size(0);
    const int ranks = communicator_.size(), rank = communicator_.rank();
    const int64_t first = distributed::share_begin(n, ranks, rank);
    const int64_t rows = distributed::share_begin(n, ranks, rank + 1) - first;
    Tensor own_rows = ops::narrow(v_.codes(), 0, first, rows);
    update.database_labels = ops::narrow(train_labels_, 0, first, rows);
    update.first_row = first;
    update.communicator = &communicator_;
    hashing::adsh_update_codes(own_rows, update);
    v_ = CodeTable(distributed::gather_shares(own_rows, n, communicator_));
  }

  // Before the first update V is random: the network's codes stand (rounds = 0's baseline).
  Tensor database_codes(int64_t rounds_done) const override {
    return rounds_done > 0 ? v_.codes() : Tensor();
  }

  std::map<std::string, Tensor> state_dict() const override { return v_.state_dict(); }
  void load_state_dict(const std::map<std::string, Tensor>& state,
                       const std::string& source) override {
    v_.load_state_dict(state, source);
  }

 private:
  const hashing::HashObjective& objective_;
  distributed::Communicator& communicator_;
  Tensor train_labels_;  // [n_train, L]
  int64_t bits_;
  Device device_;
  CodeTable v_;                  // V [n_train, c], ±1
  std::vector<int64_t> sample_;  // Ω: this round's training items
  CodeTable sample_codes_;       // U [|Ω|, c]: the relaxed codes Ω got this round
};

}  // namespace

std::unique_ptr<TrainingStrategy> make_asymmetric_strategy(const StrategyContext& context) {
  return std::make_unique<AsymmetricStrategy>(context);
}

}  // namespace hg
