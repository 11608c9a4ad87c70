// The decisions of step_capture_policy.h.
#include "train/step_capture_policy.h"

#include "core/error.h"

namespace hg {

namespace {

// The first thing that keeps a run's steps from being captured, or "".
std::string capture_blocker(const StepCaptureConditions& c) {
  if (c.device != Device::cuda) return "the run is on the CPU; CUDA graphs need device = cuda";
  if (c.processes > 1)
    return "gradients are summed over processes through MPI on the host (mpirun)";
  if (c.clip_grad_norm > 0) return "clip_grad_norm reads the gradients' norm on the host each step";
  if (!c.memory_caching)
    return "memory caching is off (HASHGRAD_NO_MEMORY_CACHING); a graph's memory is a private "
           "pool of the cache";
  if (c.profiling) return "the profiler (HASHGRAD_PROFILE) waits for the GPU inside every op";
  // These loss terms read a value on the host inside the loss (hashing/losses/: the count of
  // proxies with positives, the check that label rows are one-hot).
  if (c.objective.proxy_anchor_weight > 0)
    return "the proxy-anchor loss counts its proxies with positives on the host";
  if (c.objective.cosine_margin_weight > 0)
    return "the cosine-margin loss checks the label rows on the host";
  return "";
}

}  // namespace

CudaGraphSetting parse_cuda_graph_setting(const std::string& text) {
  if (text == "off") return CudaGraphSetting::off;
  if (text == "on") return CudaGraphSetting::on;
  if (text == "auto") return CudaGraphSetting::automatic;
  throw Error("config key 'cuda_graph': '" + text + "' is not one of off, on, auto");
}

RunCaptureDecision decide_run_capture(CudaGraphSetting setting,
                                      const StepCaptureConditions& conditions) {
  if (setting == CudaGraphSetting::off) return {false, "cuda_graph = off"};
  const std::string blocker = capture_blocker(conditions);
  HG_CHECK(setting != CudaGraphSetting::on || blocker.empty(),
           "config key 'cuda_graph = on': the training step cannot be captured: ", blocker,
           ". Set cuda_graph = auto (captures where it can) or off");
  return {blocker.empty(), blocker};
}

StepMode StepCaptureSchedule::next(const std::vector<Shape>& shapes) {
  if (gave_up_) return StepMode::eager;
  if (!captured_.empty() && shapes == captured_) return StepMode::replay;
  int64_t& eager = eager_steps_[shapes];
  if (!captured_.empty() || eager < warmup_steps_) {  // one graph a round
    ++eager;
    return StepMode::eager;
  }
  captured_ = shapes;
  return StepMode::capture;
}

}  // namespace hg
