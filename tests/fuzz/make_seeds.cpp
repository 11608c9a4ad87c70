// Writes the fuzzers' seed corpora: small valid files of every format, made by hashgrad's own
// writers where it has one (the files the tests write), by hand after the format's layout where it
// has none (IDX, CIFAR), and the repository's own .npy fixtures and configs.
//
//   make_seeds OUT_FOLDER SOURCE_FOLDER     writes OUT_FOLDER/<target>/<seed>
//
// Seeds are small on purpose: libFuzzer mutates faster, and a short input that reaches a check
// is worth more than a long one.
#include <zlib.h>

#include <stb/stb_image_write.h>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>

#include "data/image_io.h"
#include "hashing/code_file.h"
#include "hashing/npy.h"
#include "tensor/safetensors.h"
#include "train/trained_model.h"

namespace fs = std::filesystem;

namespace {

fs::path out_root;

std::string seed_path(const std::string& target, const std::string& name) {
  fs::create_directories(out_root / target);
  return (out_root / target / name).string();
}

void write_seed(const std::string& target, const std::string& name, const std::string& bytes) {
  std::ofstream(seed_path(target, name), std::ios::binary) << bytes;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string gzip(const std::string& bytes) {
  const std::string path = (out_root / "gzip.tmp").string();
  gzFile file = gzopen(path.c_str(), "wb");
  gzwrite(file, bytes.data(), static_cast<unsigned>(bytes.size()));
  gzclose(file);
  std::string result = read_file(path);
  fs::remove(path);
  return result;
}

std::string idx(std::vector<uint32_t> dims) {
  std::string bytes = {0, 0, 0x08, static_cast<char>(dims.size())};
  size_t count = 1;
  for (uint32_t dim : dims) {
    for (int shift = 24; shift >= 0; shift -= 8) bytes += static_cast<char>(dim >> shift);
    count *= dim;
  }
  for (size_t i = 0; i < count; ++i) bytes += static_cast<char>(i % 10);
  return bytes;
}

hg::data::Image pattern_image(int height, int width, int channels) {
  hg::data::Image image(hg::data::ImageSize{height, width, channels});
  for (size_t i = 0; i < image.pixels.size(); ++i) image.pixels[i] = static_cast<uint8_t>(i * 29);
  return image;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: make_seeds OUT_FOLDER SOURCE_FOLDER\n");
    return 2;
  }
  out_root = argv[1];
  const fs::path source = argv[2];
  fs::create_directories(out_root);

  for (const auto& [name, bytes] : std::map<std::string, std::string>{
           {"images", idx({2, 3, 4})}, {"labels", idx({5})}, {"one_image", idx({1, 28, 28})}}) {
    write_seed("idx", name, bytes);
    write_seed("idx", name + ".gz", gzip(bytes));
    write_seed("idx_gzip", name, bytes);
  }

  for (int records : {1, 2}) {
    std::string cifar10, cifar100;
    for (int r = 0; r < records; ++r) {
      cifar10 += static_cast<char>(r + 3);
      cifar100 += std::string{static_cast<char>(r + 1), static_cast<char>(r + 40)};
      const std::string pixels = pattern_image(3, 32, 32).pixels.size() == 3072
                                     ? std::string(3072, static_cast<char>(r * 50))
                                     : "";
      cifar10 += pixels;
      cifar100 += pixels;
    }
    write_seed("cifar", "cifar10_" + std::to_string(records), cifar10);
    write_seed("cifar", "cifar100_" + std::to_string(records), cifar100);
  }

  const hg::data::Image rgb = pattern_image(5, 7, 3), grey = pattern_image(6, 4, 1);
  hg::data::write_png(seed_path("image_png", "rgb.png"), rgb);
  hg::data::write_png(seed_path("image_png", "grey.png"), grey);
  hg::data::write_jpeg(seed_path("image_jpeg", "rgb.jpg"), rgb, 90);
  hg::data::write_jpeg(seed_path("image_jpeg", "grey.jpg"), grey, 50);
  stbi_write_bmp(seed_path("image_bmp", "rgb.bmp").c_str(), 7, 5, 3, rgb.pixels.data());
  stbi_write_bmp(seed_path("image_bmp", "grey.bmp").c_str(), 4, 6, 1, grey.pixels.data());

  write_seed("image_list", "single", "a.png 0\nb.jpg 2\n# a comment\n");
  write_seed("image_list", "multi_hot", "a.png 0 1 1 0\nb.jpg 1 0 0 0\nmissing.png 0 0 0 1\n");
  write_seed("image_list", "multi_label", "a.png 3 7\n/abs/b.jpg 1\n");
  write_seed("image_folder", "tree", "cat/a.png\ncat/b.png\ndog/c.png\nbird/d.jpg:not a jpeg\n");

  hg::Tensor weights = hg::Tensor::empty({2, 3}, hg::DType::f32);
  for (int i = 0; i < 6; ++i) static_cast<float*>(weights.raw_data())[i] = 0.5f * i;
  hg::Tensor step = hg::Tensor::empty({1}, hg::DType::i64);
  static_cast<int64_t*>(step.raw_data())[0] = 7;
  hg::save_safetensors(seed_path("safetensors", "two_tensors.safetensors"),
                       {{"layer.weight", weights}, {"step", step}}, {{"format", "pt"}});
  const std::string saved = read_file(seed_path("safetensors", "two_tensors.safetensors"));
  uint64_t header_bytes = 0;
  for (int i = 7; i >= 0; --i) header_bytes = (header_bytes << 8) | static_cast<uint8_t>(saved[i]);
  write_seed("safetensors_header", "two_tensors",
             saved.substr(8, header_bytes) + std::string(1, '\0') + saved.substr(8 + header_bytes));

  for (const auto& entry : fs::directory_iterator(source / "tests/fixtures"))
    if (entry.path().extension() == ".npy")
      fs::copy_file(entry.path(), seed_path("npy", entry.path().filename().string()),
                    fs::copy_options::overwrite_existing);

  using hg::hashing::CodeSet;
  CodeSet class_ids =
      CodeSet::from_words(12, {0xABC, 0x123, 0xFFF}, hg::Labels::from_class_ids({0, 2, 1}, 3));
  CodeSet multi_hot =
      CodeSet::from_words(70, {1, 2, 3, 4}, hg::Labels::from_multi_hot({1, 0, 1, 0, 1, 1}, 3));
  for (const auto& [name, codes] :
       std::map<std::string, CodeSet>{{"class_ids", class_ids},
                                      {"multi_hot", multi_hot},
                                      {"no_labels", CodeSet::from_words(64, {5, 6}, {})}}) {
    hg::hashing::write_code_file(seed_path("code_file", name + ".hgc"), codes);
    hg::hashing::write_code_file(seed_path("code_file_checksummed", name + ".hgc"), codes);
  }

  for (const auto& entry : fs::directory_iterator(source / "configs"))
    if (entry.path().extension() == ".conf")
      fs::copy_file(entry.path(), seed_path("config", entry.path().filename().string()),
                    fs::copy_options::overwrite_existing);

  hg::ModelDescription description;
  description.backbone = "cnn5";
  description.backbone_options.in_channels = 1;
  description.backbone_options.image_size = 28;
  description.bits = 48;
  description.classifier_classes = 10;
  description.normalization.mean = {0.5f};
  description.normalization.stddev = {0.25f};
  hg::save_model_description(seed_path("model_json", "cnn5.json"), description);

  for (const auto& [name, line] : std::map<std::string, std::string>{
           {"search", "search\n--index\ndb.hgc\n--queries\nq.hgc\n--top-k\n10\n"},
           {"encode", "encode\n--model\nrun\n--data\nfmnist:test\n--out\ncodes.hgc\n"},
           {"eval", "eval\n--run\nrun\n--top-k\n100\n"},
           {"export", "export\n--run\nrun\n--out\nexported\n"},
           {"info", "info\nrun\n"},
           {"train", "train\n--config\nx.conf\n--set\nrounds=1\n--out\nrun\n"},
           {"help", "search\n--help\n"}})
    write_seed("command_arguments", name, line);
  return 0;
}
