// cuBLASLt GEMMs (cuda/matmul.h). Host code only: it describes each problem to cuBLASLt, which
// picks and launches the kernel, so it is compiled by the host compiler.
//
// Row-major through a column-major library. A row-major [r × c] matrix with row stride ld is,
// byte for byte, the column-major [c × r] matrix Xᵀ with leading dimension ld. So the
// row-major product D = A·B is computed as the column-major product
//   Dᵀ = Bᵀ · Aᵀ
// cuBLASLt's first operand is our B and its second our A, each with op N when it is row-major
// in memory and op T when it is a transposed view (row stride 1): no copy either way.
//
// Plans. Describing a problem (four descriptors) and asking the heuristic for an algorithm costs
// tens of microseconds, as much as a small GEMM. The first call with a given key (shapes,
// layouts, types, TF32, epilogue, pointer alignments) keeps the descriptors and the algorithm;
// later calls reuse them. A fixed algorithm per problem also makes results bitwise repeatable
// run to run on one GPU (cuBLAS's reproducibility guarantee), which is what deterministic mode
// asks of GEMMs, so that mode needs nothing more here.
#include "cuda/matmul.h"

#include <map>
#include <memory>
#include <mutex>
#include <type_traits>
#include <vector>

#include "cuda/bf16.h"
#include "cuda/handles.h"
#include "cuda/runtime.h"
#include "cuda/scratch_buffer.h"

namespace hg::cuda {

namespace {

// NVIDIA's recommended cuBLAS workspace on Hopper. It comes from the caching allocator, so
// asking for it every call costs a map lookup, not a cudaMalloc.
constexpr uint64_t kMaxWorkspaceBytes = 32u << 20;

template <typename T>
constexpr cudaDataType_t data_type();
template <>
constexpr cudaDataType_t data_type<float>() {
  return CUDA_R_32F;
}
template <>
constexpr cudaDataType_t data_type<double>() {
  return CUDA_R_64F;
}
template <>
constexpr cudaDataType_t data_type<bf16>() {
  return CUDA_R_16BF;
}

// The largest power of two (up to 256) dividing the address: the alignment the heuristic may
// assume. Its default is 256, which a view at an element offset does not have.
uint32_t alignment_of(const void* pointer) {
  auto address = reinterpret_cast<uintptr_t>(pointer);
  uint32_t alignment = 256;
  while (alignment > 1 && address % alignment != 0) alignment /= 2;
  return alignment;
}

// How cuBLASLt stores a row-major operand X [rows × columns] that it must read as Xᵀ.
struct ColumnMajor {
  cublasOperation_t operation;
  uint64_t stored_rows, stored_columns;
  int64_t leading_dimension;
};

template <typename T>
ColumnMajor column_major(const GemmOperand<T>& x, int64_t rows, int64_t columns) {
  if (x.column_stride == 1)  // row-major in memory: already Xᵀ in column-major terms
    return {CUBLAS_OP_N, static_cast<uint64_t>(columns), static_cast<uint64_t>(rows), x.row_stride};
  HG_CHECK(x.row_stride == 1, "cuda::gemm: an operand needs a unit row or column stride, got ",
           x.row_stride, " and ", x.column_stride);
  return {CUBLAS_OP_T, static_cast<uint64_t>(rows), static_cast<uint64_t>(columns),
          x.column_stride};
}

// Descriptors and algorithm of one problem; owns (and destroys) the descriptors.
struct Plan {
  cublasLtMatmulDesc_t operation = nullptr;
  cublasLtMatrixLayout_t first = nullptr, second = nullptr, output = nullptr;  // Bᵀ, Aᵀ, Dᵀ
  cublasLtMatmulAlgo_t algorithm{};
  size_t workspace_bytes = 0;

  Plan() = default;
  Plan(const Plan&) = delete;
  Plan& operator=(const Plan&) = delete;
  ~Plan() {  // statuses ignored: destroying a host-side descriptor cannot fail usefully
    if (output) cublasLtMatrixLayoutDestroy(output);
    if (second) cublasLtMatrixLayoutDestroy(second);
    if (first) cublasLtMatrixLayoutDestroy(first);
    if (operation) cublasLtMatmulDescDestroy(operation);
  }
};

void create_layout(cublasLtMatrixLayout_t* layout, cudaDataType_t type, uint64_t rows,
                   uint64_t columns, int64_t leading_dimension, int32_t batch_count,
                   int64_t batch_stride) {
  CUBLAS_CHECK(cublasLtMatrixLayoutCreate(layout, type, rows, columns, leading_dimension));
  if (batch_count == 1) return;
  CUBLAS_CHECK(cublasLtMatrixLayoutSetAttribute(*layout, CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT,
                                                &batch_count, sizeof batch_count));
  CUBLAS_CHECK(cublasLtMatrixLayoutSetAttribute(
      *layout, CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET, &batch_stride, sizeof batch_stride));
}

class PreferenceGuard {
 public:
  PreferenceGuard() { CUBLAS_CHECK(cublasLtMatmulPreferenceCreate(&preference_)); }
  ~PreferenceGuard() { cublasLtMatmulPreferenceDestroy(preference_); }
  PreferenceGuard(const PreferenceGuard&) = delete;
  PreferenceGuard& operator=(const PreferenceGuard&) = delete;
  template <typename Value>
  void set(cublasLtMatmulPreferenceAttributes_t attribute, Value value) {
    CUBLAS_CHECK(
        cublasLtMatmulPreferenceSetAttribute(preference_, attribute, &value, sizeof value));
  }
  cublasLtMatmulPreference_t get() const { return preference_; }

