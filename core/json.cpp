// Depth-limited JSON parsing (see json.h).
#include "core/json.h"

#include "core/error.h"
#include "core/quoted_text.h"

namespace hg {

nlohmann::json parse_json(std::string_view text, const std::string& what) {
  auto refuse_deep = [&](int depth, nlohmann::json::parse_event_t, nlohmann::json&) {
    HG_CHECK(depth <= kMaxJsonDepth, what, " nests JSON deeper than ", kMaxJsonDepth,
             " levels (corrupt, or made to exhaust memory)");
    return true;
  };
  try {
    return nlohmann::json::parse(text.begin(), text.end(), refuse_deep);
  } catch (const nlohmann::json::exception& error) {
    // Not only parse_error: a number beyond double's range ("1e999") is out_of_range (406).
    throw Error(detail::concat(what, " is not valid JSON: ", quoted_text(error.what())));
  }
}

}  // namespace hg
