// The precision-recall curve as a standalone SVG image (pr_curve.svg of a run directory):
// axes from 0 to 1 with ticks and grid, axis labels, a title, one coloured curve with markers
// per code length, and a legend. Plain SVG 1.1 text: opens in any browser, no fonts or scripts.
#pragma once

#include <string>
#include <vector>

#include "hashing/metrics.h"

namespace hg::hashing {

struct PrCurve {
  std::string name;             // legend entry, e.g. "64 bits"
  std::vector<PrPoint> points;  // in order of increasing radius
};

std::string pr_curve_svg(const std::vector<PrCurve>& curves, const std::string& title);

}  // namespace hg::hashing
