// CUDA Hamming search with the top-k selection fused into the scan. CPU twin (identical
// results): hashing/cpu_hamming_index.cpp.
//
//   d(q, x) = Σ_w popc(q_w XOR x_w)    for every query q and database code x
//
// Top-k in three kernels, no sort anywhere:
//   1. histogram  count[q][c][d] = #{x in chunk c : d(q, x) = d}, for d ≤ limit_q
//   2. plan       t_q = min { t : Σ_{d≤t} Σ_c count[q][c][d] ≥ k }  (the k-th distance), and the
//                 counts become output slots: slot[q][c][d] = Σ_{d'<d} Σ_c' count[q][c'][d']
//                                                            + Σ_{c'<c} count[q][c'][d]
//   3. collect    re-scan; code x of chunk c with d = d(q, x) ≤ t_q takes slot[q][c][d] plus its
//                 rank among the equal-distance codes of chunk c before it. Slots ≥ k are
//                 dropped: they are the ties at t_q with the highest positions.
// So row q ends up sorted by (distance, position), exactly as the CPU's counting sort.
//
// The limit. Counting every pair costs a shared-memory atomic per pair; counting only
// d ≤ limit_q costs almost none. limit_q comes from a first histogram over a strided sample
// (every s-th code): the smallest distance whose sample count, scaled by s, is about twice k.
// If the sample misled (the full count within limit_q is < k), the plan flags the query and
// steps 1–2 run again for it with limit = bits. Radius search is steps 1–3 with
// limit = t = r and k_q = the count within r.
//
// Thread mapping (kernels 1 and 3). A block takes one chunk of the database and a group of
// kWarps·R queries; each warp owns R of them (R = 4, 2, 1 for ≤ 4, ≤ 8, ≤ 16 words, so the R·W
// query words sit in registers). The block stages tiles of its chunk in shared memory,
// word-major so the lanes' reads hit distinct banks; lane l takes tile codes l, l + 32, ...
// and computes their distances to the warp's R queries. Each word read from shared memory
// serves R queries, each tile read from global memory serves kWarps·R. Kernel 3 visits a
// chunk's codes in position order, 32 per warp step; hits of equal distance within a step are
// ranked by lane (__match_any_sync), so slots follow positions.
#include <algorithm>
#include <climits>
#include <type_traits>

#include "cuda/check.h"
#include "cuda/copy.h"
#include "cuda/grid_stride.h"
#include "cuda/hamming_search.h"
#include "cuda/runtime.h"
#include "cuda/scratch_buffer.h"

