// Choosing the training strategy (see training_strategy.h).
#include "train/training_strategy.h"

#include "core/error.h"

namespace hg {

StrategyKind strategy_kind(const hashing::ObjectiveConfig& objective) {
  const bool asymmetric = objective.asymmetric_weight > 0, pairwise = objective.pairwise_weight > 0;
  HG_CHECK(!(asymmetric && pairwise), "config: asymmetric_weight and pairwise_weight ",
           "are two training strategies; set only one of them");
  if (asymmetric) return StrategyKind::asymmetric;
  return pairwise ? StrategyKind::pairwise_code_bank : StrategyKind::pointwise;
}

RoundDefaults round_defaults(StrategyKind kind) {
  return kind == StrategyKind::asymmetric ? RoundDefaults{3, 2000} : RoundDefaults{};
}

Tensor StrategyContext::label_matrix() const {
  return train_labels.matrix_tensor(DType::f32).to(device);
}

std::unique_ptr<TrainingStrategy> make_training_strategy(StrategyKind kind,
                                                         const StrategyContext& context) {
  switch (kind) {
    case StrategyKind::pointwise:
      return make_pointwise_strategy(context);
    case StrategyKind::pairwise_code_bank:
      return make_pairwise_code_bank_strategy(context);
    case StrategyKind::asymmetric:
      return make_asymmetric_strategy(context);
  }
  throw Error("unknown training strategy");
}

}  // namespace hg
