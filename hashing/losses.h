// Every deep-hashing loss and loss term, namespace hg::hashing: what a method's step composes
// (DESIGN §8). Each is a composition of differentiable ops (autograd/), so its gradient comes
// from the pieces' backwards and is checked by gradcheck like any op.
#pragma once

#include "hashing/losses/adsh_loss.h"
#include "hashing/losses/central_similarity_loss.h"
#include "hashing/losses/class_codes.h"
#include "hashing/losses/classification_loss.h"
#include "hashing/losses/cosine_margin_loss.h"
#include "hashing/losses/pairwise_likelihood_loss.h"
#include "hashing/losses/polarization_loss.h"
#include "hashing/losses/proxy_anchor_loss.h"
#include "hashing/losses/quantization_loss.h"
