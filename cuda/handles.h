// The process-wide cuBLASLt and cuDNN handles, created on first use, cuDNN's bound to
// hashgrad's stream. They are the process's GPU's (cuda/device_choice.h), made on it: work on
// other GPUs of the process (a search split across them) uses neither.
#pragma once

#include "cuda/check.h"
#include "cuda/stream.h"

namespace hg::cuda {

cublasLtHandle_t cublaslt_handle();
cudnnHandle_t cudnn_handle();

}  // namespace hg::cuda
