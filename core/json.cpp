// Depth-limited JSON parsing (see json.h).
#include "core/json.h"

#include <limits>

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

int64_t json_integer(const nlohmann::json& object, const char* key, const std::string& what) {
  const auto found = object.find(key);
  HG_CHECK(found != object.end(), what, " has no \"", key, "\"");
  const bool fits =
      found->is_number_integer() &&
      (!found->is_number_unsigned() ||
       found->get<uint64_t>() <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max()));
  HG_CHECK(fits, what, ": \"", key,
           "\" is not an integer within int64's range: ", quoted_text(found->dump()));
  return found->get<int64_t>();
}

}  // namespace hg
