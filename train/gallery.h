// The gallery's pictures: the images behind query and database codes, fetched from their
// datasets, shrunk to thumbnails and PNG-encoded, laid out by hashing/gallery.h. The trainer's
// final evaluation writes RUN_DIR/gallery.html this way; `hashgrad search --html` too.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "data/dataset.h"
#include "hashing/code_file.h"
#include "hashing/gallery.h"
#include "hashing/hamming_search.h"

namespace hg {

// Codes and the images they stand for: code i shows image(codes.ids[i]), captioned
// name(codes.ids[i]) when `name` is set (image files: their file name), else "#id".
struct CodedImages {
  CodedImages(const hashing::CodeSet& coded, std::function<data::Image(int64_t id)> image_of,
              std::function<std::string(int64_t id)> name_of = {})
      : codes(&coded), image(std::move(image_of)), name(std::move(name_of)) {}

  const hashing::CodeSet* codes;
  std::function<data::Image(int64_t id)> image;
  std::function<std::string(int64_t id)> name;
};

// Item `id` of `dataset`; an id outside it is an error naming the dataset (codes that were not
// made from it).
std::function<data::Image(int64_t id)> dataset_images(std::shared_ptr<const data::Dataset> dataset);

// One query of a gallery and its results, nearest first.
struct GalleryQuery {
  int64_t query = 0;               // position in the query codes
  std::vector<int64_t> positions;  // positions in the database codes
  std::vector<int32_t> distances;  // their Hamming distances
};

// `wanted` of `count` query positions spread evenly over the set, q_r = ⌊r·count/wanted⌋, so the
// rows cover the whole query set rather than its start (all of them when count ≤ wanted).
std::vector<int64_t> gallery_sample(int64_t count, int64_t wanted);

// A row per query with its first kGalleryNeighbours results; relevance from the codes' labels
// (unknown when either side has none).
hashing::Gallery retrieval_gallery(const CodedImages& queries, const CodedImages& database,
                                   const std::vector<GalleryQuery>& rows, std::string title,
                                   std::string description);

// The trainer's gallery: the top kGalleryNeighbours in `index` of `wanted` sample queries.
hashing::Gallery search_gallery(const CodedImages& queries, const CodedImages& database,
                                const hashing::HammingIndex& index, int64_t wanted,
                                std::string title);

}  // namespace hg