 private:
  cublasLtMatmulPreference_t preference_ = nullptr;
};

std::mutex plans_mutex;
// Never destroyed: plans live as long as the process, and tearing them down after the CUDA
// runtime at exit would gain nothing.
std::map<std::vector<int64_t>, std::unique_ptr<Plan>>& plans() {
  static auto* cache = new std::map<std::vector<int64_t>, std::unique_ptr<Plan>>();
  return *cache;
}

// One problem as cuBLASLt sees it: everything a plan depends on.
struct GemmProblem {
  int64_t m, n, k, batch_count;
  cublasComputeType_t compute;
  ColumnMajor first, second;  // Bᵀ [n × k], Aᵀ [k × m]
  int64_t first_batch_stride, second_batch_stride;
  uint32_t first_alignment, second_alignment, output_alignment;
  bool has_bias;
};

template <typename Input, typename Output>
std::vector<int64_t> plan_key(const GemmProblem& p) {
  return {data_type<Input>(),
          data_type<Output>(),
          p.compute,
          p.m,
          p.n,
          p.k,
          p.batch_count,
          p.first.operation,
          p.first.leading_dimension,
          p.first_batch_stride,
          p.first_alignment,
          p.second.operation,
          p.second.leading_dimension,
          p.second_batch_stride,
          p.second_alignment,
          p.output_alignment,
          p.has_bias};
}

// The descriptors of `p`, with the bias epilogue when it has a bias.
template <typename Input, typename Output, typename Scale>
void describe(const GemmProblem& p, const Output* bias, Plan& plan) {
  CUBLAS_CHECK(cublasLtMatmulDescCreate(&plan.operation, p.compute, data_type<Scale>()));
  int32_t first_operation = p.first.operation, second_operation = p.second.operation;
  CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(plan.operation, CUBLASLT_MATMUL_DESC_TRANSA,
                                              &first_operation, sizeof first_operation));
  CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(plan.operation, CUBLASLT_MATMUL_DESC_TRANSB,
                                              &second_operation, sizeof second_operation));
  if (bias != nullptr) {
    // Dᵀ's rows are D's columns: one bias value per output column, as a linear layer needs.
    cublasLtEpilogue_t epilogue = CUBLASLT_EPILOGUE_BIAS;
    CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(plan.operation, CUBLASLT_MATMUL_DESC_EPILOGUE,
                                                &epilogue, sizeof epilogue));
    CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(plan.operation, CUBLASLT_MATMUL_DESC_BIAS_POINTER,
                                                &bias, sizeof bias));
  }
  const int32_t count = static_cast<int32_t>(p.batch_count);
  create_layout(&plan.first, data_type<Input>(), p.first.stored_rows, p.first.stored_columns,
                p.first.leading_dimension, count, p.first_batch_stride);
  create_layout(&plan.second, data_type<Input>(), p.second.stored_rows, p.second.stored_columns,
                p.second.leading_dimension, count, p.second_batch_stride);
  create_layout(&plan.output, data_type<Output>(), p.n, p.m, p.n, count, p.m * p.n);
}

// Asks the heuristic for the best algorithm of a described plan.
void choose_algorithm(const GemmProblem& p, Plan& plan) {
  PreferenceGuard preference;
  preference.set(CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, kMaxWorkspaceBytes);
  preference.set(CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES, p.first_alignment);
  preference.set(CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES, p.second_alignment);
  preference.set(CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES, p.output_alignment);
  preference.set(CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES, p.output_alignment);
  cublasLtMatmulHeuristicResult_t result{};
  int found = 0;
  // "Nothing fits" comes back as CUBLAS_STATUS_NOT_SUPPORTED rather than found == 0.
  const cublasStatus_t status = cublasLtMatmulAlgoGetHeuristic(
      cublaslt_handle(), plan.operation, plan.first, plan.second, plan.output, plan.output,
      preference.get(), 1, &result, &found);
  HG_CHECK(status != CUBLAS_STATUS_NOT_SUPPORTED && (status != CUBLAS_STATUS_SUCCESS || found > 0),
           "cuda::gemm: cuBLASLt has no algorithm for [", p.m, ", ", p.k, "] x [", p.k, ", ", p.n,
           "] (batch ", p.batch_count, ") with these types and alignments");
  CUBLAS_CHECK(status);
  plan.algorithm = result.algo;
  plan.workspace_bytes = result.workspaceSize;
}

}  // namespace

