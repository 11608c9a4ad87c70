// Parsing transform text (see transform_spec.h).
#include "data/transform_spec.h"

#include <cctype>
#include <cstdlib>
#include <vector>

#include "data/color_jitter.h"

namespace hg::data {

namespace {

constexpr char kSteps[] =
    "resize(S or HxW), center_crop(S or HxW), random_crop(S or HxW[, padding]), "
    "random_resized_crop(S or HxW[, scale_min, scale_max[, ratio_min, ratio_max]]), "
    "horizontal_flip([p]), color_jitter(brightness[, contrast[, saturation[, hue]]])";

std::string trim(const std::string& text) {
  size_t first = text.find_first_not_of(" \t"), last = text.find_last_not_of(" \t");
  return first == std::string::npos ? "" : text.substr(first, last - first + 1);
}

// The error of a step's text, already naming the key and the step.
struct StepError : Error {
  using Error::Error;
};

// One step being parsed: its text for messages, its arguments.
struct Step {
  std::string key, text, name;
  std::vector<std::string> arguments;

  template <typename... Parts>
  [[noreturn]] void fail(const Parts&... parts) const {
    throw StepError(detail::concat("config key '", key, "': ", text, ": ", parts...));
  }

  void expect_arguments(size_t low, size_t high) const {
    if (arguments.size() < low || arguments.size() > high)
      fail(
          low == high ? detail::concat("takes ", low) : detail::concat("takes ", low, " to ", high),
          " arguments, got ", arguments.size());
  }

  double number(size_t index, double fallback) const {
    if (index >= arguments.size()) return fallback;
    const std::string& argument = arguments[index];
    char* end = nullptr;
    double value = std::strtod(argument.c_str(), &end);
    if (argument.empty() || *end != '\0') fail("'", argument, "' is not a number");
    return value;
  }

  // A whole number of pixels from `least` to 2^16 (sizes from 1, a padding from 0).
  int pixels(const std::string& argument, long least, const char* what) const {
    char* end = nullptr;
    long value = std::strtol(argument.c_str(), &end, 10);
    if (argument.empty() || *end != '\0' || value < least || value > 1 << 16)
      fail("'", argument, "' is not ", what, " in pixels (a whole number from ", least,
           " to 65536)");
    return static_cast<int>(value);
  }

  // "224" (square) or "224x160" (height x width).
  std::pair<int, int> size(size_t index) const {
    const std::string& argument = arguments[index];
    size_t x = argument.find('x');
    if (x == std::string::npos) {
      int side = pixels(argument, 1, "a size");
      return {side, side};
    }
    return {pixels(argument.substr(0, x), 1, "a size"),
            pixels(argument.substr(x + 1), 1, "a size")};
  }
};

std::shared_ptr<const Transform> make_step(const Step& step) {
  const std::string& name = step.name;
  if (name == "resize") {
    step.expect_arguments(1, 1);
    if (step.arguments[0].find('x') == std::string::npos)
      return resize_shorter_to(step.size(0).first);
    auto [height, width] = step.size(0);
    return resize_to(height, width);
  }
  if (name == "center_crop") {
    step.expect_arguments(1, 1);
    auto [height, width] = step.size(0);
    return center_crop_to(height, width);
  }
  if (name == "random_crop") {
    step.expect_arguments(1, 2);
    auto [height, width] = step.size(0);
    const int padding =
        step.arguments.size() > 1 ? step.pixels(step.arguments[1], 0, "a padding") : 0;
    return random_crop(height, width, padding);
  }
  if (name == "random_resized_crop") {
    step.expect_arguments(1, 5);
    if (step.arguments.size() == 2 || step.arguments.size() == 4)
      step.fail("give the scale as two bounds and the ratio as two bounds");
    auto [height, width] = step.size(0);
    return random_resized_crop(height, width, {step.number(1, 0.08), step.number(2, 1.0)},
                               {step.number(3, 3.0 / 4.0), step.number(4, 4.0 / 3.0)});
  }
  if (name == "horizontal_flip") {
    step.expect_arguments(0, 1);
    return random_horizontal_flip(step.number(0, 0.5));
  }
  if (name == "color_jitter") {
    step.expect_arguments(1, 4);
    return color_jitter(
        {step.number(0, 0), step.number(1, 0), step.number(2, 0), step.number(3, 0)});
  }
  step.fail("unknown transform '", name, "'; the transforms are ", kSteps);
}

}  // namespace

void add_transforms(Pipeline& pipeline, const std::string& text, const std::string& key) {
  size_t position = 0;
  for (;;) {
    while (position < text.size() && std::isspace(static_cast<unsigned char>(text[position])))
      ++position;
    if (position == text.size()) return;
    const size_t open = text.find('(', position), close = text.find(')', position);
    Step step{key,
              trim(text.substr(
                  position, close == std::string::npos ? std::string::npos : close + 1 - position)),
              "",
              {}};
    if (open == std::string::npos || close == std::string::npos || close < open)
      step.fail("expected NAME(ARGUMENTS), e.g. resize(256) center_crop(224)");
    step.name = trim(text.substr(position, open - position));
    std::string arguments = text.substr(open + 1, close - open - 1);
    if (!trim(arguments).empty()) {
      size_t start = 0;
      for (size_t comma; (comma = arguments.find(',', start)) != std::string::npos;
           start = comma + 1)
        step.arguments.push_back(trim(arguments.substr(start, comma - start)));
      step.arguments.push_back(trim(arguments.substr(start)));
    }
    try {
      pipeline.add(make_step(step));
    } catch (const StepError&) {
      throw;
    } catch (const Error& error) {  // a transform's own check of its arguments
      step.fail(error.what());
    }
    position = close + 1;
  }
}

}  // namespace hg::data
