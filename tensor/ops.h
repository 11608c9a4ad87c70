// All raw (non-differentiable) tensor ops, namespace hg::ops. Each dispatches on the device to
// its CPU reference (tensor/cpu/) or its CUDA kernel (cuda/) with the same meaning.
#pragma once

#include "tensor/conv2d.h"
#include "tensor/copy.h"
#include "tensor/elementwise.h"
#include "tensor/indexing.h"
#include "tensor/matmul.h"
#include "tensor/normalization.h"
#include "tensor/pooling.h"
#include "tensor/random.h"
#include "tensor/reduce.h"
#include "tensor/softmax.h"
#include "tensor/views.h"
#include "tensor/window_attention.h"
