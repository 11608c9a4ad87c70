// Escaping and cutting file content for error messages (see quoted_text.h).
#include "core/quoted_text.h"

namespace hg {

std::string quoted_text(std::string_view text, size_t limit) {
  const std::string_view kept = text.substr(0, limit);
  std::string result;
  result.reserve(kept.size() + 16);
  for (const char character : kept) {
    const auto byte = static_cast<unsigned char>(character);
    if (character == '\\') {
      result += "\\\\";
    } else if (character == '\n') {
      result += "\\n";
    } else if (character == '\r') {
      result += "\\r";
    } else if (character == '\t') {
      result += "\\t";
    } else if (byte < 0x20 || byte == 0x7F) {
      constexpr char kHex[] = "0123456789abcdef";
      result += "\\x";
      result += kHex[byte >> 4];
      result += kHex[byte & 0xF];
    } else {
      result += character;
    }
  }
  if (kept.size() < text.size()) result += "... (" + std::to_string(text.size()) + " bytes)";
  return result;
}

}  // namespace hg
