// Cache-blocked, OpenMP-parallel GEMM for the CPU (tensor/cpu/matmul.h):
//
//   C_b = (accumulate ? C_b : 0) + bias + A_b · B_b      for each matrix pair b of a batch
//
// (bias, optional, is one value per column, added by the micro-kernel as it first writes C: the
// CPU twin of cuBLASLt's bias epilogue.)
//
// The structure is GotoBLAS/BLIS's (Goto & van de Geijn, "Anatomy of high-performance matrix
// multiplication", 2008): three levels of blocking, each operand sized for the cache level it
// is read from, around a small register-tiled micro-kernel.
//
//   parallel for each task = (row block of mc rows, range of columns):   threads take tasks
//     for jc in steps of nc:                       within the task's columns
//       for pc in steps of kc:                     the summed dimension
//         pack B[pc:pc+kc, jc:jc+nc] into panels of NR columns          (L3)
//         pack A[ic:ic+mc, pc:pc+kc] into panels of MR rows             (L2)
//         for jr in steps of NR:                   B micro-panel [kc × NR] stays in L1
//           for ir in steps of MR:                 micro-kernel: C[MR × NR] += A panel · B panel
//
// Packing copies each block into the order the micro-kernel reads it, zero-padded to whole
// panels. The kernel's loads are then unit-stride and unconditional whatever the operands'
// strides were, which is why a transposed or sliced view costs nothing extra.
//
// The micro-kernel keeps an MR × NR tile of C in vector registers for the whole depth kc. Per
// step p it loads NR values of B (2-4 vectors), broadcasts MR values of A and does MR·NR
// multiply-adds. It is written as plain loops; the compiler unrolls and vectorises them. The
// hot loops are compiled once per vector width (AVX-512, AVX2+FMA, baseline x86-64 SSE2) with
// target attributes, and the widest one the running CPU supports is chosen once.
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <memory>

#include "core/error.h"
#include "tensor/cpu/matmul.h"

namespace hg::cpu {

namespace {

// The register tile for one element type and vector width: 4 rows of A × 4 vectors of B with
// AVX-512 (16 accumulators, 4 B vectors, 4 broadcasts: 24 of 32 registers), 4 rows × 3 vectors
// with 16 registers (AVX2, SSE). These measured fastest on a Sapphire Rapids core; larger tiles
// made GCC hoist every broadcast and spill accumulators to the stack inside the depth loop.
// 12-16 independent accumulators cover the FMA latency × ports (4 × 2) that keep both units busy.
template <typename T, int VectorBytes, bool HasFma>
struct Tile {
  static constexpr int kLanes = VectorBytes / static_cast<int>(sizeof(T));
  static constexpr int kColumns = (VectorBytes == 64 ? 4 : 3) * kLanes;  // NR
  static constexpr int kRows = 4;                                        // MR
  static constexpr bool kFused = HasFma;  // std::fma is one instruction, not a libm call
};

// Cache blocks, in elements. The B micro-panel kc·NR is reused by every micro-kernel of a
// block; the A block mc·kc (≤ 512 KiB) stays in the 1-2 MiB L2; kc·nc of B is shared by the
// threads from L3. kc = 256 measured best for both f32 and f64.
constexpr int64_t kDepthBlock = 256;   // kc
constexpr int64_t kRowBlock = 256;     // largest mc
constexpr int64_t kMinRowBlock = 128;  // smallest mc when rows are split among threads
constexpr int64_t kTasksPerThread = 4;
constexpr int64_t kColumnBlock = 4096;  // nc, rounded down to NR

// Below this many multiply-adds a product runs on one thread: waking the team costs more.
constexpr int64_t kParallelWork = 64 * 64 * 64;

int64_t round_up(int64_t value, int64_t multiple) {
  return (value + multiple - 1) / multiple * multiple;
}

// A grow-only 64-byte-aligned buffer, one per thread and role, so that in steady state a
// GEMM allocates nothing.
class Scratch {
 public:
  template <typename T>
  T* get(int64_t count) {
    size_t bytes = static_cast<size_t>(round_up(count * static_cast<int64_t>(sizeof(T)), 64));
    if (bytes > capacity_) {
      void* memory = std::aligned_alloc(64, bytes);
      HG_CHECK(memory != nullptr, "matmul: out of host memory for a ", bytes,
               "-byte packing buffer");
      memory_.reset(memory);
      capacity_ = bytes;
    }
    return static_cast<T*>(memory_.get());
  }

