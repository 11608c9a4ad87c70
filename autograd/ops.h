// All differentiable ops, namespace hg: what layers, losses and users build models from.
#pragma once

#include "autograd/elementwise.h"
#include "autograd/gradcheck.h"
#include "autograd/node.h"
#include "autograd/reduce.h"
#include "autograd/views.h"