namespace hg::cuda {

namespace {

constexpr int kWarps = 8;
constexpr int kThreads = kWarps * 32;
constexpr int kGroupsPerLaunchLimit = 65535;
constexpr int64_t kQueryBatch = 8192;
constexpr unsigned kFullMask = 0xFFFFFFFFu;

// Queries per warp and codes per shared-memory tile (8 KiB, a multiple of 32 codes).
constexpr int queries_per_warp(int words) { return words <= 4 ? 4 : words <= 8 ? 2 : 1; }
constexpr int tile_codes(int words) { return (1024 / words) / 32 * 32; }
static_assert(kQueryBatch / (kWarps * queries_per_warp(16)) <= kGroupsPerLaunchLimit,
              "a query batch must fit in the grid's y dimension");

template <typename T>
__device__ __forceinline__ T smaller(T a, T b) {
  return a < b ? a : b;
}

template <int kWords>
__device__ __forceinline__ int code_distance(const uint64_t (&x)[kWords],
                                             const uint64_t (&q)[kWords]) {
  int distance = 0;
#pragma unroll
  for (int w = 0; w < kWords; ++w) distance += __popcll(x[w] ^ q[w]);
  return distance;
}

// The R queries of this warp, in registers; `present` is false past the last query.
template <int kWords, int kR>
__device__ __forceinline__ void load_queries(const HammingProblem& problem, int64_t first,
                                             uint64_t (&q)[kR][kWords], bool (&present)[kR]) {
#pragma unroll
  for (int r = 0; r < kR; ++r) {
    present[r] = first + r < problem.n_query;
#pragma unroll
    for (int w = 0; w < kWords; ++w)
      q[r][w] = present[r] ? problem.queries[(first + r) * kWords + w] : 0;
  }
}

// Copies codes begin, begin + stride, ... (tile_count of them) to shared memory, word-major.
template <int kWords>
__device__ __forceinline__ void stage_tile(const uint64_t* database, int64_t begin, int64_t stride,
                                           int tile_count, uint64_t* tile) {
  for (int e = threadIdx.x; e < tile_count * kWords; e += blockDim.x) {
    int t = e / kWords, w = e % kWords;
    tile[w * tile_codes(kWords) + t] = database[(begin + t * stride) * kWords + w];
  }
}

// Kernel 1: count[q][chunk][d] for d ≤ limits[q], over the codes chunk_begin + j·stride of
// each chunk. Queries with a negative limit are left alone (their counts are not written).
template <int kWords>
__global__ void __launch_bounds__(kThreads)
    histogram_kernel(HammingProblem problem, int64_t chunk_codes, int chunks, int64_t stride,
                     const int* limits, int bins, int* counts) {
  constexpr int kR = queries_per_warp(kWords);
  constexpr int kTile = tile_codes(kWords);
  extern __shared__ uint64_t shared[];
  uint64_t* tile = shared;
  int* histograms = reinterpret_cast<int*>(shared + kWords * kTile);  // kWarps·R rows of bins

  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int64_t group_first = static_cast<int64_t>(blockIdx.y) * kWarps * kR;
  uint64_t q[kR][kWords];
  bool present[kR];
  load_queries<kWords, kR>(problem, group_first + warp * kR, q, present);
  int limit[kR];
#pragma unroll
  for (int r = 0; r < kR; ++r) limit[r] = present[r] ? limits[group_first + warp * kR + r] : -1;
  for (int i = threadIdx.x; i < kWarps * kR * bins; i += blockDim.x) histograms[i] = 0;

  const int64_t begin = blockIdx.x * chunk_codes;
  const int64_t end = smaller(problem.n_database, begin + chunk_codes);
  const int64_t sampled = (end - begin + stride - 1) / stride;
  for (int64_t first = 0; first < sampled; first += kTile) {
    const int tile_count = static_cast<int>(smaller<int64_t>(kTile, sampled - first));
    __syncthreads();  // the previous tile is consumed (and the histograms are zeroed)
    stage_tile<kWords>(problem.database, begin + first * stride, stride, tile_count, tile);
    __syncthreads();
    for (int t = lane; t < tile_count; t += 32) {
      uint64_t x[kWords];
#pragma unroll
      for (int w = 0; w < kWords; ++w) x[w] = tile[w * kTile + t];
#pragma unroll
      for (int r = 0; r < kR; ++r) {
        int distance = code_distance<kWords>(x, q[r]);
        if (distance <= limit[r]) atomicAdd(&histograms[(warp * kR + r) * bins + distance], 1);
      }
    }
  }
  __syncthreads();
  for (int i = threadIdx.x; i < kWarps * kR * bins; i += blockDim.x) {
    int64_t query = group_first + i / bins;
    if (query < problem.n_query && limits[query] >= 0)
      counts[(query * chunks + blockIdx.x) * bins + i % bins] = histograms[i];
  }
}

// Σ_c count[q][c][d]
__device__ int64_t total_at(const int* counts, int64_t query, int chunks, int bins, int d) {
  int64_t total = 0;
  for (int c = 0; c < chunks; ++c) total += counts[(query * chunks + c) * bins + d];
  return total;
}

// From sample counts to limits: the smallest d whose cumulative sample count reaches `target`
// (one thread per query).
__global__ void estimate_limits_kernel(const int* counts, int64_t n_query, int chunks, int bins,
                                       double target, int* limits) {
  HG_GRID_STRIDE_LOOP(query, n_query) {
    int64_t cumulative = 0;
    int limit = bins - 1;
    for (int d = 0; d < bins; ++d) {
      cumulative += total_at(counts, query, chunks, bins, d);
      if (static_cast<double>(cumulative) >= target) {
        limit = d;
        break;
      }
    }
    limits[query] = limit;
  }
}

// Kernel 2 (one thread per query with limits[q] ≥ 0). Top-k (k ≥ 0): finds t_q, or, when fewer
// than k codes lie within the limit, sets limits[q] = bins − 1 and counts a retry. Radius
// (k < 0): t_q = limit, row length = the count within it. Then turns counts into slots and
// marks the query done (limits[q] = −1).
__global__ void plan_kernel(int* counts, int64_t n_query, int chunks, int bins, int* limits,
                            int64_t k, int* thresholds, int64_t* row_lengths, int64_t* row_starts,
                            int* retries) {
  HG_GRID_STRIDE_LOOP(query, n_query) {
    const int limit = limits[query];
    if (limit < 0) continue;
    int threshold = limit;
    int64_t length = 0;
    for (int d = 0; d <= limit; ++d) {
      length += total_at(counts, query, chunks, bins, d);
      if (k >= 0 && length >= k) {
        threshold = d;
        break;
      }
    }
    if (k >= 0 && length < k && limit < bins - 1) {
      limits[query] = bins - 1;
      atomicAdd(retries, 1);
      continue;
    }
    if (k >= 0) {
      length = k;
      row_starts[query] = query * k;
    }
    int64_t running = 0;
    for (int d = 0; d <= threshold; ++d)
      for (int c = 0; c < chunks; ++c) {
        int* slot = &counts[(query * chunks + c) * bins + d];
        int count = *slot;
        *slot = static_cast<int>(running);
        running += count;
      }
    thresholds[query] = threshold;
    row_lengths[query] = length;
    limits[query] = -1;
  }
}

// Kernel 3: writes every code within t_q to its slot (see the file comment).
template <int kWords>
__global__ void __launch_bounds__(kThreads)
    collect_kernel(HammingProblem problem, int64_t chunk_codes, int chunks, int bins,
                   const int* thresholds, int* slots, const int64_t* row_starts,
                   const int64_t* row_lengths, int64_t* ids, int32_t* distances) {
  constexpr int kR = queries_per_warp(kWords);
  constexpr int kTile = tile_codes(kWords);
  extern __shared__ uint64_t shared[];
  uint64_t* tile = shared;

  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const unsigned lanes_before = (1u << lane) - 1u;
  const int64_t first_query = static_cast<int64_t>(blockIdx.y) * kWarps * kR + warp * kR;
  uint64_t q[kR][kWords];
  bool present[kR];
  load_queries<kWords, kR>(problem, first_query, q, present);
  int threshold[kR];
  int64_t row_start[kR], row_length[kR];
#pragma unroll
  for (int r = 0; r < kR; ++r) {
    threshold[r] = present[r] ? thresholds[first_query + r] : -1;
    row_start[r] = present[r] ? row_starts[first_query + r] : 0;
    row_length[r] = present[r] ? row_lengths[first_query + r] : 0;
  }

  const int64_t begin = blockIdx.x * chunk_codes;
  const int64_t end = smaller(problem.n_database, begin + chunk_codes);
  for (int64_t tile_first = begin; tile_first < end; tile_first += kTile) {
    const int tile_count = static_cast<int>(smaller<int64_t>(kTile, end - tile_first));
    __syncthreads();
    stage_tile<kWords>(problem.database, tile_first, 1, tile_count, tile);
    __syncthreads();
    // Warp-uniform trip count: every lane takes part in the ballots and matches.
    for (int step = 0; step < tile_count; step += 32) {
      const int t = step + lane;
      const bool inside = t < tile_count;
      uint64_t x[kWords];
#pragma unroll
      for (int w = 0; w < kWords; ++w) x[w] = inside ? tile[w * kTile + t] : 0;
#pragma unroll
      for (int r = 0; r < kR; ++r) {
        const int distance = code_distance<kWords>(x, q[r]);
        const bool hit = inside && distance <= threshold[r];
        if (__ballot_sync(kFullMask, hit) == 0) continue;
        const unsigned same = __match_any_sync(kFullMask, hit ? distance : -1);
        volatile int* slot =
            hit ? &slots[((first_query + r) * chunks + blockIdx.x) * bins + distance] : nullptr;
        const int mine = hit ? *slot + __popc(same & lanes_before) : 0;
        __syncwarp();
        if (hit) {
          if ((same & lanes_before) == 0) *slot = *slot + __popc(same);
          if (mine < row_length[r]) {
            ids[row_start[r] + mine] = tile_first + t;
            distances[row_start[r] + mine] = distance;
          }
        }
        __syncwarp();
      }
    }
  }
}

// How one batch of queries is cut into blocks.
struct Geometry {
  int groups = 1;  // query groups (grid y)
  int chunks = 1;  // database chunks (grid x)
  int64_t chunk_codes = 0;
  int bins = 0;
};

template <int kWords>
Geometry plan_geometry(const HammingProblem& problem) {
  constexpr int kQueriesPerBlock = kWarps * queries_per_warp(kWords);
  const int processors = compute_units().multiprocessors;
  Geometry geometry;
  geometry.groups = static_cast<int>((problem.n_query + kQueriesPerBlock - 1) / kQueriesPerBlock);
  // Enough blocks to fill the GPU four times over even for a handful of queries.
  const int64_t tiles = (problem.n_database + tile_codes(kWords) - 1) / tile_codes(kWords);
  const int64_t wanted = (4LL * processors + geometry.groups - 1) / geometry.groups;
  const int64_t chunks = std::clamp<int64_t>(wanted, 1, std::max<int64_t>(tiles, 1));
  const int64_t tiles_per_chunk = (tiles + chunks - 1) / chunks;
  geometry.chunk_codes = std::max<int64_t>(tiles_per_chunk, 1) * tile_codes(kWords);
  geometry.chunks =
      static_cast<int>((problem.n_database + geometry.chunk_codes - 1) / geometry.chunk_codes);
  geometry.chunks = std::max(geometry.chunks, 1);
  geometry.bins = problem.bits + 1;
  return geometry;
}

template <int kWords>
size_t histogram_shared_bytes(int bins) {
  return kWords * tile_codes(kWords) * sizeof(uint64_t) +
         kWarps * queries_per_warp(kWords) * bins * sizeof(int);
}

// Workspace for a batch of up to kQueryBatch queries.
struct Workspace {
  Workspace(int64_t queries, int chunks, int bins)
      : counts(static_cast<size_t>(queries) * chunks * bins),
        limits(queries),
        thresholds(queries),
        row_lengths(queries),
        row_starts(queries),
        retries(1) {}
  ScratchArray<int> counts, limits, thresholds;
  ScratchArray<int64_t> row_lengths, row_starts;
  ScratchArray<int> retries;
};

template <int kWords>
void histogram(const HammingProblem& problem, const Geometry& geometry, int64_t stride,
               Workspace& workspace, cudaStream_t stream) {
  dim3 grid(geometry.chunks, geometry.groups);
  histogram_kernel<kWords>
      <<<grid, kThreads, histogram_shared_bytes<kWords>(geometry.bins), stream>>>(
          problem, geometry.chunk_codes, geometry.chunks, stride, workspace.limits.get(),
          geometry.bins, workspace.counts.get());
  CUDA_CHECK_LAUNCH();
}

// Runs kernel 2; returns how many queries asked for a retry (synchronises).
int plan(const HammingProblem& problem, const Geometry& geometry, int64_t k, Workspace& workspace,
         cudaStream_t stream) {
  CUDA_CHECK(cudaMemsetAsync(workspace.retries.get(), 0, sizeof(int), stream));
  plan_kernel<<<blocks_for(problem.n_query), kThreadsPerBlock, 0, stream>>>(
      workspace.counts.get(), problem.n_query, geometry.chunks, geometry.bins,
      workspace.limits.get(), k, workspace.thresholds.get(), workspace.row_lengths.get(),
      workspace.row_starts.get(), workspace.retries.get());
  CUDA_CHECK_LAUNCH();
  int retries = 0;
  CUDA_CHECK(cudaMemcpyAsync(&retries, workspace.retries.get(), sizeof(int), cudaMemcpyDeviceToHost,
                             stream));
  CUDA_CHECK(cudaStreamSynchronize(stream));
  return retries;
}

template <int kWords>
void collect(const HammingProblem& problem, const Geometry& geometry, Workspace& workspace,
             int64_t* ids, int32_t* distances, cudaStream_t stream) {
  dim3 grid(geometry.chunks, geometry.groups);
  collect_kernel<kWords>
      <<<grid, kThreads, kWords * tile_codes(kWords) * sizeof(uint64_t), stream>>>(
          problem, geometry.chunk_codes, geometry.chunks, geometry.bins, workspace.thresholds.get(),
          workspace.counts.get(), workspace.row_starts.get(), workspace.row_lengths.get(), ids,
          distances);
  CUDA_CHECK_LAUNCH();
}

template <int kWords>
void topk_batch(const HammingProblem& problem, int64_t k, int64_t* ids, int32_t* distances,
                cudaStream_t stream) {
  Geometry geometry = plan_geometry<kWords>(problem);
  Workspace workspace(problem.n_query, geometry.chunks, geometry.bins);
  const int64_t n_query = problem.n_query;
  // A sample of every stride-th code holds about k/stride codes within the k-th distance;
  // asking for twice that (plus a few) makes a limit whose full count is very likely ≥ k.
  const int64_t stride = problem.sample_stride > 0
                             ? problem.sample_stride
                             : std::clamp<int64_t>(problem.n_database / (16 * k), 1, 64);
  fill<int>(workspace.limits.get(), problem.bits, n_query, stream);
  if (stride > 1) {
    histogram<kWords>(problem, geometry, stride, workspace, stream);
    const double target = 2.0 * static_cast<double>(k) / static_cast<double>(stride) + 8.0;
    estimate_limits_kernel<<<blocks_for(n_query), kThreadsPerBlock, 0, stream>>>(
        workspace.counts.get(), n_query, geometry.chunks, geometry.bins, target,
        workspace.limits.get());
    CUDA_CHECK_LAUNCH();
  }
  histogram<kWords>(problem, geometry, 1, workspace, stream);
  if (plan(problem, geometry, k, workspace, stream) > 0) {
    histogram<kWords>(problem, geometry, 1, workspace, stream);
    plan(problem, geometry, k, workspace, stream);
  }
  collect<kWords>(problem, geometry, workspace, ids, distances, stream);
}

template <int kWords>
void radius_batch(const HammingProblem& problem, int radius, std::vector<int64_t>& row_offsets,
                  std::vector<int64_t>& ids, std::vector<int32_t>& distances, cudaStream_t stream) {
  Geometry geometry = plan_geometry<kWords>(problem);
  Workspace workspace(problem.n_query, geometry.chunks, geometry.bins);
  const int64_t n_query = problem.n_query;
  fill<int>(workspace.limits.get(), std::min(radius, problem.bits), n_query, stream);
  histogram<kWords>(problem, geometry, 1, workspace, stream);
  plan(problem, geometry, -1, workspace, stream);
  std::vector<int64_t> lengths(static_cast<size_t>(n_query));
  CUDA_CHECK(cudaMemcpyAsync(lengths.data(), workspace.row_lengths.get(),
                             lengths.size() * sizeof(int64_t), cudaMemcpyDeviceToHost, stream));
  CUDA_CHECK(cudaStreamSynchronize(stream));
  std::vector<int64_t> starts(lengths.size());
  int64_t total = 0;
  for (size_t q = 0; q < lengths.size(); ++q) {
    starts[q] = total;
    total += lengths[q];
  }
  const int64_t base = row_offsets.back();
  for (size_t q = 0; q < lengths.size(); ++q) row_offsets.push_back(base + starts[q] + lengths[q]);
  if (total == 0) return;  // nothing within the radius: no collect, no (null-pointer) copies
  CUDA_CHECK(cudaMemcpyAsync(workspace.row_starts.get(), starts.data(),
                             starts.size() * sizeof(int64_t), cudaMemcpyHostToDevice, stream));
  ScratchArray<int64_t> batch_ids(static_cast<size_t>(total));
  ScratchArray<int32_t> batch_distances(static_cast<size_t>(total));
  collect<kWords>(problem, geometry, workspace, batch_ids.get(), batch_distances.get(), stream);
  ids.resize(static_cast<size_t>(base + total));
  distances.resize(static_cast<size_t>(base + total));
  CUDA_CHECK(cudaMemcpyAsync(ids.data() + base, batch_ids.get(), total * sizeof(int64_t),
                             cudaMemcpyDeviceToHost, stream));
  CUDA_CHECK(cudaMemcpyAsync(distances.data() + base, batch_distances.get(),
                             total * sizeof(int32_t), cudaMemcpyDeviceToHost, stream));
  CUDA_CHECK(cudaStreamSynchronize(stream));
}

// Calls body(std::integral_constant<int, W>) for the run-time word count W (1..16).
template <int kWords = 1, typename Body>
void dispatch_words(int words, Body&& body) {
  if constexpr (kWords <= 16) {
    if (words == kWords) return body(std::integral_constant<int, kWords>{});
    dispatch_words<kWords + 1>(words, std::forward<Body>(body));
  }
}

void check_problem(const HammingProblem& problem) {
  HG_CHECK(problem.words >= 1 && problem.words <= 16 && problem.bits >= 1 &&
               problem.bits <= 64 * problem.words,
           "cuda::hamming: ", problem.bits, "-bit codes in ", problem.words,
           " words are not supported (1 to 16 words)");
  HG_CHECK(problem.n_database >= 0 && problem.n_database <= INT_MAX,
           "cuda::hamming: ", problem.n_database,
           " database codes in one part; stream parts of at most ", INT_MAX);
}

// The queries [first, first + count) of `problem`.
HammingProblem query_batch(const HammingProblem& problem, int64_t first, int64_t count) {
  HammingProblem batch = problem;
  batch.queries = problem.queries + first * problem.words;
  batch.n_query = count;
  return batch;
}

}  // namespace

void hamming_topk(const HammingProblem& problem, int64_t k, int64_t* ids, int32_t* distances,
                  cudaStream_t stream) {
  check_problem(problem);
  HG_CHECK(k >= 1 && k <= problem.n_database, "cuda::hamming_topk: k = ", k, " must lie in 1..",
           problem.n_database, " (the database size)");
  dispatch_words(problem.words, [&](auto words) {
    constexpr int kWords = decltype(words)::value;
    for (int64_t first = 0; first < problem.n_query; first += kQueryBatch) {
      const int64_t count = std::min(kQueryBatch, problem.n_query - first);
      topk_batch<kWords>(query_batch(problem, first, count), k, ids + first * k,
                         distances + first * k, stream);
    }
  });
}

void hamming_radius(const HammingProblem& problem, int radius, std::vector<int64_t>& row_offsets,
                    std::vector<int64_t>& ids, std::vector<int32_t>& distances,
                    cudaStream_t stream) {
  check_problem(problem);
  HG_CHECK(radius >= 0, "cuda::hamming_radius: radius must be >= 0, got ", radius);
  row_offsets.assign(1, 0);
  ids.clear();
  distances.clear();
  dispatch_words(problem.words, [&](auto words) {
    constexpr int kWords = decltype(words)::value;
    for (int64_t first = 0; first < problem.n_query; first += kQueryBatch) {
      const int64_t count = std::min(kQueryBatch, problem.n_query - first);
      radius_batch<kWords>(query_batch(problem, first, count), radius, row_offsets, ids, distances,
                           stream);
    }
  });
}

size_t hamming_database_budget() {
  size_t free_bytes = 0, total_bytes = 0;
  CUDA_CHECK(cudaMemGetInfo(&free_bytes, &total_bytes));
  return free_bytes / 2;
}

}  // namespace hg::cuda
