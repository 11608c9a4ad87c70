// `hashgrad info`: what this build of hashgrad can use (CUDA compiled in, the device it sees)
// and how it will use memory (the caching allocator on, or off for a sanitizer run).
#include <CLI/CLI.hpp>
#include <cstdio>

#include "apps/cli.h"
#include "apps/command.h"
#include "core/caching_allocator.h"
#include "cuda/runtime.h"

namespace {

int run_info(int argc, char** argv) {
  // No options, but a mistyped one is an error rather than silently ignored.
  CLI::App app{"The build and the device hashgrad sees", "hashgrad info"};
  if (!hg::app::parse_arguments(app, argc, argv)) return 0;
  std::printf("hashgrad: CUDA %s; device: %s; memory caching %s\n",
              hg::cuda::compiled_with_cuda() ? "compiled in" : "not compiled in",
              hg::cuda::device_description().c_str(),
              hg::memory::caching_enabled() ? "on" : "off (HASHGRAD_NO_MEMORY_CACHING)");
  return 0;
}

}  // namespace

HG_COMMAND("info", "the build and the device hashgrad sees", run_info);
