// Building gallery pages from datasets and search results (see gallery.h).
#include "train/gallery.h"

#include <algorithm>
#include <optional>

#include "data/image_io.h"
#include "data/transforms.h"

namespace hg {

namespace {

// Thumbnails keep the page small: a 224-pixel photograph shrinks to 128 on its longer side
// (the page shows 84 pixels anyway); a 28-pixel Fashion-MNIST image stays as it is.
constexpr int kThumbnailSide = 128;

data::Image thumbnail(const data::Image& image) {
  int longer = std::max(image.size.height, image.size.width);
  if (longer <= kThumbnailSide) return image;
  int height = std::max(1, image.size.height * kThumbnailSide / longer);
  int width = std::max(1, image.size.width * kThumbnailSide / longer);
  return data::resize_bilinear(image, height, width);
}

// "class 3", "classes 0, 5", or "" without labels.
std::string label_caption(const Labels& labels, int64_t i) {
  if (labels.empty()) return "";
  if (!labels.multi_label()) return "class " + std::to_string(labels.class_id(i));
  std::string text;
  for (int64_t c : labels.classes_of(i)) text += (text.empty() ? "" : ", ") + std::to_string(c);
  return text.empty() ? "no class" : "classes " + text;
}

hashing::GalleryImage gallery_image(const CodedImages& side, int64_t position) {
  int64_t id = side.codes->ids[position];
  std::string label = label_caption(side.codes->labels, position);
  std::string name = side.name ? side.name(id) : "#" + std::to_string(id);
  return {data::encode_png(thumbnail(side.image(id))), name + (label.empty() ? "" : " · " + label)};
}

}  // namespace

std::function<data::Image(int64_t id)> dataset_images(
    std::shared_ptr<const data::Dataset> dataset) {
  return [dataset](int64_t id) {
    HG_CHECK(id >= 0 && id < dataset->size(), "code id ", id, " is not an item of ",
             dataset->name(), " (", dataset->size(),
             " images): these codes were not made from these images");
    return dataset->image(id);
  };
}

std::vector<int64_t> gallery_sample(int64_t count, int64_t wanted) {
  int64_t n = std::min(count, std::max<int64_t>(wanted, 0));
  std::vector<int64_t> positions(static_cast<size_t>(n));
  for (int64_t r = 0; r < n; ++r) positions[r] = r * count / n;
  return positions;
}

hashing::Gallery retrieval_gallery(const CodedImages& queries, const CodedImages& database,
                                   const std::vector<GalleryQuery>& rows, std::string title,
                                   std::string description) {
  std::optional<RelevanceTable> relevance;
  if (!queries.codes->labels.empty() && !database.codes->labels.empty())
    relevance.emplace(queries.codes->labels, database.codes->labels);
  hashing::Gallery gallery{std::move(title), std::move(description), {}};
  for (const GalleryQuery& row : rows) {
    hashing::GalleryRow shown{gallery_image(queries, row.query), {}};
    size_t count = std::min(row.positions.size(), static_cast<size_t>(hashing::kGalleryNeighbours));
    for (size_t j = 0; j < count; ++j) {
      int64_t position = row.positions[j];
      hashing::Relevance verdict = !relevance ? hashing::Relevance::unknown
                                   : relevance->relevant(row.query, position)
                                       ? hashing::Relevance::relevant
                                       : hashing::Relevance::irrelevant;
      shown.neighbours.push_back({gallery_image(database, position), row.distances[j], verdict});
    }
    gallery.rows.push_back(std::move(shown));
  }
  return gallery;
}

hashing::Gallery search_gallery(const CodedImages& queries, const CodedImages& database,
                                const hashing::HammingIndex& index, int64_t wanted,
                                std::string title) {
  const hashing::CodeSet& query_codes = *queries.codes;
  std::vector<int64_t> chosen = gallery_sample(query_codes.count, wanted);
  int64_t words = hashing::words_per_code(query_codes.bits);
  std::vector<uint64_t> chosen_words;
  for (int64_t q : chosen)
    chosen_words.insert(chosen_words.end(), query_codes.words.begin() + q * words,
                        query_codes.words.begin() + (q + 1) * words);
  hashing::PackedCodes packed{chosen_words.data(), static_cast<int64_t>(chosen.size()),
                              query_codes.bits};
  hashing::SearchResult result = index.search(packed, hashing::kGalleryNeighbours);
  std::vector<GalleryQuery> rows;
  for (size_t r = 0; r < chosen.size(); ++r) {
    auto begin = static_cast<std::ptrdiff_t>(r) * result.k;
    rows.push_back(
        {chosen[r],
         {result.ids.begin() + begin, result.ids.begin() + begin + result.k},
         {result.distances.begin() + begin, result.distances.begin() + begin + result.k}});
  }
  std::string description = detail::concat(
      query_codes.bits, "-bit codes; ", chosen.size(), " of ", query_codes.count,
      " queries, spread over the query set; the nearest ", result.k, " of ", database.codes->count,
      " database codes by Hamming distance d (ties: database order)");
  return retrieval_gallery(queries, database, rows, std::move(title), std::move(description));
}

}  // namespace hg
