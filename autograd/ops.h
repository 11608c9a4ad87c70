// All differentiable ops, namespace hg: what layers, losses and users build models from.
#pragma once

#include "autograd/conv2d.h"
#include "autograd/dropout.h"
#include "autograd/elementwise.h"
#include "autograd/gradcheck.h"
#include "autograd/indexing.h"
#include "autograd/matmul.h"
#include "autograd/mixed_precision.h"
#include "autograd/node.h"
#include "autograd/normalization.h"
#include "autograd/pooling.h"
#include "autograd/reduce.h"
#include "autograd/softmax.h"
#include "autograd/views.h"
#include "autograd/window_attention.h"
