// Quoting file content inside an error message.
//
// Errors are one line that a user reads in a terminal or a log (core/error.h). Text taken from a
// file a user downloaded can hold anything: a newline byte would split the message in two, an
// escape sequence would drive the terminal, a megabyte-long "line" would bury the message. Every
// error that quotes file content passes it through quoted_text first.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace hg {

// `text` with control bytes (0x00-0x1F, 0x7F) written as escapes (\n, \r, \t, \xNN) and a
// backslash doubled, cut after `limit` bytes of the original with "... (N bytes)" appended.
std::string quoted_text(std::string_view text, size_t limit = 160);

}  // namespace hg
