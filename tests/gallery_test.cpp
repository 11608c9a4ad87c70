// gallery.html: base64 against the RFC 4648 test vectors, PNG encoding that decodes back to the
// same pixels, the page's structure for a hand-made gallery (images, relevance marks, distances,
// escaping), a gallery built from datasets and codes (the right pictures beside the right
// distances), and the page rendered by headless Chromium with every embedded image decoded.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "data/image_io.h"
#include "hashing/cpu_hamming_index.h"
#include "hashing/gallery.h"
#include "tests/data_test_files.h"
#include "tests/test_support.h"
#include "train/gallery.h"

namespace hg {
namespace {

namespace fs = std::filesystem;

using test::count_of;
using test::read_text;
using test::temporary_path;
using test::write_bytes;

std::string base64_of(const std::string& text) {
  return hashing::base64_encode(reinterpret_cast<const uint8_t*>(text.data()), text.size());
}

// A grey image of one value, so a decoded picture tells which item it was.
data::Image solid(int height, int width, uint8_t value) {
  data::Image image(data::ImageSize{height, width, 1});
  std::fill(image.pixels.begin(), image.pixels.end(), value);
  return image;
}

// PNG bytes back to pixels, through stb_image like any image file.
data::Image decode_png(const std::vector<uint8_t>& png, const std::string& name) {
  std::string path = temporary_path(name + ".png");
  write_bytes(path, png);
  return data::decode_image(path, 1);
}

TEST(Base64, MatchesTheRfc4648TestVectors) {
  EXPECT_EQ(base64_of(""), "");
  EXPECT_EQ(base64_of("f"), "Zg==");
  EXPECT_EQ(base64_of("fo"), "Zm8=");
  EXPECT_EQ(base64_of("foo"), "Zm9v");
  EXPECT_EQ(base64_of("foob"), "Zm9vYg==");
  EXPECT_EQ(base64_of("fooba"), "Zm9vYmE=");
  EXPECT_EQ(base64_of("foobar"), "Zm9vYmFy");
  // The last two letters of the alphabet: 0xFFFEFD = 111111 111111 111011 111101 → / / 7 9, and
  // 0xFBEF → 111110 111110 1111(00) → + + 8 =.
  const uint8_t high[] = {0xFF, 0xFE, 0xFD, 0xFB, 0xEF};
  EXPECT_EQ(hashing::base64_encode(high, 3), "//79");
  EXPECT_EQ(hashing::base64_encode(high + 3, 2), "++8=");
}

TEST(EncodePng, DecodesBackToTheSamePixels) {
  data::Image image(data::ImageSize{5, 7, 3});
  for (size_t i = 0; i < image.pixels.size(); ++i) image.pixels[i] = static_cast<uint8_t>(i * 37);
  std::vector<uint8_t> png = data::encode_png(image);
  const uint8_t signature[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  ASSERT_GT(png.size(), sizeof signature);
  EXPECT_TRUE(std::equal(signature, signature + sizeof signature, png.begin()));
  std::string path = temporary_path("rgb.png");
  write_bytes(path, png);
  data::Image back = data::decode_image(path, 3);
  EXPECT_EQ(back.size, image.size);
  EXPECT_EQ(back.pixels, image.pixels);
}

// Two rows: a labelled query with three results (relevant at d = 1, not at d = 2, relevant at
// d = 5) and an unlabelled query with two.
hashing::Gallery hand_made_gallery(const std::vector<uint8_t>& png) {
  using hashing::Relevance;
  hashing::Gallery gallery;
  gallery.title = "a<b & \"c\"";
  gallery.description = "16-bit codes";
  gallery.rows.push_back({{png, "#7 · class 3"},
                          {{{png, "#1 · class 3"}, 1, Relevance::relevant},
                           {{png, "#2 · class 4"}, 2, Relevance::irrelevant},
                           {{png, "#3 · class 3"}, 5, Relevance::relevant}}});
  gallery.rows.push_back(
      {{png, "shirt.png"},
       {{{png, "#4"}, 0, Relevance::unknown}, {{png, "#5"}, 3, Relevance::unknown}}});
  return gallery;
}

TEST(GalleryHtml, HasAnImagePerPictureAndMarksEachResult) {
  std::vector<uint8_t> png = data::encode_png(solid(4, 4, 200));
  std::string html = hashing::gallery_html(hand_made_gallery(png));
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_EQ(count_of(html, "<img "), 7);
  EXPECT_EQ(count_of(html, "src=\"data:image/png;base64," +
                               hashing::base64_encode(png.data(), png.size()) + "\""),
            7);
  EXPECT_EQ(count_of(html, "<figure class=\"query\">"), 2);
  EXPECT_EQ(count_of(html, "<figure class=\"relevant\">"), 2);
  EXPECT_EQ(count_of(html, "<figure class=\"irrelevant\">"), 1);
  EXPECT_EQ(count_of(html, "<figure class=\"unknown\">"), 2);
  for (const char* caption :
       {"<figcaption>1. d = 1 ✓<br>#1 · class 3</figcaption>",
        "<figcaption>2. d = 2 ✗<br>#2 · class 4</figcaption>",
        "<figcaption>3. d = 5 ✓<br>#3 · class 3</figcaption>",
        "<figcaption>1. d = 0<br>#4</figcaption>", "<figcaption>2. d = 3<br>#5</figcaption>",
        "<figcaption>query<br>shirt.png</figcaption>",
        "<div class=\"summary\">2 of 3 relevant</div>", "<div class=\"summary\">no labels</div>"})
    EXPECT_EQ(count_of(html, caption), 1) << caption;
  // Captions and the title are text, never markup.
  EXPECT_EQ(count_of(html, "a&lt;b &amp; &quot;c&quot;"), 2);  // <title> and <h1>
  EXPECT_EQ(count_of(html, "a<b"), 0);
  EXPECT_EQ(count_of(html, "<p id=\"image-count\"></p>"), 1);
  EXPECT_EQ(count_of(html, "<script>"), 1);
  EXPECT_EQ(html.substr(html.size() - 8), "</html>\n");

  std::string path = temporary_path("hand_made.html");
  hashing::write_gallery(path, hand_made_gallery(png));
  EXPECT_EQ(read_text(path), html);
}

// Items of `dataset` are solid images of value 10·(id + 1), so a decoded picture names its item.
std::shared_ptr<data::InMemoryDataset> solid_dataset(int64_t count,
                                                     const std::vector<int32_t>& classes) {
  std::vector<uint8_t> pixels;
  for (int64_t i = 0; i < count; ++i) {
    data::Image image = solid(6, 6, static_cast<uint8_t>(10 * (i + 1)));
    pixels.insert(pixels.end(), image.pixels.begin(), image.pixels.end());
  }
  return std::make_shared<data::InMemoryDataset>(
      "solids", data::ImageSize{6, 6, 1}, std::move(pixels), Labels::from_class_ids(classes, 3));
}

TEST(RetrievalGallery, ShowsEachQuerysNearestItemsWithTheirDistances) {
  // 8-bit codes, one word each. Database item i = the code with its lowest i bits set: the
  // distance from query 0 (code 0) to item i is i; query 1 (all ones) is at distance 8 − i.
  std::vector<uint64_t> database_words, query_words = {0x00, 0xFF};
  for (uint64_t i = 0; i < 8; ++i) database_words.push_back((uint64_t{1} << i) - 1);
  std::vector<int32_t> database_classes = {0, 1, 2, 0, 1, 2, 0, 1}, query_classes = {0, 1};
  hashing::CodeSet database =
      hashing::CodeSet::from_words(8, database_words, Labels::from_class_ids(database_classes));
  hashing::CodeSet queries =
      hashing::CodeSet::from_words(8, query_words, Labels::from_class_ids(query_classes));
  hashing::CpuHammingIndex index(database.packed());

  hashing::Gallery gallery = search_gallery(
      {queries, dataset_images(solid_dataset(2, query_classes))},
      {database, dataset_images(solid_dataset(8, database_classes))}, index, 5, "solids");
  ASSERT_EQ(gallery.rows.size(), 2u);  // both queries: fewer than the 5 asked for
  for (int64_t q = 0; q < 2; ++q) {
    const hashing::GalleryRow& row = gallery.rows[q];
    EXPECT_EQ(decode_png(row.query.png, "query").pixels[0], 10 * (q + 1));
    EXPECT_EQ(row.query.caption, "#" + std::to_string(q) + " · class " + std::to_string(q));
    ASSERT_EQ(row.neighbours.size(), 8u);  // the whole database: fewer than 10 items
    for (int64_t rank = 0; rank < 8; ++rank) {
      int64_t item = q == 0 ? rank : 7 - rank;  // nearest first
      const hashing::GalleryNeighbour& neighbour = row.neighbours[rank];
      EXPECT_EQ(neighbour.distance, q == 0 ? item : 8 - item);
      EXPECT_EQ(decode_png(neighbour.image.png, "item").pixels[0], 10 * (item + 1));
      EXPECT_EQ(neighbour.image.caption,
                "#" + std::to_string(item) + " · class " + std::to_string(database_classes[item]));
      EXPECT_EQ(neighbour.relevance, database_classes[item] == query_classes[q]
                                         ? hashing::Relevance::relevant
                                         : hashing::Relevance::irrelevant);
    }
  }

  // Codes that were not made from the images: an error naming the dataset.
  hashing::CodeSet foreign = database;
  foreign.ids[0] = 8;
  EXPECT_THROW(search_gallery({queries, dataset_images(solid_dataset(2, query_classes))},
                              {foreign, dataset_images(solid_dataset(8, database_classes))}, index,
                              1, "foreign"),
               Error);
}

TEST(RetrievalGallery, SamplesQueriesEvenlyOverTheSet) {
  EXPECT_EQ(gallery_sample(50, 8), (std::vector<int64_t>{0, 6, 12, 18, 25, 31, 37, 43}));
  EXPECT_EQ(gallery_sample(3, 8), (std::vector<int64_t>{0, 1, 2}));
  EXPECT_TRUE(gallery_sample(10, 0).empty());
}

// Headless Chromium loads the page; its script reports how many images the browser decoded.
TEST(GalleryInABrowser, EveryEmbeddedImageDecodes) {
  if (std::system("command -v chromium >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "chromium not installed (Debian: chromium)";
  // A corrupt picture in one row shows the count is of decoded images, not of <img> tags.
  hashing::Gallery gallery = hand_made_gallery(data::encode_png(solid(28, 28, 90)));
  std::string html_path = temporary_path("browser.html"),
              dom_path = temporary_path("browser_dom.html");
  std::string profile = temporary_path("chromium_profile");
  hashing::write_gallery(html_path, gallery);
  gallery.rows[1].neighbours[1].image.png = {'n', 'o', 't', ' ', 'p', 'n', 'g'};
  std::string broken_path = temporary_path("broken.html"),
              broken_dom = temporary_path("broken_dom.html");
  hashing::write_gallery(broken_path, gallery);

  auto dump_dom = [&](const std::string& page, const std::string& out) {
    fs::remove_all(profile);
    std::string command =
        "timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic "
        "--no-first-run --disable-background-networking --disable-component-update "
        "--disable-sync --user-data-dir=" +
        profile + " --dump-dom file://" + fs::absolute(page).string() + " >" + out + " 2>/dev/null";
    return std::system(command.c_str());
  };
  ASSERT_EQ(dump_dom(html_path, dom_path), 0);
  std::string dom = read_text(dom_path);
  EXPECT_NE(dom.find("<p id=\"image-count\">7 of 7 images shown</p>"), std::string::npos) << dom;
  ASSERT_EQ(dump_dom(broken_path, broken_dom), 0);
  dom = read_text(broken_dom);
  EXPECT_NE(dom.find("<p id=\"image-count\">6 of 7 images shown</p>"), std::string::npos) << dom;
  fs::remove_all(profile);
}

}  // namespace
}  // namespace hg
