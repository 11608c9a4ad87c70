// `hashgrad info`: what this build of hashgrad can use (CUDA compiled in, the device it sees).
#include <cstdio>

#include "apps/command.h"
#include "cuda/runtime.h"

namespace {

int run_info(int, char**) {
  std::printf("hashgrad: CUDA %s; device: %s\n",
              hg::cuda::compiled_with_cuda() ? "compiled in" : "not compiled in",
              hg::cuda::device_description().c_str());
  return 0;
}

}  // namespace

HG_COMMAND("info", "the build and the device hashgrad sees", run_info);