 private:
  struct Free {
    void operator()(void* pointer) const { std::free(pointer); }
  };
  std::unique_ptr<void, Free> memory_;
  size_t capacity_ = 0;
};

thread_local Scratch packed_a_scratch, packed_b_scratch;

// One matrix pair of the batch, its operands already offset to this pair.
template <typename T>
struct Problem {
  int64_t m, n, k;
  const T* a;
  int64_t a_row_stride, a_column_stride;
  const T* b;
  int64_t b_row_stride, b_column_stride;
  T* c;           // rows of n, contiguous
  const T* bias;  // [n] or null
  bool accumulate;
};

// Copies a depth × columns block of X, element (p, j) at x[p·p_stride + j·j_stride], into
// one panel of Width columns: packed[p·Width + j], zero for j ≥ columns. B is packed as
// X = B; A as X = Aᵀ, so that both panels are read one depth step at a time.
template <typename T, int Width>
void pack_panel(const T* x, int64_t p_stride, int64_t j_stride, int64_t depth, int64_t columns,
                T* packed) {
  if (columns == Width && j_stride == 1) {  // rows of X are contiguous: copy them whole
    for (int64_t p = 0; p < depth; ++p)
      for (int j = 0; j < Width; ++j) packed[p * Width + j] = x[p * p_stride + j];
    return;
  }
  // Otherwise (typically a transposed operand, unit stride down p) copy tiles of kTile depth
  // steps: a tile reads kTile consecutive values of each column and writes kTile rows of the
  // panel, and both stay in L1 while it is copied.
  constexpr int64_t kTile = 16;
  for (int64_t p0 = 0; p0 < depth; p0 += kTile) {
    const int64_t p1 = std::min(depth, p0 + kTile);
    for (int j = 0; j < Width; ++j) {
      if (j < columns) {
        for (int64_t p = p0; p < p1; ++p) packed[p * Width + j] = x[p * p_stride + j * j_stride];
      } else {
        for (int64_t p = p0; p < p1; ++p) packed[p * Width + j] = T(0);
      }
    }
  }
}

// C[rows × columns] (= or +=) A panel [MR × depth] · B panel [depth × NR], rows ≤ MR,
// columns ≤ NR. The padded tile is computed whole; only its valid part is written.
template <typename T, typename TileShape>
[[gnu::always_inline]] inline void micro_kernel(int64_t depth, const T* a_panel, const T* b_panel,
                                                T* c, int64_t c_row_stride, int64_t rows,
                                                int64_t columns, const T* bias, bool accumulate) {
  constexpr int kRows = TileShape::kRows, kColumns = TileShape::kColumns;
  T sums[kRows][kColumns] = {};
  for (int64_t p = 0; p < depth; ++p) {
    const T* a_column = a_panel + p * kRows;
    const T* b_row = b_panel + p * kColumns;
#pragma GCC unroll 16
    for (int i = 0; i < kRows; ++i) {
      const T a_value = a_column[i];
#pragma GCC unroll 64
      for (int j = 0; j < kColumns; ++j) {
        if constexpr (TileShape::kFused)
          sums[i][j] = std::fma(a_value, b_row[j], sums[i][j]);
        else
          sums[i][j] += a_value * b_row[j];
      }
    }
  }
  for (int64_t i = 0; i < rows; ++i) {
    T* c_row = c + i * c_row_stride;
    for (int64_t j = 0; j < columns; ++j) {
      T value = sums[i][j];
      if (bias != nullptr) value += bias[j];
      c_row[j] = accumulate ? c_row[j] + value : value;
    }
  }
}

// What one thread computes from one packed A block and a range of packed B panels.
template <typename T>
struct Block {
  const T* packed_a;  // rows × depth, panels of MR rows
  const T* packed_b;  // depth × columns, panels of NR columns, starting at this block's first
  int64_t rows, columns, depth;
  T* c;
  int64_t c_row_stride;
  const T* bias;  // this block's columns of the bias, or null (also after the first depth block)
  bool accumulate;
};

// The two inner loops (BLIS's "macro-kernel") around the micro-kernel.
template <typename T, typename TileShape>
[[gnu::always_inline]] inline void multiply_block(const Block<T>& block) {
  constexpr int kRows = TileShape::kRows, kColumns = TileShape::kColumns;
  for (int64_t jr = 0; jr < block.columns; jr += kColumns) {
    for (int64_t ir = 0; ir < block.rows; ir += kRows) {
      micro_kernel<T, TileShape>(
          block.depth, block.packed_a + ir * block.depth, block.packed_b + jr * block.depth,
          block.c + ir * block.c_row_stride + jr, block.c_row_stride,
          std::min<int64_t>(kRows, block.rows - ir),
          std::min<int64_t>(kColumns, block.columns - jr),
          block.bias == nullptr ? nullptr : block.bias + jr, block.accumulate);
    }
  }
}

// The same loops compiled for each instruction set; the micro-kernel is inlined into each.
#if defined(__x86_64__)
template <typename T>
using Avx512Tile = Tile<T, 64, true>;
template <typename T>
using Avx2Tile = Tile<T, 32, true>;

template <typename T>
[[gnu::target("arch=x86-64-v4")]] void multiply_block_avx512(const Block<T>& block) {
  multiply_block<T, Avx512Tile<T>>(block);
}
template <typename T>
[[gnu::target("arch=x86-64-v3")]] void multiply_block_avx2(const Block<T>& block) {
  multiply_block<T, Avx2Tile<T>>(block);
}
#endif
template <typename T>
using BaselineTile = Tile<T, 16, false>;

template <typename T>
void multiply_block_baseline(const Block<T>& block) {
  multiply_block<T, BaselineTile<T>>(block);
}

int64_t ceil_divide(int64_t value, int64_t divisor) { return (value + divisor - 1) / divisor; }

// One product, blocked as in the file comment. C is cut into tasks (a block of rows × a range of
// columns) that threads take dynamically; each task packs its own A and B blocks and writes
// only its own part of C, so the threads never wait for each other inside a product. That
// costs a repacking of B per row block (about 1/mc of the arithmetic) and buys robustness: on
// a machine whose cores are shared with other processes, a barrier per block would make every
// thread wait for the slowest one at each step. With `parallel` false the calling thread does
// every task (it may itself be one of a team working on different products of a batch).
template <typename T, typename TileShape, void (*Multiply)(const Block<T>&)>
void gemm_blocked(const Problem<T>& problem, bool parallel) {
  constexpr int64_t kRows = TileShape::kRows, kColumns = TileShape::kColumns;
  constexpr int64_t column_block = kColumnBlock / kColumns * kColumns;
  const int64_t m = problem.m, n = problem.n, k = problem.k;
  const int64_t depth_block = std::min(k, kDepthBlock);
  const int threads = parallel ? omp_get_max_threads() : 1;

  // A few tasks per thread, so a thread whose core is busy elsewhere takes fewer of them; rows
  // are split first (down to kMinRowBlock rows), then columns if the rows alone are too few.
  const int64_t tasks_wanted = threads > 1 ? kTasksPerThread * threads : 1;
  const int64_t row_block =
      std::min(round_up(m, kRows),
               std::clamp(round_up(ceil_divide(m, tasks_wanted), kRows), kMinRowBlock, kRowBlock));
  const int64_t row_blocks = ceil_divide(m, row_block);
  const int64_t panels = ceil_divide(n, kColumns);
  const int64_t column_parts = std::min(panels, ceil_divide(tasks_wanted, row_blocks));
  const int64_t part_columns = ceil_divide(panels, column_parts) * kColumns;

#pragma omp parallel for schedule(dynamic) num_threads(threads) if (threads > 1)
  for (int64_t task = 0; task < row_blocks * column_parts; ++task) {
    const int64_t ic = task / column_parts * row_block, rows = std::min(row_block, m - ic);
    const int64_t first_column = task % column_parts * part_columns;
    const int64_t last_column = std::min(n, first_column + part_columns);
    T* packed_a = packed_a_scratch.get<T>(row_block * depth_block);
    T* packed_b =
        packed_b_scratch.get<T>(depth_block * std::min(round_up(n, kColumns), column_block));
    for (int64_t jc = first_column; jc < last_column; jc += column_block) {
      const int64_t columns = std::min(column_block, last_column - jc);
      for (int64_t pc = 0; pc < k; pc += depth_block) {
        const int64_t depth = std::min(depth_block, k - pc);
        for (int64_t j = 0; j < columns; j += kColumns)
          pack_panel<T, kColumns>(
              problem.b + pc * problem.b_row_stride + (jc + j) * problem.b_column_stride,
              problem.b_row_stride, problem.b_column_stride, depth, std::min(kColumns, columns - j),
              packed_b + j * depth);
        for (int64_t i = 0; i < rows; i += kRows)
          pack_panel<T, kRows>(
              problem.a + (ic + i) * problem.a_row_stride + pc * problem.a_column_stride,
              problem.a_column_stride, problem.a_row_stride, depth, std::min(kRows, rows - i),
              packed_a + i * depth);
        Multiply(Block<T>{packed_a, packed_b, rows, columns, depth, problem.c + ic * n + jc, n,
                          pc == 0 && problem.bias != nullptr ? problem.bias + jc : nullptr,
                          problem.accumulate || pc > 0});
      }
    }
  }
}

enum class InstructionSet { baseline, avx2, avx512 };

InstructionSet detect_instruction_set() {
#if defined(__x86_64__)
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
      __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq"))
    return InstructionSet::avx512;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return InstructionSet::avx2;
#endif
  return InstructionSet::baseline;
}

template <typename T>
void gemm_one(const Problem<T>& problem, bool parallel) {
  if (problem.m == 0 || problem.n == 0) return;
  if (problem.k == 0) {  // an empty sum
    for (int64_t i = 0; i < problem.m; ++i)
      for (int64_t j = 0; j < problem.n; ++j) {
        T& value = problem.c[i * problem.n + j];
        value = (problem.accumulate ? value : T(0)) + (problem.bias ? problem.bias[j] : T(0));
      }
    return;
  }
  static const InstructionSet instruction_set = detect_instruction_set();
  switch (instruction_set) {
#if defined(__x86_64__)
    case InstructionSet::avx512:
      return gemm_blocked<T, Avx512Tile<T>, multiply_block_avx512<T>>(problem, parallel);
    case InstructionSet::avx2:
      return gemm_blocked<T, Avx2Tile<T>, multiply_block_avx2<T>>(problem, parallel);
#endif
    default:
      return gemm_blocked<T, BaselineTile<T>, multiply_block_baseline<T>>(problem, parallel);
  }
}

}  // namespace

template <typename T>
void gemm(int64_t m, int64_t n, int64_t k, int64_t batch_count, const MatrixOperand<T>& a,
          const MatrixOperand<T>& b, T* c, bool accumulate, const T* bias) {
  auto problem = [&](int64_t batch) {
    return Problem<T>{m,
                      n,
                      k,
                      a.data + a.batch_index.offset(batch),
                      a.row_stride,
                      a.column_stride,
                      b.data + b.batch_index.offset(batch),
                      b.row_stride,
                      b.column_stride,
                      c + batch * m * n,
                      bias,
                      accumulate};
  };
  const int64_t work = m * n * k;
  const int threads = omp_get_max_threads();
  // Many small products: one per thread beats splitting each one.
  if (batch_count >= threads && threads > 1 && work < 8 * kParallelWork &&
      batch_count * work >= kParallelWork) {
#pragma omp parallel for schedule(dynamic)
    for (int64_t batch = 0; batch < batch_count; ++batch) gemm_one(problem(batch), false);
    return;
  }
  for (int64_t batch = 0; batch < batch_count; ++batch)
    gemm_one(problem(batch), work >= kParallelWork);
}

template void gemm<float>(int64_t, int64_t, int64_t, int64_t, const MatrixOperand<float>&,
                          const MatrixOperand<float>&, float*, bool, const float*);
template void gemm<double>(int64_t, int64_t, int64_t, int64_t, const MatrixOperand<double>&,
                           const MatrixOperand<double>&, double*, bool, const double*);

}  // namespace hg::cpu
