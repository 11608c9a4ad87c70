// CpuHammingIndex (cpu_hamming_index.h): tiling, threads and counting selection around the popcount
// scan of hashing/cpu/popcount_scan.h.
//
// Work layout. Threads take blocks of queries (OpenMP, dynamic). A thread walks the database
// in tiles of ~32 KiB (an L1 data cache) and scans each tile for every query of its block, so a
// tile is read from memory once per block rather than once per query.
//
// Selection. Each query keeps candidate keys (distance, position) in position order, a
// histogram h[d] of their distances, and a limit: only codes with distance ≤ limit can still
// enter the result. The limit starts at `bits` (everything enters). After each tile, once k
// candidates are held, counting selection lowers it:
//   t = min { t : Σ_{d≤t} h[d] ≥ k }  (the k-th smallest distance held);   limit ← t − 1,
// because a later code at distance t has a higher position than the t-distance codes already
// held, so it loses the tie, and codes beyond t cannot enter at all. That costs O(bins), not
// O(candidates): candidates are only compacted, to the best k,
//   keep every candidate with d < t and the first k − Σ_{d<t} h[d] with d = t (lowest positions),
// when the buffer of k + slack + one tile fills up (slack = max(k, 1024)). Once the limit is
// tight the scan appends almost nothing. At the end a last compaction and a stable counting
// sort by distance order the survivors by (distance, position). Radius search is the same walk
// with the limit fixed at r.
#include <omp.h>

#include <algorithm>
#include <vector>

#include "core/host_allocator.h"
#include "hashing/cpu/popcount_scan.h"
#include "hashing/cpu_hamming_index.h"
#include "hashing/merge_row.h"

