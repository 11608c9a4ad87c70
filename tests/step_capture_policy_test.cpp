// When training steps are captured as CUDA graphs (train/step_capture_policy.h): the run's
// decision for each setting and blocker, and the per-step schedule (warm-up, capture, replay,
// eager steps of another shape, a new graph each round). All of it is host logic, so it is
// tested here without a GPU.
#include <gtest/gtest.h>

#include "core/error.h"
#include "train/step_capture_policy.h"

namespace hg {
namespace {

StepCaptureConditions capturable() {
  StepCaptureConditions conditions;
  conditions.device = Device::cuda;
  return conditions;
}

TEST(StepCapturePolicy, ParsesTheThreeSettingsAndNamesTheKeyOtherwise) {
  EXPECT_EQ(parse_cuda_graph_setting("off"), CudaGraphSetting::off);
  EXPECT_EQ(parse_cuda_graph_setting("on"), CudaGraphSetting::on);
  EXPECT_EQ(parse_cuda_graph_setting("auto"), CudaGraphSetting::automatic);
  try {
    parse_cuda_graph_setting("yes");
    FAIL() << "'yes' was accepted";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("cuda_graph"), std::string::npos) << error.what();
  }
}

TEST(StepCapturePolicy, AutoCapturesAStaticStepOnTheGpuOnly) {
  EXPECT_TRUE(decide_run_capture(CudaGraphSetting::automatic, capturable()).capture);
  EXPECT_TRUE(decide_run_capture(CudaGraphSetting::on, capturable()).capture);
  const RunCaptureDecision off = decide_run_capture(CudaGraphSetting::off, capturable());
  EXPECT_FALSE(off.capture);
  EXPECT_EQ(off.reason, "cuda_graph = off");
  StepCaptureConditions cpu = capturable();
  cpu.device = Device::cpu;
  const RunCaptureDecision on_cpu = decide_run_capture(CudaGraphSetting::automatic, cpu);
  EXPECT_FALSE(on_cpu.capture);
  EXPECT_NE(on_cpu.reason.find("CPU"), std::string::npos) << on_cpu.reason;
}

// Each blocker alone turns `auto` eager with its reason, and makes `on` an error naming it.
TEST(StepCapturePolicy, EachBlockerTurnsAutoEagerAndOnIntoAnError) {
  struct Case {
    const char* word;  // a word the reason must contain
    void (*apply)(StepCaptureConditions&);
  };
  const Case cases[] = {
      {"CPU", [](StepCaptureConditions& c) { c.device = Device::cpu; }},
      {"MPI", [](StepCaptureConditions& c) { c.processes = 2; }},
      {"clip_grad_norm", [](StepCaptureConditions& c) { c.clip_grad_norm = 1; }},
      {"HASHGRAD_NO_MEMORY_CACHING", [](StepCaptureConditions& c) { c.memory_caching = false; }},
      {"HASHGRAD_PROFILE", [](StepCaptureConditions& c) { c.profiling = true; }},
      {"proxy-anchor", [](StepCaptureConditions& c) { c.objective.proxy_anchor_weight = 1; }},
      {"cosine-margin", [](StepCaptureConditions& c) { c.objective.cosine_margin_weight = 1; }},
  };
  for (const Case& blocked : cases) {
    StepCaptureConditions conditions = capturable();
    blocked.apply(conditions);
    const RunCaptureDecision decision = decide_run_capture(CudaGraphSetting::automatic, conditions);
    EXPECT_FALSE(decision.capture) << blocked.word;
    EXPECT_NE(decision.reason.find(blocked.word), std::string::npos) << decision.reason;
    try {
      decide_run_capture(CudaGraphSetting::on, conditions);
      ADD_FAILURE() << "cuda_graph = on accepted a step blocked by " << blocked.word;
    } catch (const Error& error) {
      const std::string message = error.what();
      EXPECT_NE(message.find("cuda_graph = on"), std::string::npos) << message;
      EXPECT_NE(message.find(blocked.word), std::string::npos) << message;
    }
  }
}

std::string modes(StepCaptureSchedule& schedule, const std::vector<int64_t>& batch_sizes) {
  std::string text;
  for (int64_t batch : batch_sizes) {
    switch (schedule.next({{batch, 1, 28, 28}, {batch, 10}})) {
      case StepMode::eager:
        text += 'e';
        break;
      case StepMode::capture:
        text += 'C';
        break;
      case StepMode::replay:
        text += 'r';
        break;
    }
  }
  return text;
}

// A round of 5 full batches of 64 and a last batch of 16, three rounds: two warm-up steps, then
// one capture a round; the partial batch runs eagerly (a round holds one graph), which counts
// as its warm-up should a round start with it.
TEST(StepCapturePolicy, WarmsUpCapturesOnceARoundAndRunsOtherShapesEagerly) {
  StepCaptureSchedule schedule;
  const std::vector<int64_t> round = {64, 64, 64, 64, 64, 16};
  schedule.begin_round();
  EXPECT_EQ(modes(schedule, round), "eeCrre");
  schedule.begin_round();
  EXPECT_EQ(modes(schedule, round), "Crrrre");
  schedule.begin_round();
  EXPECT_EQ(modes(schedule, round), "Crrrre");
  schedule.begin_round();  // a round of partial batches only: their eager runs were the warm-up
  EXPECT_EQ(modes(schedule, {16, 16, 16}), "Crr");
}

TEST(StepCapturePolicy, AFailedCaptureLeavesEveryLaterStepEager) {
  StepCaptureSchedule schedule(1);
  EXPECT_EQ(modes(schedule, {64, 64}), "eC");
  schedule.give_up();
  EXPECT_EQ(modes(schedule, {64, 64}), "ee");
  schedule.begin_round();
  EXPECT_EQ(modes(schedule, {64, 64}), "ee");
}

}  // namespace
}  // namespace hg
