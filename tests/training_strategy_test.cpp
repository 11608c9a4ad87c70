// The training strategies on their own: which one a loss composition gets, the round shape it
// implies, and what each does with a step's batch, its database codes and its checkpoint state.
#include <gtest/gtest.h>

#include <cmath>

#include "tensor/ops.h"
#include "tensor/random.h"
#include "tests/test_support.h"
#include "train/training_strategy.h"

namespace hg {
namespace {

// Four training items of two classes (multi-hot rows), 2-bit codes.
Labels four_item_labels() { return Labels::from_multi_hot({1, 0, 1, 0, 0, 1, 0, 1}, 2); }

// A batch's row index (i64 [B]).
Tensor rows(const std::vector<int64_t>& values) {
  return Tensor::from_vector(values, {static_cast<int64_t>(values.size())});
}

TEST(TrainingStrategy, IsChosenFromTheLossCompositionAlone) {
  hashing::ObjectiveConfig objective;
  objective.classification_weight = 1;
  EXPECT_EQ(strategy_kind(objective), StrategyKind::pointwise);
  objective.pairwise_weight = 1;
  EXPECT_EQ(strategy_kind(objective), StrategyKind::pairwise_code_bank);
  objective.pairwise_weight = 0;
  objective.asymmetric_weight = 1;
  EXPECT_EQ(strategy_kind(objective), StrategyKind::asymmetric);
  objective.pairwise_weight = 1;
  EXPECT_EQ(test::error_message([&] { strategy_kind(objective); }),
            "config: asymmetric_weight and pairwise_weight are two training strategies; set only "
            "one of them");
  EXPECT_EQ(round_defaults(StrategyKind::asymmetric).epochs_per_round, 3);
  EXPECT_EQ(round_defaults(StrategyKind::asymmetric).sample_size, 2000);
  EXPECT_EQ(round_defaults(StrategyKind::pairwise_code_bank).sample_size, 0);
}

TEST(TrainingStrategy, CodeBankTakesEachBatchsCodesAndSurvivesACheckpoint) {
  hashing::ObjectiveConfig config;
  config.pairwise_weight = 1;
  hashing::HashObjective objective(config, 2, 2, true, Device::cpu);
  std::unique_ptr<TrainingStrategy> bank = make_training_strategy(
      StrategyKind::pairwise_code_bank, {objective, four_item_labels(), 2, Device::cpu});
  bank->begin_round({0, 1, 2, 3});
  hashing::HashOutput output;
  output.relaxed = test::f32({0.5f, -0.25f, -1, 0.75f}, {2, 2});
  std::map<std::string, Tensor> parts;
  Tensor loss = bank->step_loss(
      {output, test::f32({1, 0, 0, 1}, {2, 2}), rows({3, 1}), rows({0, 1}), 2}, &parts);
  EXPECT_TRUE(std::isfinite(loss.item<float>()));
  EXPECT_EQ(parts.count("pairwise"), 1u);
  bank->end_round();
  // Rows 3 and 1 hold the batch's codes; the others are still zero.
  Tensor codes = bank->state_dict().at("codes");
  EXPECT_EQ(codes.to_vector<float>(), (std::vector<float>{0, 0, -1, 0.75f, 0, 0, 0.5f, -0.25f}));
  EXPECT_FALSE(bank->database_codes(1).defined());  // the network's codes stand

  std::unique_ptr<TrainingStrategy> restored = make_training_strategy(
      StrategyKind::pairwise_code_bank, {objective, four_item_labels(), 2, Device::cpu});
  restored->load_state_dict(bank->state_dict(), "run/checkpoint.safetensors");
  EXPECT_TRUE(test::all_close(restored->state_dict().at("codes"), codes, 0, 0));
  EXPECT_EQ(test::error_message([&] {
              restored->load_state_dict({{"codes", Tensor::zeros({3, 2})}}, "a.safetensors");
            }),
            "checkpoint 'a.safetensors' has no strategy codes of shape [4, 2]");
}

hashing::HashObjective asymmetric_objective() {
  hashing::ObjectiveConfig config;
  config.asymmetric_weight = 1;
  return hashing::HashObjective(config, 2, 2, true, Device::cpu);
}

// The asymmetric strategy after one round on items 2 and 0, its V drawn with seed 7.
std::unique_ptr<TrainingStrategy> after_one_asymmetric_round(
    const hashing::HashObjective& objective, const Labels& labels) {
  manual_seed(7);
  std::unique_ptr<TrainingStrategy> asymmetric =
      make_training_strategy(StrategyKind::asymmetric, {objective, labels, 2, Device::cpu});
  asymmetric->begin_round({2, 0});
  hashing::HashOutput output;
  // Items 2 and 0 are of different classes, so the update gives them opposite codes.
  output.relaxed = test::f32({0.9f, 0.8f, -0.7f, -0.9f}, {2, 2});
  asymmetric->step_loss({output, test::f32({0, 1, 1, 0}, {2, 2}), rows({2, 0}), rows({0, 1}), 2},
                        nullptr);
  asymmetric->end_round();
  return asymmetric;
}

TEST(TrainingStrategy, AsymmetricCodesAreTheDatabaseCodesOnceUpdated) {
  const hashing::HashObjective objective = asymmetric_objective();
  EXPECT_FALSE(make_training_strategy(StrategyKind::asymmetric,
                                      {objective, four_item_labels(), 2, Device::cpu})
                   ->database_codes(0)
                   .defined());  // V is still random
  std::unique_ptr<TrainingStrategy> asymmetric =
      after_one_asymmetric_round(objective, four_item_labels());
  Tensor v = asymmetric->database_codes(1);
  ASSERT_TRUE(v.defined());
  std::vector<float> values = v.to_vector<float>();
  for (float value : values) EXPECT_TRUE(value == 1 || value == -1) << value;
  // With γ = 200 the sampled items' codes follow the sign of their relaxed codes.
  EXPECT_EQ(values[4], 1);
  EXPECT_EQ(values[5], 1);
  EXPECT_EQ(values[0], -1);
  EXPECT_EQ(values[1], -1);
  EXPECT_TRUE(test::all_close(asymmetric->state_dict().at("codes"), v, 0, 0));
}

// The trainer hands the strategies the dataset's labels as they are: class ids must give the
// update the similarities of their one-hot rows.
TEST(TrainingStrategy, ClassIdsCountAsTheirOneHotRows) {
  const hashing::HashObjective objective = asymmetric_objective();
  Tensor from_rows = after_one_asymmetric_round(objective, four_item_labels())->database_codes(1);
  Tensor from_ids = after_one_asymmetric_round(objective, Labels::from_class_ids({0, 0, 1, 1}, 2))
                        ->database_codes(1);
  EXPECT_TRUE(test::all_close(from_ids, from_rows, 0, 0));
}

}  // namespace
}  // namespace hg
