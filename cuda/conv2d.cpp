// 2-D convolution through cuDNN's convolution API (cuda/conv2d.h). Host code only: cuDNN picks and
// launches the kernels, so this is compiled by the host compiler.
//
// Plans. Describing a convolution (five descriptors) and asking cuDNN's heuristics for an
// algorithm costs far more than launching one. The first call with a given key (every size and
// hyper-parameter, the dtype, the layout, the math mode, determinism) builds the descriptors; the
// first call of each direction (forward, backward input, backward weight) then chooses its
// algorithm with cudnnGet*Algorithm_v7 and keeps it with the workspace it needs. Later calls only
// launch. A fixed algorithm per shape also makes repeated runs bitwise equal.
//
// Math mode. For f32, cuDNN's default math allows TF32 tensor cores on sm_80 and later; that is
// the engine's default (DESIGN §3). cuda::strict_fp32() asks for CUDNN_FMA_MATH, which restricts
// cuDNN to kernels with full fp32 multiply-adds, and only algorithms reported under that math
// type are accepted. Each algorithm is run under the math type cuDNN reported it with: cuDNN
// decides tensor-core use from the pair (algorithm, math type).
//
// bf16. bf16 operands are described as CUDNN_DATA_BFLOAT16 tensors and filters under a
// convolution of compute type CUDNN_DATA_FLOAT (cuDNN's PSEUDO_BFLOAT16 configuration, the one
// bf16 configuration of the legacy convolution calls, for compute capability 8.0 and later): the
// products sum in f32 and the result is written as bf16. The descriptor asks for tensor-op math,
// which lets cuDNN use its bf16 tensor-core kernels. Those read NHWC: given NCHW, cuDNN
// transposes in its workspace; given Conv2dLayout::nhwc (what autograd hands a bf16
// convolution on the GPU) they read the operands as they are. Where cuDNN offers no algorithm
// (an older GPU) the call fails with a message saying so: nothing falls back quietly.
//
// Determinism. cuda::deterministic() accepts only algorithms cuDNN reports as deterministic (some
// backward-data and backward-filter algorithms sum with atomics in a varying order).
//
// Workspace. Every algorithm runs in one shared workspace from the caching allocator, grown
// (never shrunk) to the largest need seen. Giving the old block back while queued work still
// uses it is safe: the allocator is stream-ordered, and all of this runs on hashgrad's stream.
// A call inside a CUDA graph capture has a workspace of its own instead (with_plan).
#include "cuda/conv2d.h"

#include <algorithm>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <type_traits>
#include <vector>

#include "cuda/allocator.h"
#include "cuda/cudnn_descriptor.h"
#include "cuda/handles.h"
#include "cuda/runtime.h"
#include "cuda/scratch_buffer.h"

