// Whether a path is there, and whether it is a folder or a file, asked so that the answer or the
// error is hashgrad's own.
//
// std::filesystem's exists(), is_directory() and is_regular_file() throw
// std::filesystem::filesystem_error when the system cannot tell (a name component over 255 bytes, a
// folder without search permission, a loop of links), and that error's message holds the path raw:
// bytes a list file or a fuzzer put there, newlines included. Readers and commands ask here
// instead: a path that is not there is an answer (false), any other failure an hg::Error that
// quotes the path (core/quoted_text.h) and says why.
#pragma once

#include <filesystem>

namespace hg {

bool path_exists(const std::filesystem::path& path);
bool is_folder(const std::filesystem::path& path);
bool is_file(const std::filesystem::path& path);  // a regular file, or a link to one

}  // namespace hg
