// The PR-curve SVG: a well-formed document with axes, labels, ticks, one curve and one legend
// entry per code length, points at the pixels the plot geometry puts them, escaped names.
#include <gtest/gtest.h>

#include "hashing/pr_curve_svg.h"

namespace hg::hashing {
namespace {

size_t occurrences(const std::string& text, const std::string& part) {
  size_t count = 0;
  for (size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++count;
  return count;
}

TEST(PrCurveSvg, DrawsAxesCurvesAndLegend) {
  std::vector<PrCurve> curves = {
      {"16 bits", {{0, 1.0, 0.0}, {1, 0.5, 0.5}, {16, 0.1, 1.0}}},
      {"64 <bits> & more", {{0, 0.9, 0.2}, {64, 0.1, 1.0}}},
  };
  std::string svg = pr_curve_svg(curves, "PR of run \"a\"");
  EXPECT_EQ(svg.find("<?xml"), 0u);
  EXPECT_NE(svg.find("<svg xmlns=\"http://www.w3.org/2000/svg\""), std::string::npos);
  EXPECT_NE(svg.find(">Recall</text>"), std::string::npos);
  EXPECT_NE(svg.find(">Precision</text>"), std::string::npos);
  EXPECT_NE(svg.find("PR of run &quot;a&quot;"), std::string::npos);
  // Six ticks per axis, 0.0 to 1.0.
  EXPECT_EQ(occurrences(svg, ">0.0</text>"), 2u);
  EXPECT_EQ(occurrences(svg, ">1.0</text>"), 2u);
  EXPECT_EQ(occurrences(svg, "<polyline"), 2u);
  EXPECT_EQ(occurrences(svg, "<circle"), 5u);
  EXPECT_NE(svg.find(">16 bits</text>"), std::string::npos);
  EXPECT_NE(svg.find(">64 &lt;bits&gt; &amp; more</text>"), std::string::npos);
  // Plot area x in [70, 620], y in [40, 420]: (recall 0, precision 1) is the top-left corner,
  // (0.5, 0.5) the centre, (1, 0.1) near the bottom-right.
  EXPECT_NE(svg.find("points=\"70.00,40.00 345.00,230.00 620.00,382.00 \""), std::string::npos)
      << svg;
  EXPECT_EQ(svg.substr(svg.size() - 7), "</svg>\n");
}

TEST(PrCurveSvg, NoCurvesStillMakesAPlot) {
  std::string svg = pr_curve_svg({}, "empty");
  EXPECT_EQ(occurrences(svg, "<polyline"), 0u);
  EXPECT_NE(svg.find(">Recall</text>"), std::string::npos);
}

}  // namespace
}  // namespace hg::hashing
