// The hashgrad command: routes `hashgrad <command> ...` to the command registered by its file
// in apps/ (see command.h). Every error arrives here as an exception: one line on stderr,
// exit status 1. With HASHGRAD_PROFILE=1 the per-op profiler table goes to stderr at exit.
#include <cstdio>
#include <cstring>
#include <string>

#include "apps/command.h"
#include "core/error.h"
#include "cuda/profiler.h"

namespace hg::app {
std::map<std::string, Command>& commands() {
  static std::map<std::string, Command> registry;
  return registry;
}
}  // namespace hg::app

namespace {

void print_usage() {
  std::printf(
      "usage: hashgrad <command> [options]   (hashgrad <command> --help for its options)\n\n"
      "commands:\n");
  for (const auto& [name, command] : hg::app::commands())
    std::printf("  %-10s %s\n", name.c_str(), command.summary.c_str());
  std::printf("\nSet HASHGRAD_PROFILE=1 to print a per-op time table at exit.\n");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0) {
    print_usage();
    return argc < 2 ? 2 : 0;
  }
  std::string name = argv[1];
  auto found = hg::app::commands().find(name);
  if (found == hg::app::commands().end()) {
    std::fprintf(stderr, "hashgrad: unknown command '%s' (run hashgrad --help for the list)\n",
                 name.c_str());
    return 2;
  }
  int status = 1;
  try {
    status = found->second.run(argc - 1, argv + 1);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "hashgrad %s: error: %s\n", name.c_str(), error.what());
    status = 1;
  }
  if (hg::profiler::enabled()) std::fputs(hg::profiler::table().c_str(), stderr);
  return status;
}
