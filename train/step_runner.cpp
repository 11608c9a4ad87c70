// The eager and the CUDA graph step runners (see step_runner.h).
#include "train/step_runner.h"

#include "cuda/captured_graph.h"
#include "tensor/captured_draws.h"
#include "tensor/copy.h"
#include "tensor/random.h"
#include "train/step_capture_policy.h"

namespace hg {
namespace {

class EagerStepRunner : public StepRunner {
 public:
  explicit EagerStepRunner(TrainingStep step) : step_(std::move(step)) {}
  void begin_round() override {}
  Tensor run(const std::vector<Tensor>& inputs) override {
    step_.prepare();
    return step_.compute(inputs);
  }

 private:
  TrainingStep step_;
};

class GraphStepRunner : public StepRunner {
 public:
  GraphStepRunner(TrainingStep step, std::function<void(const std::string&)> notice)
      : step_(std::move(step)), notice_(std::move(notice)) {}

  void begin_round() override {
    graph_.reset();  // its pool goes back to the cache
    result_ = Tensor();
    inputs_.clear();
    schedule_.begin_round();
  }

  Tensor run(const std::vector<Tensor>& inputs) override {
    step_.prepare();
    std::vector<Shape> shapes;
    for (const Tensor& input : inputs) shapes.push_back(input.shape());
    switch (schedule_.next(shapes)) {
      case StepMode::eager:
        return step_.compute(inputs);
      case StepMode::capture:
        if (!capture(inputs)) return step_.compute(inputs);
        break;
      case StepMode::replay:
        break;
    }
    return replay(inputs);
  }

 private:
  // Captures compute on buffers shaped like `inputs`; nothing runs. False when it failed: the
  // generator has not moved (captured draws count apart), so the step can run eagerly instead.
  bool capture(const std::vector<Tensor>& inputs) {
    inputs_.clear();
    for (const Tensor& input : inputs) inputs_.push_back(input.clone());  // before the capture
    if (!random_base_.defined()) random_base_ = Tensor::empty({1}, DType::u64, Device::cuda);
    auto graph = std::make_unique<cuda::CapturedGraph>();
    try {
      CapturedDraws draws(random_base_);
      graph->capture([&] { result_ = step_.compute(inputs_); });
      drawn_ = draws.drawn();
    } catch (const Error& error) {
      result_ = Tensor();
      inputs_.clear();
      schedule_.give_up();
      notice_(detail::concat("cuda_graph: the training step could not be captured (", error.what(),
                             "); it runs eagerly from here on"));
      return false;
    }
    seed_ = random_state().seed;
    graph_ = std::move(graph);
    return true;
  }

  Tensor replay(const std::vector<Tensor>& inputs) {
    for (size_t i = 0; i < inputs.size(); ++i) ops::copy_(inputs_[i], inputs[i]);
    HG_CHECK(random_state().seed == seed_, "cuda_graph: the random seed changed since the step ",
             "was captured; reseed between rounds only");
    prepare_replay_draws(random_base_, drawn_);
    graph_->replay();
    return result_;
  }

  TrainingStep step_;
  std::function<void(const std::string&)> notice_;
  StepCaptureSchedule schedule_;
  std::unique_ptr<cuda::CapturedGraph> graph_;
  std::vector<Tensor> inputs_;  // the buffers the graph reads its inputs from
  Tensor result_;               // the graph's results, rewritten by each replay
  Tensor random_base_;          // u64 [1]: the generator's offset at the replay's start
  uint64_t drawn_ = 0;          // counters the step draws
  uint64_t seed_ = 0;           // the seed the graph's draws were captured with
};

}  // namespace

std::unique_ptr<StepRunner> make_eager_step_runner(TrainingStep step) {
  return std::make_unique<EagerStepRunner>(std::move(step));
}

std::unique_ptr<StepRunner> make_graph_step_runner(TrainingStep step,
                                                   std::function<void(const std::string&)> notice) {
  return std::make_unique<GraphStepRunner>(std::move(step), std::move(notice));
}

}  // namespace hg
