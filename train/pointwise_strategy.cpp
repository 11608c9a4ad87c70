// The pointwise strategy: each batch's loss reads the batch alone (its codes and labels), so a
// round has nothing to prepare or conclude and the run keeps no state beyond the model's.
#include "train/training_strategy.h"

namespace hg {
namespace {

class PointwiseStrategy : public TrainingStrategy {
 public:
  explicit PointwiseStrategy(const StrategyContext& context) : objective_(context.objective) {}

  void begin_round(const std::vector<int64_t>&) override {}
  Tensor step_loss(const StrategyBatch& batch, std::map<std::string, Tensor>* parts) override {
    return objective_.loss(batch.output, batch.labels, {}, parts);
  }
  void end_round() override {}
  Tensor database_codes(int64_t) const override { return {}; }

  std::map<std::string, Tensor> state_dict() const override { return {}; }
  void load_state_dict(const std::map<std::string, Tensor>&, const std::string&) override {}

 private:
  const hashing::HashObjective& objective_;
};

}  // namespace

std::unique_ptr<TrainingStrategy> make_pointwise_strategy(const StrategyContext& context) {
  return std::make_unique<PointwiseStrategy>(context);
}

}  // namespace hg
