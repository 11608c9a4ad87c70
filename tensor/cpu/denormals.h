// Flushing subnormal floats to zero while a CPU loop runs.
//
// A subnormal (|x| < 1.2e-38 in f32, 2.2e-308 in f64) costs an x86 core a microcode assist of
// about a hundred cycles on every instruction that reads or makes one. Adam's moments decay
// geometrically where a gradient stays zero (a dead ReLU unit), and round-to-nearest then keeps
// them at the smallest subnormals for good: 0.9 · 2⁻¹⁴⁹ rounds back to 2⁻¹⁴⁹. A few such elements
// per cache line made AlexNet's Adam step 30× slower, 60% of a training step. Flush-to-zero (FTZ:
// results that would be subnormal become 0) and denormals-are-zero (DAZ: subnormal inputs read
// as 0) remove the assists; the values they change are below anything an update can move.
//
// The setting is per thread (the MXCSR register) and the guard restores it, so it covers one
// thread's part of a loop: construct it inside the parallel region. A no-op off x86.
#pragma once

#if defined(__SSE__)
#include <xmmintrin.h>
#endif

namespace hg::cpu {

class FlushDenormals {
 public:
#if defined(__SSE__)
  // 0x8000 is FTZ, 0x0040 DAZ (Intel SDM vol. 1, §10.2.3).
  FlushDenormals() : saved_(_mm_getcsr()) { _mm_setcsr(saved_ | 0x8040u); }
  ~FlushDenormals() { _mm_setcsr(saved_); }

 private:
  unsigned saved_;
#else
  FlushDenormals() = default;
#endif

 public:
  FlushDenormals(const FlushDenormals&) = delete;
  FlushDenormals& operator=(const FlushDenormals&) = delete;
};

}  // namespace hg::cpu
