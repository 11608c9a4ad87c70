// What every cuda:: entry point does in a CPU-only build: throw the one error that says so.
// cuda/without_cuda/ holds one file per cuda/ header family, each defining that header's entry
// points with this as their body, so code above cuda/ calls them without a device #if; in such
// a build no tensor is ever on the GPU, so they are reached only by asking for it explicitly.
#pragma once

#include "core/error.h"

namespace hg::cuda {

[[noreturn]] inline void built_without_cuda(const char* entry_point) {
  throw Error(::hg::detail::concat(entry_point,
                                   ": hashgrad was built without CUDA (configure with "
                                   "-DHASHGRAD_CUDA=ON on a machine with the CUDA Toolkit)"));
}

}  // namespace hg::cuda
