// gallery.html (DESIGN §6): what a person looks at to judge a hashing model. Each row is a
// query image beside its nearest database images by Hamming distance, each result framed green
// when it is relevant to the query (shares a label), red when it is not, grey when the query
// has no labels (an image given on the command line), with its rank and distance.
//
// The page is one self-contained file: every image is a PNG embedded as a data URI
// (data:image/png;base64,...), so it can be mailed or archived without its dataset. This file
// only lays out pictures it is handed already encoded; fetching images from datasets and
// encoding them is train/gallery.h's part (hashing/ does not depend on data/).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace hg::hashing {

// Results shown per query: enough to judge a ranking at a glance, few enough to fit a screen.
constexpr int64_t kGalleryNeighbours = 10;

enum class Relevance { relevant, irrelevant, unknown };

struct GalleryImage {
  std::vector<uint8_t> png;  // the bytes of a PNG file
  std::string caption;       // plain text ("#4021 · class 3"); escaped when written
};

struct GalleryNeighbour {
  GalleryImage image;
  int32_t distance = 0;  // Hamming distance to the query
  Relevance relevance = Relevance::unknown;
};

struct GalleryRow {
  GalleryImage query;
  std::vector<GalleryNeighbour> neighbours;  // nearest first
};

struct Gallery {
  std::string title;        // the page's heading, e.g. the method
  std::string description;  // one line under it: code length, database, what was searched
  std::vector<GalleryRow> rows;
};

// RFC 4648 base64 (alphabet A–Z a–z 0–9 + /, '=' padding): every 3 bytes become 4 characters
// of 6 bits each, the last group padded to 4 characters.
std::string base64_encode(const uint8_t* bytes, size_t count);

// The page. It carries one small script: after loading, it writes "N of M images shown" (the
// images the browser could decode) at the bottom, which tells a reader, or a test driving a
// headless browser, that every embedded picture is intact.
std::string gallery_html(const Gallery& gallery);

// Writes gallery_html atomically (a reader never sees half a page).
void write_gallery(const std::string& path, const Gallery& gallery);

}  // namespace hg::hashing
