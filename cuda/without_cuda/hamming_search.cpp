// cuda/hamming_search.h in a CPU-only build (see built_without_cuda.h).
#include "cuda/hamming_search.h"

#include "cuda/without_cuda/built_without_cuda.h"

namespace hg::cuda {

void hamming_topk(const HammingProblem&, int64_t, int64_t*, int32_t*, Stream) {
  built_without_cuda("cuda::hamming_topk");
}
void hamming_radius(const HammingProblem&, int, std::vector<int64_t>&, std::vector<int64_t>&,
                    std::vector<int32_t>&, Stream) {
  built_without_cuda("cuda::hamming_radius");
}
size_t hamming_database_budget() { built_without_cuda("cuda::hamming_database_budget"); }

}  // namespace hg::cuda
