// The pairwise code-bank strategy (DPSH, Li et al., IJCAI 2016): each batch is compared with
// every training item through a bank U_bank [n_train, c] holding the latest relaxed code the
// network gave each item. The bank starts at zero and fills during the first round.
#include "tensor/ops.h"
#include "train/code_table.h"
#include "train/training_strategy.h"

namespace hg {
namespace {

class PairwiseCodeBankStrategy : public TrainingStrategy {
 public:
  explicit PairwiseCodeBankStrategy(const StrategyContext& context)
      : objective_(context.objective),
        communicator_(*context.communicator),
        train_labels_(context.label_matrix()),
        bank_(Tensor::zeros({context.train_labels.count(), context.bits}, DType::f32,
                            context.device)) {}

  void begin_round(const std::vector<int64_t>&) override {}

  // The bank takes the batch's codes before the loss reads it, as DPSH's reference code does:
  // each item then meets its own fresh code as a similar pair, which keeps the codes from
  // collapsing to one point early on (from scratch, a stale bank let every code shrink to 0).
  Tensor step_loss(const StrategyBatch& batch, std::map<std::string, Tensor>* parts) override {
    bank_.assign_rows_of_every_rank(batch.train_rows, batch.output.relaxed.detach(),
                                    batch.batch_items, communicator_);
    return objective_.loss(batch.output, batch.labels,
                           {bank_.codes(), train_labels_, batch.train_rows}, parts);
  }

  void end_round() override {}
  // The bank holds relaxed codes of past steps: the database takes the network's final codes.
  Tensor database_codes(int64_t) const override { return {}; }

  std::map<std::string, Tensor> state_dict() const override { return bank_.state_dict(); }
  void load_state_dict(const std::map<std::string, Tensor>& state,
                       const std::string& source) override {
    bank_.load_state_dict(state, source);
  }

 private:
  const hashing::HashObjective& objective_;
  distributed::Communicator& communicator_;
  Tensor train_labels_;  // [n_train, L]
  CodeTable bank_;       // [n_train, c] relaxed codes
};

}  // namespace

std::unique_ptr<TrainingStrategy> make_pairwise_code_bank_strategy(const StrategyContext& context) {
  return std::make_unique<PairwiseCodeBankStrategy>(context);
}

}  // namespace hg
