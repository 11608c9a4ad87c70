// Where the repository the benchmarks were built from is: their results and inputs live there.
// The path is compiled into this one file, not defined on every benchmark's command line, so that
// ccache shares the benchmarks' objects between checkouts in different folders.
#include <filesystem>

namespace hg::bench {

std::filesystem::path repository_root() { return HASHGRAD_SOURCE_DIR; }

}  // namespace hg::bench
