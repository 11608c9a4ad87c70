// CapturedDraws: the random numbers of a training step captured as a CUDA graph
// (train/step_runner.h), drawn from the global generator of tensor/random.h.
//
// A captured kernel keeps the offset it was captured with, so each replay would draw the
// capture's numbers again. While a CapturedDraws lives, the GPU draws of this thread take
// offsets counted from 0 and their kernels add the u64 at `device_base` (a [1] u64 tensor on the
// GPU) when they run; the global generator does not move. Before each replay,
// prepare_replay_draws sets that base to the generator's offset and moves the generator past the
// step's draws, so a replay draws exactly what the same step run eagerly at that point would. A
// CPU draw inside the capture is an error.
#pragma once

#include <cstdint>

#include "tensor/tensor.h"

namespace hg {

class CapturedDraws {
 public:
  explicit CapturedDraws(const Tensor& device_base);
  ~CapturedDraws();
  CapturedDraws(const CapturedDraws&) = delete;
  CapturedDraws& operator=(const CapturedDraws&) = delete;

  // The counters the captured draws use, from 0.
  uint64_t drawn() const { return drawn_; }
  // The start of the next captured draw of `count` counters.
  uint64_t take(int64_t count);
  const uint64_t* device_base() const { return device_base_; }

 private:
  const uint64_t* device_base_;
  uint64_t drawn_ = 0;
};

// Before a replay of a step whose capture drew `drawn` counters against `device_base`.
void prepare_replay_draws(const Tensor& device_base, uint64_t drawn);

}  // namespace hg
