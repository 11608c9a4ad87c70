// The hashgrad command: routes `hashgrad <command> ...` to the command registered by its file
// in apps/ (see command.h). Every error arrives here as an exception: one line on stderr,
// exit status 1. With HASHGRAD_PROFILE=1 the per-op profiler table goes to stderr at exit.
//
// Under an MPI launcher (mpirun -np N hashgrad ..., srun) MPI starts before the command runs
// (distributed/communicator.h), and an error on one rank ends every rank through the
// communicator's abort: the others would otherwise wait for it in their next collective.
#include <cstdio>
#include <cstring>
#include <string>

#include "apps/command.h"
#include "core/error.h"
#include "core/profiler.h"
#include "distributed/communicator.h"

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
    if (hg::distributed::launched_by_mpi()) hg::distributed::world();
    status = found->second.run(argc - 1, argv + 1);
  } catch (const std::exception& error) {
    const std::string message = "hashgrad " + name + ": error: " + error.what();
    hg::distributed::abort_other_ranks(message);
    std::fprintf(stderr, "%s\n", message.c_str());
    status = 1;
  }
  if (hg::profiler::enabled()) std::fputs(hg::profiler::table().c_str(), stderr);
  return status;
}