namespace hg::hashing {

namespace {

constexpr int64_t kTileBytes = 32 * 1024;
// Candidate memory a thread may hold for its block of queries.
constexpr int64_t kCandidateBytesPerThread = 64 << 20;
constexpr int64_t kMaxQueriesPerBlock = 64;
constexpr int64_t kMinimumSlack = 1024;

// Candidates of one query.
struct Selection {
  int limit = 0;
  memory::CachedVector<uint64_t> keys;
  int64_t size = 0;
  std::vector<int64_t> histogram;  // distances of keys[0, size)
};

// The k-th smallest distance held, or −1 when fewer than k candidates are held.
int kth_distance(const Selection& selection, int64_t keep) {
  int64_t cumulative = 0;
  for (int t = 0; t < static_cast<int>(selection.histogram.size()); ++t) {
    cumulative += selection.histogram[t];
    if (cumulative >= keep) return t;
  }
  return -1;
}

// Counts the keys appended from `first` on and lowers the limit (see the file comment).
void admit(Selection& selection, int64_t first, int64_t keep) {
  for (int64_t i = first; i < selection.size; ++i)
    ++selection.histogram[cpu::key_distance(selection.keys[i])];
  if (selection.size < keep) return;
  const int kth = kth_distance(selection, keep);
  if (kth >= 0) selection.limit = std::min(selection.limit, kth - 1);
}

// Compacts the candidates to the best `keep` (see the file comment).
void compact(Selection& selection, int64_t keep) {
  const int kth = kth_distance(selection, keep);
  if (kth < 0) return;
  int64_t ties_left = keep;
  for (int d = 0; d < kth; ++d) ties_left -= selection.histogram[d];
  int64_t kept = 0;
  // Branch-free: whether a candidate stays is data-dependent and unpredictable.
  for (int64_t i = 0; i < selection.size; ++i) {
    const uint64_t key = selection.keys[i];
    const int distance = cpu::key_distance(key);
    const bool tie = distance == kth;
    selection.keys[kept] = key;
    kept += (distance < kth) | (tie & (ties_left > 0));
    ties_left -= tie;
  }
  selection.size = kept;
  std::fill(selection.histogram.begin(), selection.histogram.end(), 0);
  admit(selection, 0, keep);
}

// Stable counting sort by distance into `sorted`: the candidates are in position order, so the
// result is in (distance, position) order.
void sort_by_distance(const Selection& selection, std::vector<int64_t>& histogram,
                      memory::CachedVector<uint64_t>& sorted) {
  std::fill(histogram.begin(), histogram.end(), 0);
  for (int64_t i = 0; i < selection.size; ++i) ++histogram[cpu::key_distance(selection.keys[i])];
  int64_t start = 0;
  for (int64_t& count : histogram) {
    int64_t next = start + count;
    count = start;
    start = next;
  }
  sorted.resize(static_cast<size_t>(selection.size));
  for (int64_t i = 0; i < selection.size; ++i) {
    uint64_t key = selection.keys[i];
    sorted[histogram[cpu::key_distance(key)]++] = key;
  }
}

// Walks the database for every query and calls emit(query, sorted keys, count) once per
// query. keep < 0 means "keep everything within the limit" (radius search); `limit` is the
// starting limit.
template <typename Emit>
void select_nearest(const PackedCodes& queries, const PackedCodes& database, int64_t keep,
                    int limit, Emit&& emit) {
  const int64_t words = database.words_per_code();
  const cpu::ScanFunction scan = cpu::scan_function(words);
  const int64_t tile_codes = std::max<int64_t>(
      cpu::kBlockCodes, kTileBytes / (8 * words) / cpu::kBlockCodes * cpu::kBlockCodes);
  const int threads = omp_get_max_threads();
  const int64_t slack = std::max<int64_t>(keep, kMinimumSlack);
  // A query never holds more candidates than the codes scanned, so the whole database bounds the
  // buffer (full rankings, keep = n, would otherwise hold twice the database).
  const int64_t capacity =
      keep >= 0 ? std::min(keep + slack + tile_codes, std::max<int64_t>(database.count, 1))
                : tile_codes;
  // Blocks big enough to reuse a tile many times, small enough that every thread gets work and
  // the candidate buffers stay within budget.
  int64_t block = std::min<int64_t>(kMaxQueriesPerBlock, (queries.count + threads - 1) / threads);
  block = std::max<int64_t>(1, std::min<int64_t>(block, kCandidateBytesPerThread / (8 * capacity)));
  const int64_t blocks = (queries.count + block - 1) / block;

#pragma omp parallel
  {
    std::vector<uint64_t> blocked(
        words == 1 ? 0 : static_cast<size_t>(cpu::blocked_words(tile_codes, words)));
    std::vector<Selection> selections(static_cast<size_t>(block));
    for (Selection& selection : selections) {
      selection.keys.resize(static_cast<size_t>(capacity));
      selection.histogram.resize(static_cast<size_t>(database.bits) + 1);
    }
    std::vector<int64_t> counts(static_cast<size_t>(database.bits) + 1);
    memory::CachedVector<uint64_t> sorted;

#pragma omp for schedule(dynamic)
    for (int64_t b = 0; b < blocks; ++b) {
      const int64_t first = b * block, last = std::min(queries.count, first + block);
      for (Selection& selection : selections) {
        selection.limit = limit;
        selection.size = 0;
        std::fill(selection.histogram.begin(), selection.histogram.end(), 0);
      }
      for (int64_t tile_start = 0; tile_start < database.count; tile_start += tile_codes) {
        const int64_t tile_count = std::min(tile_codes, database.count - tile_start);
        // One-word codes are already in the blocked layout; longer ones are re-laid per tile.
        const uint64_t* tile = database.code(tile_start);
        if (words > 1) {
          cpu::block_codes(tile, tile_count, words, blocked.data());
          tile = blocked.data();
        }
        for (int64_t q = first; q < last; ++q) {
          Selection& selection = selections[q - first];
          if (selection.limit < 0) continue;
          if (keep < 0 && selection.size + tile_count > static_cast<int64_t>(selection.keys.size()))
            selection.keys.resize(std::max(2 * selection.keys.size(),
                                           static_cast<size_t>(selection.size + tile_count)));
          if (keep >= 0 && selection.size + tile_count > capacity) compact(selection, keep);
          const int64_t held = selection.size;
          selection.size += scan(tile, tile_count, queries.code(q), selection.limit, tile_start,
                                 selection.keys.data() + held);
          if (keep >= 0 && selection.size > held) admit(selection, held, keep);
        }
      }
      for (int64_t q = first; q < last; ++q) {
        Selection& selection = selections[q - first];
        if (keep >= 0 && selection.size > keep) compact(selection, keep);
        sort_by_distance(selection, counts, sorted);
        emit(q, sorted.data(), selection.size);
      }
    }
  }
}

// The top-k rows of `queries` in `codes` (k ≥ 1), into `rows`, sized here.
void top_rows(const PackedCodes& queries, const PackedCodes& codes, int64_t k, SearchResult& rows) {
  rows.n_query = queries.count;
  rows.k = std::min(k, codes.count);
  // Every row is written in full below: resizing keeps the old contents and the capacity.
  rows.ids.resize(static_cast<size_t>(rows.n_query * rows.k));
  rows.distances.resize(rows.ids.size());
  select_nearest(queries, codes, rows.k, codes.bits,
                 [&](int64_t q, const uint64_t* keys, int64_t count) {
                   for (int64_t j = 0; j < count; ++j) {
                     rows.ids[q * rows.k + j] = cpu::key_position(keys[j]);
                     rows.distances[q * rows.k + j] = cpu::key_distance(keys[j]);
                   }
                 });
}

}  // namespace

CpuHammingIndex::CpuHammingIndex(const PackedCodes& database, size_t part_budget_bytes)
    : HammingIndex(database), part_codes_(database.count) {
  if (part_budget_bytes > 0)
    part_codes_ = std::clamp<int64_t>(
        static_cast<int64_t>(part_budget_bytes) / (database.words_per_code() * 8), 1,
        std::max<int64_t>(database.count, 1));
}

void CpuHammingIndex::search_rows(const PackedCodes& queries, SearchResult& result) const {
  const PackedCodes& codes = database();
  if (part_codes_ >= codes.count) return top_rows(queries, codes, result.k, result);
  std::vector<int64_t> lengths(static_cast<size_t>(result.n_query), 0);
  SearchResult part;
  for (int64_t start = 0; start < codes.count; start += part_codes_) {
    const int64_t count = std::min(part_codes_, codes.count - start);
    top_rows(queries, {codes.code(start), count, codes.bits}, result.k, part);
    merge_rows(result, lengths, part, start);
  }
}

RadiusResult CpuHammingIndex::search_within(const PackedCodes& queries, int radius) const {
  std::vector<std::vector<uint64_t>> rows(static_cast<size_t>(queries.count));
  select_nearest(
      queries, database(), -1, std::min(radius, database().bits),
      [&](int64_t q, const uint64_t* keys, int64_t count) { rows[q].assign(keys, keys + count); });
  RadiusResult result;
  result.n_query = queries.count;
  result.offsets.assign(1, 0);
  for (const auto& row : rows) result.offsets.push_back(result.offsets.back() + row.size());
  result.ids.resize(static_cast<size_t>(result.offsets.back()));
  result.distances.resize(result.ids.size());
  for (int64_t q = 0; q < queries.count; ++q)
    for (size_t j = 0; j < rows[q].size(); ++j) {
      result.ids[result.offsets[q] + j] = cpu::key_position(rows[q][j]);
      result.distances[result.offsets[q] + j] = cpu::key_distance(rows[q][j]);
    }
  return result;
}

}  // namespace hg::hashing
