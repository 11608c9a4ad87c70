// Writing a file so that readers never see half of it: write a temporary file beside the
// target, flush it, then rename it over the target (rename is atomic within a file system).
// A crash or a full disk leaves either the old file or the new one, never a torn mix: that
// matters for code files and metrics that other runs and scripts pick up by name.
#pragma once

#include <functional>
#include <ostream>
#include <string>

namespace hg {

// Calls `write` with a binary stream to a temporary file and renames it to `path`. Throws an
// hg::Error naming `path` when the file cannot be created, written or renamed (the temporary
// file is removed).
void write_atomically(const std::string& path, const std::function<void(std::ostream&)>& write);

// Removes from `folder` the temporary files (NAME.tmp.PID) of writers that no longer run: a
// process killed while writing (SIGKILL, a crash) leaves its temporary file behind, and the next
// run in the folder clears it. A running process's file, one still being written, is kept.
void remove_abandoned_temporaries(const std::string& folder);

}  // namespace hg
