// The gallery page: base64 data URIs and the HTML around them (see gallery.h).
#include "hashing/gallery.h"

#include <sstream>

#include "core/atomic_write.h"

namespace hg::hashing {

namespace {

// Text from captions and titles (label names, method names) may hold <, & or quotes.
std::string escape_html(const std::string& text) {
  std::string escaped;
  for (char c : text) {
    switch (c) {
      case '&':
        escaped += "&amp;";
        break;
      case '<':
        escaped += "&lt;";
        break;
      case '>':
        escaped += "&gt;";
        break;
      case '"':
        escaped += "&quot;";
        break;
      case '\'':
        escaped += "&#39;";
        break;
      default:
        escaped += c;
    }
  }
  return escaped;
}

// Borders carry the verdict; the caption repeats it as ✓ / ✗ for readers who cannot tell green
// from red.
constexpr char kStyle[] =
    R"(body { font-family: system-ui, sans-serif; margin: 24px; color: #222; background: #fafafa; }
h1 { font-size: 20px; margin: 0 0 4px; }
p.description, p.legend, p#image-count { font-size: 13px; color: #555; margin: 4px 0; }
.legend span { display: inline-block; padding: 0 6px; margin-right: 8px; border-left: 12px solid; }
.row { display: flex; align-items: flex-start; gap: 6px; padding: 10px 0; border-bottom: 1px solid #ddd; }
.row .summary { width: 70px; font-size: 12px; color: #555; align-self: center; }
figure { margin: 0; width: 96px; text-align: center; font-size: 11px; line-height: 1.3; }
figure img { width: 84px; height: 84px; object-fit: contain; image-rendering: pixelated;
             border: 4px solid #aaa; background: #fff; }
figure.query { margin-right: 14px; }
figure.query img { border-color: #1f4e99; }
figure.relevant img, .legend .relevant { border-color: #2e9d3a; }
figure.irrelevant img, .legend .irrelevant { border-color: #d0302f; }
figure.unknown img, .legend .unknown { border-color: #aaa; }
)";

// Counts the images the browser decoded (naturalWidth > 0) once everything has loaded.
constexpr char kImageCountScript[] = R"(window.addEventListener('load', function () {
  var images = document.images, shown = 0;
  for (var i = 0; i < images.length; ++i) if (images[i].naturalWidth > 0) ++shown;
  document.getElementById('image-count').textContent =
      shown + ' of ' + images.length + ' images shown';
});
)";

const char* relevance_class(Relevance relevance) {
  switch (relevance) {
    case Relevance::relevant:
      return "relevant";
    case Relevance::irrelevant:
      return "irrelevant";
    case Relevance::unknown:
      break;
  }
  return "unknown";
}

void write_figure(std::ostream& out, const char* css_class, const GalleryImage& image,
                  const std::string& heading) {
  out << "<figure class=\"" << css_class << "\"><img src=\"data:image/png;base64,"
      << base64_encode(image.png.data(), image.png.size()) << "\" alt=\"" << escape_html(heading)
      << "\"><figcaption>" << escape_html(heading) << "<br>" << escape_html(image.caption)
      << "</figcaption></figure>\n";
}

}  // namespace

std::string base64_encode(const uint8_t* bytes, size_t count) {
  static const char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string text;
  text.reserve((count + 2) / 3 * 4);
  for (size_t i = 0; i < count; i += 3) {
    size_t left = count - i;
    uint32_t group = uint32_t{bytes[i]} << 16;
    if (left > 1) group |= uint32_t{bytes[i + 1]} << 8;
    if (left > 2) group |= bytes[i + 2];
    text += kAlphabet[(group >> 18) & 63];
    text += kAlphabet[(group >> 12) & 63];
    text += left > 1 ? kAlphabet[(group >> 6) & 63] : '=';
    text += left > 2 ? kAlphabet[group & 63] : '=';
  }
  return text;
}

std::string gallery_html(const Gallery& gallery) {
  std::ostringstream out;
  out << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>"
      << escape_html(gallery.title) << "</title>\n<style>\n"
      << kStyle << "</style>\n</head>\n<body>\n<h1>" << escape_html(gallery.title) << "</h1>\n";
  if (!gallery.description.empty())
    out << "<p class=\"description\">" << escape_html(gallery.description) << "</p>\n";
  bool judged = false, unjudged = false;
  for (const GalleryRow& row : gallery.rows)
    for (const GalleryNeighbour& neighbour : row.neighbours)
      (neighbour.relevance == Relevance::unknown ? unjudged : judged) = true;
  out << "<p class=\"legend\">Each query (blue) beside its nearest codes by Hamming distance d"
      << (judged || unjudged ? ": " : "")
      << (judged ? "<span class=\"relevant\">relevant ✓</span><span class=\"irrelevant\">"
                   "not relevant ✗</span>"
                 : "")
      << (unjudged ? "<span class=\"unknown\">not judged: the query has no labels</span>" : "")
      << "</p>\n";
  for (const GalleryRow& row : gallery.rows) {
    out << "<div class=\"row\">\n";
    write_figure(out, "query", row.query, "query");
    int64_t relevant = 0, judged_here = 0;
    for (const GalleryNeighbour& neighbour : row.neighbours) {
      judged_here += neighbour.relevance != Relevance::unknown;
      relevant += neighbour.relevance == Relevance::relevant;
    }
    out << "<div class=\"summary\">"
        << (judged_here > 0
                ? std::to_string(relevant) + " of " + std::to_string(judged_here) + " relevant"
                : std::string("no labels"))
        << "</div>\n";
    for (size_t rank = 0; rank < row.neighbours.size(); ++rank) {
      const GalleryNeighbour& neighbour = row.neighbours[rank];
      const char* mark = neighbour.relevance == Relevance::relevant     ? " ✓"
                         : neighbour.relevance == Relevance::irrelevant ? " ✗"
                                                                        : "";
      write_figure(out, relevance_class(neighbour.relevance), neighbour.image,
                   std::to_string(rank + 1) + ". d = " + std::to_string(neighbour.distance) + mark);
    }
    out << "</div>\n";
  }
  out << "<p id=\"image-count\"></p>\n<script>\n"
      << kImageCountScript << "</script>\n</body>\n</html>\n";
  return out.str();
}

void write_gallery(const std::string& path, const Gallery& gallery) {
  std::string html = gallery_html(gallery);
  write_atomically(path, [&](std::ostream& out) { out << html; });
}

}  // namespace hg::hashing