namespace hg::cuda {

namespace {

// Algorithms needing more workspace than this are passed over for the next one the heuristics
// rank (cuDNN always offers one that needs little or none).
constexpr size_t kMaxWorkspaceBytes = size_t{1} << 30;
// Growth is rounded up so that a run of slightly larger needs does not reallocate each time.
constexpr size_t kWorkspaceGranule = size_t{1} << 20;

int checked_int(int64_t value, const char* what) { return cudnn_int(value, "conv2d", what); }

// One direction's choice: the algorithm, the math type cuDNN reported it with, its workspace.
template <typename Algorithm>
struct Choice {
  Algorithm algorithm;
  cudnnMathType_t math;
  size_t workspace_bytes;
};

// The descriptors of one convolution and the algorithm chosen for each direction used so far.
struct Plan {
  TensorDescriptor input, output, bias;
  FilterDescriptor weight;
  ConvolutionDescriptor convolution;
  cudnnMathType_t math = CUDNN_DEFAULT_MATH;  // what the ranking runs under (FMA: strict fp32)
  cudnnDataType_t data_type = CUDNN_DATA_FLOAT;
  std::optional<Choice<cudnnConvolutionFwdAlgo_t>> forward;
  std::optional<Choice<cudnnConvolutionBwdDataAlgo_t>> backward_input;
  std::optional<Choice<cudnnConvolutionBwdFilterAlgo_t>> backward_weight;
};

// What differs between the three directions: the heuristic query, the workspace query and where
// the plan keeps the choice. Each direction's operands: forward x, w → y; backward input
// w, ∂y → ∂x; backward weight x, ∂y → ∂w.
struct Forward {
  static constexpr const char* kName = "forward";
  static constexpr int kCount = CUDNN_CONVOLUTION_FWD_ALGO_COUNT;
  using Algorithm = cudnnConvolutionFwdAlgo_t;
  using Performance = cudnnConvolutionFwdAlgoPerf_t;
  static cudnnStatus_t rank(const Plan& plan, int* found, Performance* results) {
    return cudnnGetConvolutionForwardAlgorithm_v7(cudnn_handle(), plan.input.get(),
                                                  plan.weight.get(), plan.convolution.get(),
                                                  plan.output.get(), kCount, found, results);
  }
  static cudnnStatus_t workspace(const Plan& plan, Algorithm algorithm, size_t* bytes) {
    return cudnnGetConvolutionForwardWorkspaceSize(cudnn_handle(), plan.input.get(),
                                                   plan.weight.get(), plan.convolution.get(),
                                                   plan.output.get(), algorithm, bytes);
  }
  static std::optional<Choice<Algorithm>>& slot(Plan& plan) { return plan.forward; }
};

struct BackwardInput {
  static constexpr const char* kName = "backward-input";
  static constexpr int kCount = CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT;
  using Algorithm = cudnnConvolutionBwdDataAlgo_t;
  using Performance = cudnnConvolutionBwdDataAlgoPerf_t;
  static cudnnStatus_t rank(const Plan& plan, int* found, Performance* results) {
    return cudnnGetConvolutionBackwardDataAlgorithm_v7(cudnn_handle(), plan.weight.get(),
                                                       plan.output.get(), plan.convolution.get(),
                                                       plan.input.get(), kCount, found, results);
  }
  static cudnnStatus_t workspace(const Plan& plan, Algorithm algorithm, size_t* bytes) {
    return cudnnGetConvolutionBackwardDataWorkspaceSize(cudnn_handle(), plan.weight.get(),
                                                        plan.output.get(), plan.convolution.get(),
                                                        plan.input.get(), algorithm, bytes);
  }
  static std::optional<Choice<Algorithm>>& slot(Plan& plan) { return plan.backward_input; }
};

struct BackwardWeight {
  static constexpr const char* kName = "backward-weight";
  static constexpr int kCount = CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT;
  using Algorithm = cudnnConvolutionBwdFilterAlgo_t;
  using Performance = cudnnConvolutionBwdFilterAlgoPerf_t;
  static cudnnStatus_t rank(const Plan& plan, int* found, Performance* results) {
    return cudnnGetConvolutionBackwardFilterAlgorithm_v7(cudnn_handle(), plan.input.get(),
                                                         plan.output.get(), plan.convolution.get(),
                                                         plan.weight.get(), kCount, found, results);
  }
  static cudnnStatus_t workspace(const Plan& plan, Algorithm algorithm, size_t* bytes) {
    return cudnnGetConvolutionBackwardFilterWorkspaceSize(cudnn_handle(), plan.input.get(),
                                                          plan.output.get(), plan.convolution.get(),
                                                          plan.weight.get(), algorithm, bytes);
  }
  static std::optional<Choice<Algorithm>>& slot(Plan& plan) { return plan.backward_weight; }
};

// The plan cache, the shared workspace and their statistics, behind one mutex (the cuDNN handle
// and the workspace are shared, so a call is queued whole under the lock). Never destroyed:
// tearing it down after the CUDA runtime at exit would gain nothing.
struct Cache {
  std::mutex mutex;
  std::map<std::vector<int64_t>, std::unique_ptr<Plan>> plans;
  void* workspace = nullptr;  // stats.workspace_bytes long
  Conv2dPlanStats stats;
};

Cache& cache() {
  static auto* instance = new Cache();
  return *instance;
}

void* reserve_workspace(Cache& state, size_t bytes) {
  if (bytes <= state.stats.workspace_bytes) return state.workspace;
  const size_t grown = (bytes + kWorkspaceGranule - 1) / kWorkspaceGranule * kWorkspaceGranule;
  if (state.workspace != nullptr) memory::device_free(state.workspace);
  state.workspace = nullptr;  // consistent should the allocation below throw
  state.stats.workspace_bytes = 0;
  state.workspace = memory::device_allocate(grown);
  state.stats.workspace_bytes = grown;
  return state.workspace;
}

// The math type a convolution of T is described with (see the file comment): f32 may use TF32
// unless strict, bf16 asks for tensor cores, f64 has one.
template <typename T>
cudnnMathType_t math_type() {
  if (std::is_same_v<T, bf16>) return CUDNN_TENSOR_OP_MATH;
  if (std::is_same_v<T, float> && strict_fp32()) return CUDNN_FMA_MATH;
  return CUDNN_DEFAULT_MATH;
}

template <typename T>
std::unique_ptr<Plan> make_plan(const Conv2dShape& shape, Conv2dLayout layout,
                                cudnnMathType_t math) {
  checked_int(shape.batch * shape.in_channels * shape.in_plane(), "the input's element count");
  checked_int(shape.batch * shape.out_channels * shape.out_plane(), "the output's element count");
  const int batch = checked_int(shape.batch, "N");
  const int in_channels = checked_int(shape.in_channels, "C");
  const int out_channels = checked_int(shape.out_channels, "O");
  constexpr cudnnDataType_t type = cudnn_data_type<T>();
  // The four sizes are given as N, C, H, W in either format; the format says how they are packed.
  const cudnnTensorFormat_t format =
      layout == Conv2dLayout::nhwc ? CUDNN_TENSOR_NHWC : CUDNN_TENSOR_NCHW;
  auto plan = std::make_unique<Plan>();
  plan->math = math;
  plan->data_type = type;
  CUDNN_CHECK(cudnnSetTensor4dDescriptor(plan->input.get(), format, type, batch, in_channels,
                                         checked_int(shape.in_h, "H"),
                                         checked_int(shape.in_w, "W")));
  CUDNN_CHECK(cudnnSetTensor4dDescriptor(plan->output.get(), format, type, batch, out_channels,
                                         checked_int(shape.out_h, "OH"),
                                         checked_int(shape.out_w, "OW")));
  CUDNN_CHECK(cudnnSetTensor4dDescriptor(plan->bias.get(), format, type, 1, out_channels, 1, 1));
  CUDNN_CHECK(cudnnSetFilter4dDescriptor(plan->weight.get(), type, format, out_channels,
                                         checked_int(shape.group_in_channels(), "C/groups"),
                                         checked_int(shape.kernel_h, "kH"),
                                         checked_int(shape.kernel_w, "kW")));
  const int padding = checked_int(shape.padding, "padding");
  const int stride = checked_int(shape.stride, "stride");
  const int dilation = checked_int(shape.dilation, "dilation");
  CUDNN_CHECK(cudnnSetConvolution2dDescriptor(plan->convolution.get(), padding, padding, stride,
                                              stride, dilation, dilation, CUDNN_CROSS_CORRELATION,
                                              cudnn_compute_type<T>()));
  CUDNN_CHECK(
      cudnnSetConvolutionGroupCount(plan->convolution.get(), checked_int(shape.groups, "groups")));
  CUDNN_CHECK(cudnnSetConvolutionMathType(plan->convolution.get(), math));
  int n = 0, c = 0, h = 0, w = 0;
  CUDNN_CHECK(cudnnGetConvolution2dForwardOutputDim(plan->convolution.get(), plan->input.get(),
                                                    plan->weight.get(), &n, &c, &h, &w));
  HG_CHECK(n == shape.batch && c == shape.out_channels && h == shape.out_h && w == shape.out_w,
           "conv2d: cuDNN computes an output [", n, ", ", c, ", ", h, ", ", w,
           "] where hashgrad expects [", shape.batch, ", ", shape.out_channels, ", ", shape.out_h,
           ", ", shape.out_w, "]");
  return plan;
}

// The first algorithm in cuDNN's ranking that ran successfully in the heuristic, meets the math
// and determinism requirements and fits kMaxWorkspaceBytes.
template <typename Direction>
Choice<typename Direction::Algorithm> choose(const Plan& plan, const Conv2dShape& shape) {
  typename Direction::Performance results[Direction::kCount];
  int found = 0;
  // The descriptor still holds the math type of the last direction chosen or run; the ranking
  // must see the plan's own (FMA-only in strict fp32).
  CUDNN_CHECK(cudnnSetConvolutionMathType(plan.convolution.get(), plan.math));
  CUDNN_CHECK(Direction::rank(plan, &found, results));
  const bool deterministic_only = deterministic();
  const bool fma_only = plan.math == CUDNN_FMA_MATH;
  for (int i = 0; i < found; ++i) {
    const auto& result = results[i];
    if (result.status != CUDNN_STATUS_SUCCESS) continue;
    if (deterministic_only && result.determinism != CUDNN_DETERMINISTIC) continue;
    // Strict fp32 runs every candidate under FMA math, whatever math type the ranking reports
    // (cuDNN versions differ: FMA, or DEFAULT, which on Ampere and later permits TF32). One
    // that needs tensor cores fails the workspace query below.
    const bool tensor_op = result.mathType == CUDNN_TENSOR_OP_MATH ||
                           result.mathType == CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION;
    if (fma_only && tensor_op) continue;
    const cudnnMathType_t math = fma_only ? CUDNN_FMA_MATH : result.mathType;
    CUDNN_CHECK(cudnnSetConvolutionMathType(plan.convolution.get(), math));
    size_t bytes = 0;
    if (Direction::workspace(plan, result.algo, &bytes) != CUDNN_STATUS_SUCCESS) continue;
    if (bytes > kMaxWorkspaceBytes) continue;
    return {result.algo, math, bytes};
  }
  throw Error(::hg::detail::concat(
      "conv2d: cuDNN offers no ", Direction::kName, " algorithm for input [", shape.batch, ", ",
      shape.in_channels, ", ", shape.in_h, ", ", shape.in_w, "] and weight [", shape.out_channels,
      ", ", shape.group_in_channels(), ", ", shape.kernel_h, ", ", shape.kernel_w, "] (stride ",
      shape.stride, ", padding ", shape.padding, ", dilation ", shape.dilation, ", groups ",
      shape.groups, ")", fma_only ? " in strict fp32" : "",
      deterministic_only ? " that is deterministic" : "",
      plan.data_type == CUDNN_DATA_BFLOAT16
          ? " in bf16 (bf16 convolutions need compute capability 8.0 or later; precision = f32 "
            "runs them in f32)"
          : ""));
}

// Finds or builds the plan for (shape, T, layout, math mode, determinism), chooses the direction's
// algorithm on first use, reserves its workspace and calls
//   launch(plan, choice, workspace)
// under the cache's lock with the handle on `stream`.
template <typename Direction, typename T, typename Launch>
void with_plan(const Conv2dShape& shape, Conv2dLayout layout, cudaStream_t stream,
               Launch&& launch) {
  const cudnnMathType_t math = math_type<T>();
  const std::vector<int64_t> key = {cudnn_data_type<T>(),
                                    shape.batch,
                                    shape.in_channels,
                                    shape.in_h,
                                    shape.in_w,
                                    shape.out_channels,
                                    shape.kernel_h,
                                    shape.kernel_w,
                                    shape.stride,
                                    shape.padding,
                                    shape.dilation,
                                    shape.groups,
                                    static_cast<int64_t>(layout),
                                    math,
                                    deterministic()};
  Cache& state = cache();
  std::lock_guard<std::mutex> lock(state.mutex);
  auto found = state.plans.find(key);
  if (found == state.plans.end()) {
    found = state.plans.emplace(key, make_plan<T>(shape, layout, math)).first;
    state.stats.plans = static_cast<int64_t>(state.plans.size());
  }
  Plan& plan = *found->second;
  auto& choice = Direction::slot(plan);
  if (!choice) {
    choice = choose<Direction>(plan, shape);
    ++state.stats.algorithm_choices;
    state.stats.largest_need_bytes =
        std::max(state.stats.largest_need_bytes, choice->workspace_bytes);
  }
  CUDNN_CHECK(cudnnSetConvolutionMathType(plan.convolution.get(), choice->math));
  CUDNN_CHECK(cudnnSetStream(cudnn_handle(), stream));
  // A captured convolution runs in the same workspace at every replay of its graph, while the
  // shared one is given back to the cache when an eager call grows it: during a capture the
  // call has its own, from the graph's private pool (cuda/captured_graph.h).
  cudaStreamCaptureStatus capture = cudaStreamCaptureStatusNone;
  CUDA_CHECK(cudaStreamIsCapturing(stream, &capture));
  if (capture != cudaStreamCaptureStatusNone) {
    const ScratchBuffer own(choice->workspace_bytes);
    launch(plan, *choice, own.data);
    return;
  }
  launch(plan, *choice, reserve_workspace(state, choice->workspace_bytes));
}

}  // namespace

template <typename T>
void conv2d_forward(const T* x, const T* weight, const T* bias, T* y, const Conv2dShape& shape,
                    Conv2dLayout layout, cudaStream_t stream) {
  with_plan<Forward, T>(
      shape, layout, stream, [&](const Plan& plan, const auto& choice, void* workspace) {
        const CudnnScale<T> one = 1, zero = 0;  // y = 1·conv(x, w) + 0·y, then y = 1·bias + 1·y
        CUDNN_CHECK(cudnnConvolutionForward(cudnn_handle(), &one, plan.input.get(), x,
                                            plan.weight.get(), weight, plan.convolution.get(),
                                            choice.algorithm, workspace, choice.workspace_bytes,
                                            &zero, plan.output.get(), y));
        if (bias != nullptr)
          CUDNN_CHECK(cudnnAddTensor(cudnn_handle(), &one, plan.bias.get(), bias, &one,
                                     plan.output.get(), y));
      });
}

template <typename T>
void conv2d_backward_input(const T* grad_y, const T* weight, T* grad_x, const Conv2dShape& shape,
                           Conv2dLayout layout, cudaStream_t stream) {
  with_plan<BackwardInput, T>(
      shape, layout, stream, [&](const Plan& plan, const auto& choice, void* workspace) {
        const CudnnScale<T> one = 1, zero = 0;
        CUDNN_CHECK(cudnnConvolutionBackwardData(
            cudnn_handle(), &one, plan.weight.get(), weight, plan.output.get(), grad_y,
            plan.convolution.get(), choice.algorithm, workspace, choice.workspace_bytes, &zero,
            plan.input.get(), grad_x));
      });
}

template <typename T>
void conv2d_backward_weight(const T* grad_y, const T* x, T* grad_weight, const Conv2dShape& shape,
                            Conv2dLayout layout, cudaStream_t stream) {
  with_plan<BackwardWeight, T>(
      shape, layout, stream, [&](const Plan& plan, const auto& choice, void* workspace) {
        const CudnnScale<T> one = 1, zero = 0;
        CUDNN_CHECK(cudnnConvolutionBackwardFilter(
            cudnn_handle(), &one, plan.input.get(), x, plan.output.get(), grad_y,
            plan.convolution.get(), choice.algorithm, workspace, choice.workspace_bytes, &zero,
            plan.weight.get(), grad_weight));
      });
}

Conv2dPlanStats conv2d_plan_stats() {
  Cache& state = cache();
  std::lock_guard<std::mutex> lock(state.mutex);
  return state.stats;
}

#define HG_INSTANTIATE_CONV2D(T)                                                                   \
  template void conv2d_forward<T>(const T*, const T*, const T*, T*, const Conv2dShape&,            \
                                  Conv2dLayout, cudaStream_t);                                     \
  template void conv2d_backward_input<T>(const T*, const T*, T*, const Conv2dShape&, Conv2dLayout, \
                                         cudaStream_t);                                            \
  template void conv2d_backward_weight<T>(const T*, const T*, T*, const Conv2dShape&,              \
                                          Conv2dLayout, cudaStream_t);
HG_INSTANTIATE_CONV2D(float)
HG_INSTANTIATE_CONV2D(double)
HG_INSTANTIATE_CONV2D(bf16)
#undef HG_INSTANTIATE_CONV2D

}  // namespace hg::cuda
