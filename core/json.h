// Parsing JSON that came from a file a user gave (a safetensors header, a run's model.json), and
// reading its integers.
//
// nlohmann's parser has no depth limit and its dump() recurses: a header of a million '[' would
// build a million nested arrays (gigabytes) and then overflow the stack when an error quotes it.
// Nesting deeper than any hashgrad file needs is refused while parsing, before it is built.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace hg {

// Deeper than safetensors headers (3) or model.json (3) ever nest, with room to spare.
inline constexpr int kMaxJsonDepth = 32;

// Parses `text`; throws an hg::Error starting with `what` ("the header of x") when it is not valid
// JSON, holds a number beyond double's range or nests deeper than kMaxJsonDepth (the parser's
// message quoted, core/quoted_text.h).
nlohmann::json parse_json(std::string_view text, const std::string& what);

// object[key] as an integer; throws an hg::Error starting with `what` when the key is missing or
// its value is not an integer within int64's range. nlohmann's get<int64_t>() converts any
// number, a float such as 5e72 too, with a cast whose overflow is undefined behaviour.
int64_t json_integer(const nlohmann::json& object, const char* key, const std::string& what);

}  // namespace hg
