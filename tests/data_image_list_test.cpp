// Image lists and folder trees on PNG/JPEG files written here: both label forms, relative
// paths, resizing and channel conversion, cached and lazy decoding, and every error (missing
// label, bad label, label out of range, ragged multi-hot rows, class ids asking for labels far
// larger than the list, corrupt and missing images)
// with its message, plus skipping corrupt images with warnings and a count.
#include <gtest/gtest.h>

#include "data/image_io.h"
#include "data/image_list.h"
#include "data/jpeg_decoder.h"
#include "data/transforms.h"
#include "tests/data_test_files.h"

namespace hg::data {
namespace {

using test::error_message;

// A 2×2 RGB image whose pixels are value, value + 1, … (mod 256).
Image solid(int value) {
  Image image(ImageSize{2, 2, 3});
  for (size_t i = 0; i < image.pixels.size(); ++i)
    image.pixels[i] = static_cast<uint8_t>(value + i);
  return image;
}

ImageListOptions options_2x2(CacheMode cache = CacheMode::automatic) {
  ImageListOptions options;
  options.height = 2;
  options.width = 2;
  options.cache = cache;
  return options;
}

// Files a.png (value 10), sub/b.png (20), c.jpg (30) next to list.txt.
struct Images {
  test::ScratchFolder folder;
  Images() {
    write_png(folder.file("a.png"), solid(10));
    write_png(folder.file("sub/b.png"), solid(20));
    write_jpeg(folder.file("c.jpg"), solid(30));
  }
  std::string list(const std::string& text) {
    test::write_text(folder.file("list.txt"), text);
    return folder.file("list.txt");
  }
};

TEST(DataImageList, ClassIdListWithRelativePaths) {
  Images images;
  std::string list = images.list("# path label\na.png 0\n\nsub/b.png 2\n");
  for (CacheMode cache : {CacheMode::always, CacheMode::never}) {
    auto dataset = ImageListDataset::from_list(list, options_2x2(cache));
    EXPECT_EQ(dataset->cached(), cache == CacheMode::always);
    ASSERT_EQ(dataset->size(), 2);
    EXPECT_FALSE(dataset->multi_label());
    EXPECT_EQ(dataset->num_classes(), 3);
    EXPECT_EQ(dataset->labels().class_ids(), (std::vector<int32_t>{0, 2}));
    EXPECT_EQ(dataset->path(1), images.folder.file("sub/b.png"));
    EXPECT_EQ(dataset->get(1).image.pixels, solid(20).pixels);
  }
}

TEST(DataImageList, SeveralIdsOrMultiHotRowsAreMultiLabel) {
  Images images;
  auto ids = ImageListDataset::from_list(images.list("a.png 0 3\nsub/b.png 1\n"), options_2x2());
  EXPECT_TRUE(ids->multi_label());
  EXPECT_EQ(ids->labels().matrix(), (std::vector<uint8_t>{1, 0, 0, 1, 0, 1, 0, 0}));
  auto hot =
      ImageListDataset::from_list(images.list("a.png 0 1 0 1\nc.jpg 0 0 0 0\n"), options_2x2());
  EXPECT_TRUE(hot->multi_label());
  EXPECT_EQ(hot->num_classes(), 4);
  EXPECT_EQ(hot->labels().matrix(), (std::vector<uint8_t>{0, 1, 0, 1, 0, 0, 0, 0}));
  // One-hot rows (DeepHash-pytorch's CIFAR lists) are single-label data.
  auto one_hot =
      ImageListDataset::from_list(images.list("a.png 0 0 1\nc.jpg 1 0 0\n"), options_2x2());
  EXPECT_FALSE(one_hot->multi_label());
  EXPECT_EQ(one_hot->labels().class_ids(), (std::vector<int32_t>{2, 0}));
}

TEST(DataImageList, MultiLabelIdsMayNotAskForFarMoreLabelsThanTheListHolds) {
  // 40 lines of two ids, one mistyped as 88881: 40 x 88882 bytes of multi-hot rows, from a list
  // of 404 bytes, are refused naming its line (a fuzz finding: seconds for a 5.7 KB list).
  Images images;
  std::string text;
  for (int i = 0; i < 40; ++i) text += i == 17 ? "a.png 1 88881\n" : "a.png 1 2\n";
  std::string list = images.list(text);
  EXPECT_EQ(error_message([&] { ImageListDataset::from_list(list, options_2x2()); }),
            list +
                ":18: label 88881 makes 88882 classes: the labels of this multi-label list would "
                "take 40 x 88882 bytes, more than 128 times the list's 404 bytes (a mistyped "
                "label? with that many classes, write each line's labels as multi-hot values, a "
                "0 or 1 per class)");
  // Within the bound: 100 classes, 4,000 bytes of rows.
  text = "a.png 1 99\n";
  for (int i = 1; i < 40; ++i) text += "a.png 1 2\n";
  images.list(text);
  auto hundred = ImageListDataset::from_list(list, options_2x2());
  EXPECT_TRUE(hundred->multi_label());
  EXPECT_EQ(hundred->num_classes(), 100);
  // One id per line is a class id per image, whatever the largest.
  text.clear();
  for (int i = 0; i < 40; ++i) text += i == 17 ? "a.png 88881\n" : "a.png 2\n";
  auto single = ImageListDataset::from_list(images.list(text), options_2x2());
  EXPECT_FALSE(single->multi_label());
  EXPECT_EQ(single->num_classes(), 88882);
  EXPECT_EQ(single->labels().class_id(17), 88881);
  // As the message says: the same classes as multi-hot rows take no more than the list's size.
  std::string row(2 * 88882, '0');
  for (size_t k = 1; k < row.size(); k += 2) row[k] = ' ';
  std::string first = row, second = row;
  first[2 * 1] = first[2 * 88881] = '1';
  second[2 * 1] = second[2 * 2] = '1';
  auto hot = ImageListDataset::from_list(images.list("a.png " + first + "\nc.jpg " + second + "\n"),
                                         options_2x2());
  EXPECT_TRUE(hot->multi_label());
  EXPECT_EQ(hot->labels().classes_of(0), (std::vector<int64_t>{1, 88881}));
}

TEST(DataImageList, ResizesAndConvertsChannels) {
  Images images;
  ImageListOptions options = options_2x2();
  options.height = 3;
  options.width = 5;
  options.channels = 1;
  auto dataset = ImageListDataset::from_list(images.list("a.png 0\n"), options);
  EXPECT_EQ(dataset->image_size(), (ImageSize{3, 5, 1}));
  Image expected = resize_bilinear(decode_image(images.folder.file("a.png"), 1), 3, 5);
  EXPECT_EQ(dataset->image(0).pixels, expected.pixels);
}

TEST(DataImageList, ListErrorsNameTheLine) {
  Images images;
  std::string list = images.list("a.png 0\nsub/b.png\n");
  EXPECT_EQ(error_message([&] { ImageListDataset::from_list(list, options_2x2()); }),
            list +
                ":2: 'sub/b.png' has no label (expected 'path label [label ...]' or 'path 0 1 "
                "0 ...')");
  images.list("a.png 0\na.png x\n");
  EXPECT_EQ(error_message([&] { ImageListDataset::from_list(list, options_2x2()); }),
            list + ":2: label 'x' is not a non-negative integer");
  images.list("a.png 0\n\nc.jpg 12\n");
  ImageListOptions ten = options_2x2();
  ten.num_classes = 10;
  EXPECT_EQ(error_message([&] { ImageListDataset::from_list(list, ten); }),
            list + ":3: label 12 is out of range [0, 10)");
  images.list("a.png 0 1 0\nc.jpg 0 1\n");
  ImageListOptions multi_hot = options_2x2();
  multi_hot.label_format = LabelFormat::multi_hot;
  EXPECT_EQ(error_message([&] { ImageListDataset::from_list(list, multi_hot); }),
            list + ":2: 2 multi-hot values, but line 1 has 3");
  images.list("a.png 0 2 0\n");
  EXPECT_EQ(error_message([&] { ImageListDataset::from_list(list, multi_hot); }),
            list + ":1: multi-hot value 2 is not 0 or 1");
  images.list("# nothing\n");
  EXPECT_EQ(error_message([&] { ImageListDataset::from_list(list, options_2x2()); }),
            "image list '" + list + "' holds no images");
  EXPECT_EQ(error_message([&] { ImageListDataset::from_list(list + ".missing", options_2x2()); }),
            "cannot open image list '" + list + ".missing': No such file or directory");
  images.list("a.png 0\n");
  ImageListOptions half;
  half.height = 2;
  EXPECT_EQ(error_message([&] { ImageListDataset::from_list(list, half); }),
            list +
                ": images are resized to height x width, both positive, or kept at their own "
                "size (0 x 0); got 2x0");
  ImageListOptions own_size;
  own_size.cache = CacheMode::always;
  EXPECT_EQ(error_message([&] { ImageListDataset::from_list(list, own_size); }),
            list + ": only images resized to one size can be cached; set the size");
}

TEST(DataImageList, WithoutASizeEachImageKeepsItsOwn) {
  Images images;
  write_jpeg(images.folder.file("wide.jpg"), Image(ImageSize{375, 500, 3}));
  auto dataset = ImageListDataset::from_list(images.list("a.png 0\nwide.jpg 1\n"), {});
  EXPECT_EQ(size_string(dataset->image_size()), "?x?x3");
  EXPECT_FALSE(dataset->cached());
  EXPECT_EQ(dataset->image(0).pixels, solid(10).pixels);
  EXPECT_EQ(dataset->image(1).size, (ImageSize{375, 500, 3}));
  // Transforms that need a 150 shorter side let libjpeg-turbo decode at 1/2 (jpeg_decoder.h).
  ImageListOptions reducible;
  reducible.reducible_to = 150;
  auto reduced = ImageListDataset::from_list(images.list("wide.jpg 1\n"), reducible);
  EXPECT_EQ(reduced->image(0).size, jpeg_decoded_size(375, 500, 3, 150));
}

TEST(DataImageList, CorruptImagesFailNamingTheLineOrAreSkipped) {
  Images images;
  test::write_text(images.folder.file("broken.png"), "not a png");
  std::string list = images.list("a.png 0\nbroken.png 1\nmissing.png 1\nc.jpg 2\n");
  std::string broken = images.folder.file("broken.png");
  std::string missing = images.folder.file("missing.png");
  std::string broken_message = list + ":2: cannot decode image '" + broken +
                               "': Image not of any known type, or corrupt (corrupt, or not a "
                               "JPEG, PNG or BMP file)";
  std::string missing_message =
      list + ":3: cannot open image '" + missing + "': No such file or directory";
  // Cached: the up-front decode finds them and reports the first.
  EXPECT_EQ(error_message([&] { ImageListDataset::from_list(list, options_2x2()); }),
            broken_message +
                " (and 1 more); set skip_corrupt_images = true to skip unreadable images with a "
                "warning");
  // Lazy: the error comes with the item.
  auto lazy = ImageListDataset::from_list(list, options_2x2(CacheMode::never));
  EXPECT_EQ(lazy->size(), 4);
  EXPECT_EQ(error_message([&] { lazy->get(2); }), missing_message);
  // Skipped, cached or not: a warning each, then the count.
  for (CacheMode cache : {CacheMode::always, CacheMode::never}) {
    ImageListOptions options = options_2x2(cache);
    options.skip_corrupt_images = true;
    std::vector<std::string> received;
    options.on_warning = [&](const std::string& warning) { received.push_back(warning); };
    auto dataset = ImageListDataset::from_list(list, options);
    EXPECT_EQ(dataset->size(), 2);
    EXPECT_EQ(dataset->skipped(), 2);
    EXPECT_EQ(dataset->labels().class_ids(), (std::vector<int32_t>{0, 2}));
    EXPECT_EQ(dataset->path(1), images.folder.file("c.jpg"));
    EXPECT_EQ(dataset->image(0).pixels, solid(10).pixels);
    EXPECT_EQ(received, (std::vector<std::string>{
                            "skipped: " + broken_message, "skipped: " + missing_message,
                            list + ": skipped 2 of 4 images that could not be decoded"}));
    EXPECT_EQ(dataset->warnings(), received);
  }
}

TEST(DataImageList, FolderTreeGivesSortedClasses) {
  test::ScratchFolder folder;
  write_png(folder.file("tree/dog/2.png"), solid(1));
  write_png(folder.file("tree/dog/1.png"), solid(2));
  write_png(folder.file("tree/cat/x.png"), solid(3));
  test::write_text(folder.file("tree/cat/readme.txt"), "not an image, ignored");
  write_png(folder.file("tree/.hidden/y.png"), solid(4));
  auto dataset = ImageListDataset::from_folder(folder.file("tree"), options_2x2());
  EXPECT_EQ(dataset->class_names(), (std::vector<std::string>{"cat", "dog"}));
  ASSERT_EQ(dataset->size(), 3);
  EXPECT_EQ(dataset->labels().class_ids(), (std::vector<int32_t>{0, 1, 1}));
  EXPECT_EQ(dataset->image(0).pixels, solid(3).pixels);
  EXPECT_EQ(dataset->image(1).pixels, solid(2).pixels);  // 1.png sorts before 2.png
  std::string empty = folder.file("empty");
  std::filesystem::create_directories(empty);
  EXPECT_EQ(error_message([&] { ImageListDataset::from_folder(empty, options_2x2()); }),
            "image folder '" + empty +
                "' has no class subfolders (expected root/<class name>/<image files>)");
  EXPECT_EQ(error_message([&] { ImageListDataset::from_folder(empty + "/no", options_2x2()); }),
            "image folder '" + empty + "/no' does not exist or is not a folder");
}

}  // namespace
}  // namespace hg::data
