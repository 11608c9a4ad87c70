// `hashgrad info`: what this build of hashgrad can use (CUDA compiled in, the device it sees)
// and how it will use memory (the caching allocator on, or off for a sanitizer run).
#include <cstdio>

#include "apps/command.h"
#include "cuda/allocator.h"
#include "cuda/runtime.h"

namespace {

int run_info(int, char**) {
  std::printf("hashgrad: CUDA %s; device: %s; memory caching %s\n",
              hg::cuda::compiled_with_cuda() ? "compiled in" : "not compiled in",
              hg::cuda::device_description().c_str(),
              hg::memory::caching_enabled() ? "on" : "off (HASHGRAD_NO_MEMORY_CACHING)");
  return 0;
}

}  // namespace

HG_COMMAND("info", "the build and the device hashgrad sees", run_info);