template <typename Input, typename Output>
void gemm(int64_t m, int64_t n, int64_t k, int64_t batch_count, const GemmOperand<Input>& a,
          const GemmOperand<Input>& b, Output* d, const Output* bias, cudaStream_t stream) {
  HG_CHECK(m > 0 && n > 0 && k > 0 && batch_count > 0, "cuda::gemm: sizes must be positive, got m ",
           m, ", n ", n, ", k ", k, ", batch ", batch_count);
  HG_CHECK(batch_count <= INT32_MAX, "cuda::gemm: batch of ", batch_count,
           " matrices is more than cuBLASLt accepts");
  // f64 computes in f64; f32 and bf16 accumulate in f32, f32 inputs on TF32 tensor cores unless
  // strict fp32 is asked for (tests do).
  using Scale = std::conditional_t<std::is_same_v<Input, double>, double, float>;
  const cublasComputeType_t compute = std::is_same_v<Input, double> ? CUBLAS_COMPUTE_64F
                                      : std::is_same_v<Input, float> && !strict_fp32()
                                          ? CUBLAS_COMPUTE_32F_FAST_TF32
                                          : CUBLAS_COMPUTE_32F;
  // cuBLASLt takes no alignment preference for the bias, and its epilogue kernels may assume 16
  // bytes (PyTorch met "misaligned address" with a sliced bias): a bias off that boundary is
  // copied to a fresh block, which the allocator aligns to 256.
  ScratchBuffer aligned_bias(bias != nullptr && alignment_of(bias) < 16 ? n * sizeof(Output) : 0);
  if (aligned_bias.data != nullptr) {
    CUDA_CHECK(cudaMemcpyAsync(aligned_bias.data, bias, n * sizeof(Output),
                               cudaMemcpyDeviceToDevice, stream));
    bias = static_cast<const Output*>(aligned_bias.data);
  }
  const GemmProblem problem{m,
                            n,
                            k,
                            batch_count,
                            compute,
                            column_major(b, k, n),
                            column_major(a, m, k),
                            b.batch_stride,
                            a.batch_stride,
                            alignment_of(b.data),
                            alignment_of(a.data),
                            alignment_of(d),
                            bias != nullptr};

  std::lock_guard<std::mutex> lock(plans_mutex);
  std::unique_ptr<Plan>& plan = plans()[plan_key<Input, Output>(problem)];
  if (!plan) {
    auto created = std::make_unique<Plan>();
    describe<Input, Output, Scale>(problem, bias, *created);
    choose_algorithm(problem, *created);
    plan = std::move(created);
  } else if (bias != nullptr) {  // same plan, maybe another vector (aligned to 16 above)
    CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(plan->operation, CUBLASLT_MATMUL_DESC_BIAS_POINTER,
                                                &bias, sizeof bias));
  }

  const Scale alpha = 1, beta = 0;
  ScratchBuffer workspace(plan->workspace_bytes);
  CUBLAS_CHECK(cublasLtMatmul(cublaslt_handle(), plan->operation, &alpha, b.data, plan->first,
                              a.data, plan->second, &beta, d, plan->output, d, plan->output,
                              &plan->algorithm, workspace.data, plan->workspace_bytes, stream));
}

template void gemm<float, float>(int64_t, int64_t, int64_t, int64_t, const GemmOperand<float>&,
                                 const GemmOperand<float>&, float*, const float*, cudaStream_t);
template void gemm<double, double>(int64_t, int64_t, int64_t, int64_t, const GemmOperand<double>&,
                                   const GemmOperand<double>&, double*, const double*,
                                   cudaStream_t);
template void gemm<bf16, bf16>(int64_t, int64_t, int64_t, int64_t, const GemmOperand<bf16>&,
                               const GemmOperand<bf16>&, bf16*, const bf16*, cudaStream_t);
template void gemm<bf16, float>(int64_t, int64_t, int64_t, int64_t, const GemmOperand<bf16>&,
                                const GemmOperand<bf16>&, float*, const float*, cudaStream_t);

}  // namespace hg::cuda
