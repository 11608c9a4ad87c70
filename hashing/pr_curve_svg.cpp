// SVG rendering of precision-recall curves (see pr_curve_svg.h).
#include "hashing/pr_curve_svg.h"

#include <algorithm>
#include <cstdio>

namespace hg::hashing {

namespace {

constexpr double kWidth = 640, kHeight = 480;
constexpr double kLeft = 70, kRight = 20, kTop = 40, kBottom = 60;
constexpr double kPlotWidth = kWidth - kLeft - kRight;
constexpr double kPlotHeight = kHeight - kTop - kBottom;
constexpr int kTicks = 5;  // 0, 0.2, ..., 1
// Colour-blind-safe palette (Okabe & Ito); curves past the eighth reuse it.
constexpr const char* kColours[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                    "#E69F00", "#56B4E9", "#F0E442", "#000000"};

std::string escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string number(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.2f", value);
  return buffer;
}

// Data coordinates (recall, precision) in [0, 1] to pixels; values are clamped into the plot.
double x_pixel(double recall) { return kLeft + std::clamp(recall, 0.0, 1.0) * kPlotWidth; }
double y_pixel(double precision) {
  return kTop + (1.0 - std::clamp(precision, 0.0, 1.0)) * kPlotHeight;
}

}  // namespace

std::string pr_curve_svg(const std::vector<PrCurve>& curves, const std::string& title) {
  std::string svg;
  svg += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  svg += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + number(kWidth) + "\" height=\"" +
         number(kHeight) + "\" viewBox=\"0 0 " + number(kWidth) + " " + number(kHeight) +
         "\" font-family=\"sans-serif\" font-size=\"12\">\n";
  svg += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  svg += "<text x=\"" + number(kWidth / 2) +
         "\" y=\"24\" text-anchor=\"middle\" font-size=\"16\">" + escape(title) + "</text>\n";

  // Grid and tick labels.
  for (int i = 0; i <= kTicks; ++i) {
    const double value = static_cast<double>(i) / kTicks;
    const std::string x = number(x_pixel(value)), y = number(y_pixel(value));
    svg += "<line x1=\"" + x + "\" y1=\"" + number(kTop) + "\" x2=\"" + x + "\" y2=\"" +
           number(kTop + kPlotHeight) + "\" stroke=\"#dddddd\"/>\n";
    svg += "<line x1=\"" + number(kLeft) + "\" y1=\"" + y + "\" x2=\"" +
           number(kLeft + kPlotWidth) + "\" y2=\"" + y + "\" stroke=\"#dddddd\"/>\n";
    svg += "<text x=\"" + x + "\" y=\"" + number(kTop + kPlotHeight + 18) +
           "\" text-anchor=\"middle\">" + number(value).substr(0, 3) + "</text>\n";
    svg += "<text x=\"" + number(kLeft - 8) + "\" y=\"" + number(y_pixel(value) + 4) +
           "\" text-anchor=\"end\">" + number(value).substr(0, 3) + "</text>\n";
  }
  // Axes and their labels.
  svg += "<rect x=\"" + number(kLeft) + "\" y=\"" + number(kTop) + "\" width=\"" +
         number(kPlotWidth) + "\" height=\"" + number(kPlotHeight) +
         "\" fill=\"none\" stroke=\"black\"/>\n";
  svg += "<text x=\"" + number(kLeft + kPlotWidth / 2) + "\" y=\"" + number(kHeight - 16) +
         "\" text-anchor=\"middle\" font-size=\"14\">Recall</text>\n";
  svg += "<text transform=\"translate(20 " + number(kTop + kPlotHeight / 2) +
         ") rotate(-90)\" text-anchor=\"middle\" font-size=\"14\">Precision</text>\n";

  // Curves: a polyline through the points and a marker on each.
  for (size_t c = 0; c < curves.size(); ++c) {
    const std::string colour = kColours[c % (sizeof(kColours) / sizeof(kColours[0]))];
    std::string points;
    for (const PrPoint& point : curves[c].points)
      points += number(x_pixel(point.recall)) + "," + number(y_pixel(point.precision)) + " ";
    svg += "<g class=\"curve\" stroke=\"" + colour + "\" fill=\"" + colour + "\">\n";
    svg += "<title>" + escape(curves[c].name) + "</title>\n";
    svg += "<polyline fill=\"none\" stroke-width=\"2\" points=\"" + points + "\"/>\n";
    for (const PrPoint& point : curves[c].points)
      svg += "<circle cx=\"" + number(x_pixel(point.recall)) + "\" cy=\"" +
             number(y_pixel(point.precision)) + "\" r=\"3\"><title>radius " +
             std::to_string(point.radius) + ": precision " + number(point.precision) + ", recall " +
             number(point.recall) + "</title></circle>\n";
    svg += "</g>\n";
  }

  // Legend in the lower left, where a precision-recall curve rarely goes.
  const double legend_top = kTop + kPlotHeight - 10 - 18.0 * static_cast<double>(curves.size());
  for (size_t c = 0; c < curves.size(); ++c) {
    const std::string colour = kColours[c % (sizeof(kColours) / sizeof(kColours[0]))];
    const double y = legend_top + 18.0 * static_cast<double>(c);
    svg += "<line x1=\"" + number(kLeft + 12) + "\" y1=\"" + number(y) + "\" x2=\"" +
           number(kLeft + 36) + "\" y2=\"" + number(y) + "\" stroke=\"" + colour +
           "\" stroke-width=\"2\"/>\n";
    svg += "<text x=\"" + number(kLeft + 42) + "\" y=\"" + number(y + 4) + "\">" +
           escape(curves[c].name) + "</text>\n";
  }
  svg += "</svg>\n";
  return svg;
}

}  // namespace hg::hashing
