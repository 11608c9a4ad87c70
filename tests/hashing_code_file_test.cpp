// The code file (DESIGN §6) and the .npy interop of code_io: round trips with each label
// layout, the header bytes at their documented offsets, every corruption named, no temporary
// file left behind, and NumPy-written codes and labels loaded as the same code set.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>

#include "hashing/code_io.h"
#include "hashing/mapped_code_file.h"
#include "tests/data_test_files.h"
#include "tests/test_support.h"

namespace hg::hashing {
namespace {

using test::error_message;
using test::read_bytes;
using test::temporary_path;
using test::write_bytes;

// Three 12-bit codes (the codes of tests/fixtures/make_npy_fixtures.py) with class ids.
CodeSet small_set() {
  CodeSet codes =
      CodeSet::from_words(12, {0x80B1, 0x0000, 0xF0FF}, Labels::from_class_ids({3, 0, 7}));
  codes.ids = {100, 101, 102};
  return codes;
}

void expect_same(const CodeSet& a, const CodeSet& b) {
  EXPECT_EQ(a.bits, b.bits);
  EXPECT_EQ(a.count, b.count);
  EXPECT_EQ(a.words, b.words);
  EXPECT_EQ(a.ids, b.ids);
  EXPECT_EQ(a.labels.layout(), b.labels.layout());
  if (a.labels.layout() == LabelLayout::class_ids) {
    EXPECT_EQ(a.labels.class_ids(), b.labels.class_ids());
  }
  EXPECT_EQ(a.labels.matrix(), b.labels.matrix());
  EXPECT_EQ(a.labels.num_classes(), b.labels.num_classes());
}

TEST(CodeFile, RoundTripsEveryLabelLayout) {
  std::string path = temporary_path("round_trip.hgc");
  CodeSet with_ids = small_set();
  CodeSet multi_hot =
      CodeSet::from_words(100, {1, 2, 3, 4}, Labels::from_multi_hot({1, 0, 1, 0, 1, 1}, 3));
  CodeSet unlabelled = CodeSet::from_words(1024, std::vector<uint64_t>(32, 0xABCDEFu));
  for (const CodeSet* codes : {&with_ids, &multi_hot, &unlabelled}) {
    write_code_file(path, *codes);
    expect_same(read_code_file(path), *codes);
  }
  // Only the file itself is left: the temporary file was renamed.
  for (const auto& entry : std::filesystem::directory_iterator(::testing::TempDir()))
    EXPECT_EQ(entry.path().string().find("round_trip.hgc.tmp"), std::string::npos);
  std::remove(path.c_str());
}

// A mapped file hands out any rows in place (codes) or copied (labels, ids), equal to the
// same rows of the file read whole; rows outside the file are named.
TEST(CodeFile, MappedRowsEqualTheFileReadWhole) {
  std::string path = temporary_path("mapped.hgc");
  CodeSet multi_hot = CodeSet::from_words(100, {1, 2, 3, 4, 5, 6},
                                          Labels::from_multi_hot({1, 0, 1, 0, 1, 1, 0, 0, 1}, 3));
  multi_hot.ids = {7, 8, 9};
  write_code_file(path, multi_hot);
  {
    MappedCodeFile file(path);
    file.verify_checksum();
    EXPECT_EQ(file.count(), 3);
    EXPECT_EQ(file.bits(), 100);
    PackedCodes rows = file.codes(1, 2);
    EXPECT_EQ(std::vector<uint64_t>(rows.words, rows.words + 4),
              (std::vector<uint64_t>{3, 4, 5, 6}));
    EXPECT_EQ(file.ids(1, 2), (std::vector<int64_t>{8, 9}));
    EXPECT_EQ(file.labels(1, 2).matrix(), (std::vector<uint8_t>{0, 1, 1, 0, 0, 1}));
    expect_same(file.read(0, 3), multi_hot);
    EXPECT_NE(error_message([&] { file.codes(2, 2); }).find("outside its 3 codes"),
              std::string::npos);
  }
  CodeSet class_ids = small_set();
  write_code_file(path, class_ids);
  MappedCodeFile file(path);
  EXPECT_EQ(file.labels(1, 2).class_ids(), (std::vector<int32_t>{0, 7}));
  std::remove(path.c_str());
}

TEST(CodeFile, HeaderFieldsSitAtTheirDocumentedOffsets) {
  std::string path = temporary_path("header.hgc");
  write_code_file(path, small_set());
  std::vector<uint8_t> bytes = read_bytes(path);
  // 32 header + 3 codes·8 + 3 ids·4 (class ids) + 3·8 ids + 8 checksum.
  ASSERT_EQ(bytes.size(), 32u + 24 + 12 + 24 + 8);
  EXPECT_EQ(std::memcmp(bytes.data(), "HGCODES\0", 8), 0);
  auto u32 = [&](size_t at) {
    uint32_t v;
    std::memcpy(&v, &bytes[at], 4);
    return v;
  };
  auto u64 = [&](size_t at) {
    uint64_t v;
    std::memcpy(&v, &bytes[at], 8);
    return v;
  };
  EXPECT_EQ(u32(8), 1u);        // version
  EXPECT_EQ(u32(12), 12u);      // bits
  EXPECT_EQ(u64(16), 3u);       // count
  EXPECT_EQ(u32(24), 1u);       // class ids
  EXPECT_EQ(u32(28), 8u);       // classes: 1 + largest id 7
  EXPECT_EQ(u64(32), 0x80B1u);  // first code
  EXPECT_EQ(u32(56), 3u);       // first label
  EXPECT_EQ(u64(68), 100u);     // first id
  // The checksum: FNV-1a over 64-bit words, recomputed here from its definition.
  uint64_t h = 14695981039346656037ULL;
  size_t body = bytes.size() - 8;
  for (size_t at = 0; at < body; at += 8) {
    uint64_t word = 0;
    std::memcpy(&word, &bytes[at], std::min<size_t>(8, body - at));
    h = (h ^ word) * 1099511628211ULL;
  }
  EXPECT_EQ(u64(body), h);
  std::remove(path.c_str());
}

TEST(CodeFile, EveryCorruptionIsNamed) {
  std::string good = temporary_path("good.hgc"), bad = temporary_path("bad.hgc");
  write_code_file(good, small_set());
  const std::vector<uint8_t> bytes = read_bytes(good);
  struct Case {
    const char* what;
    std::function<void(std::vector<uint8_t>&)> damage;
    const char* message;
  };
  std::vector<Case> cases = {
      {"flipped code bit", [](auto& b) { b[33] ^= 0x04; }, "checksum mismatch"},
      {"truncated", [](auto& b) { b.resize(b.size() - 3); }, "(truncated)"},
      {"trailing bytes", [](auto& b) { b.push_back(0); }, "(trailing bytes)"},
      {"wrong magic", [](auto& b) { b[0] = 'X'; }, "is not a hashgrad code file"},
      {"newer version", [](auto& b) { b[8] = 2; }, "code file version 2 is not supported"},
      {"bad length", [](auto& b) { b[12] = 4; }, "code length 4 bits is outside"},
      {"bad layout", [](auto& b) { b[24] = 9; }, "unknown label layout 9"},
      {"absurd count", [](auto& b) { b[23] = 0x7F; }, "more than the file's"},
      {"header only", [](auto& b) { b.resize(20); }, "truncated code file"},
  };
  for (const Case& c : cases) {
    std::vector<uint8_t> damaged = bytes;
    c.damage(damaged);
    write_bytes(bad, damaged);
    std::string message = error_message([&] { read_code_file(bad); });
    EXPECT_NE(message.find(c.message), std::string::npos) << c.what << ": " << message;
    EXPECT_NE(message.find(bad), std::string::npos) << c.what << ": " << message;
  }
  std::remove(good.c_str());
  std::remove(bad.c_str());
}

// How many of this process's memory mappings map `path` (/proc/self/maps names the file).
int mappings_of(const std::string& path) {
  std::ifstream maps("/proc/self/maps");
  int count = 0;
  for (std::string line; std::getline(maps, line);)
    count += line.size() >= path.size() && line.substr(line.size() - path.size()) == path;
  return count;
}

TEST(CodeFile, ARefusedFileIsUnmapped) {
  std::string good = temporary_path("mapped.hgc"), bad = temporary_path("mapped-bad.hgc");
  write_code_file(good, small_set());
  std::vector<uint8_t> bytes = read_bytes(good);
  bytes[0] = 'X';  // wrong magic: refused by the first check after mapping
  write_bytes(bad, bytes);
  const std::string mapped = std::filesystem::canonical(bad).string();
  for (int i = 0; i < 3; ++i) EXPECT_THROW(read_code_file(bad), Error);
  EXPECT_EQ(mappings_of(mapped), 0);
  std::remove(good.c_str());
  std::remove(bad.c_str());
}

TEST(CodeFile, WritingIntoAMissingFolderNamesThePath) {
  std::string path = temporary_path("no/such/folder/codes.hgc");
  std::string message = error_message([&] { write_code_file(path, small_set()); });
  EXPECT_NE(message.find("cannot create"), std::string::npos) << message;
  EXPECT_NE(message.find(path), std::string::npos) << message;
}

TEST(CodeIo, NumpyCodesAndLabelsLoadAsTheSameSet) {
  CodeSource source;
  source.codes_path = test::fixture_path("npy_packbits_codes.npy");
  source.labels_path = test::fixture_path("npy_labels_int64.npy");
  source.bits = 12;
  CodeSet codes = load_codes(source);
  CodeSet expected = small_set();
  expected.ids = {0, 1, 2};  // .npy codes are numbered by row
  expect_same(codes, expected);

  // Without --bits the row width decides: 2 bytes = 16 bits, all of them kept.
  source.bits = 0;
  EXPECT_EQ(load_codes(source).bits, 16);

  source.labels_path = test::fixture_path("npy_multihot_bool.npy");
  source.bits = 12;
  CodeSet multi = load_codes(source);
  EXPECT_EQ(multi.labels.layout(), LabelLayout::multi_hot);
  EXPECT_EQ(multi.labels.num_classes(), 4);
  EXPECT_EQ(multi.labels.matrix(), (std::vector<uint8_t>{1, 0, 0, 1, 0, 0, 0, 0, 0, 1, 1, 0}));

  source.labels_path = test::fixture_path("npy_labels_int32_column.npy");
  EXPECT_EQ(load_codes(source).labels.class_ids(), (std::vector<int32_t>{2, 1, 2}));
}

TEST(CodeIo, ExportWritesWhatLoadReads) {
  std::string codes_path = temporary_path("codes.npy"), labels_path = temporary_path("labels.npy");
  CodeSet codes = small_set();
  write_codes_npy(codes_path, codes);
  write_labels_npy(labels_path, codes.labels);
  // The exported codes are numpy.packbits rows: the fixture NumPy wrote, byte for byte.
  EXPECT_EQ(read_bytes(codes_path), read_bytes(test::fixture_path("npy_packbits_codes.npy")));
  CodeSet back = load_codes({codes_path, labels_path, 12});
  EXPECT_EQ(back.words, codes.words);
  EXPECT_EQ(back.labels.class_ids(), codes.labels.class_ids());
  std::remove(codes_path.c_str());
  std::remove(labels_path.c_str());
}

TEST(CodeIo, MismatchesAreNamed) {
  CodeSource source;
  source.codes_path = test::fixture_path("npy_packbits_codes.npy");
  source.bits = 24;
  std::string message = error_message([&] { load_codes(source); });
  EXPECT_NE(message.find("24-bit codes take 3 bytes per row, the array has 2"), std::string::npos)
      << message;

  source.bits = 12;
  source.labels_path = test::fixture_path("npy_arange_i8.npy");  // 5 rows for 3 codes
  message = error_message([&] { load_codes(source); });
  EXPECT_NE(message.find("5 label rows for 3 codes"), std::string::npos) << message;

  source.codes_path = test::fixture_path("npy_labels_int64.npy");  // not uint8 rows
  source.labels_path.clear();
  message = error_message([&] { load_codes(source); });
  EXPECT_NE(message.find("expected packed codes as uint8"), std::string::npos) << message;
}

}  // namespace
}  // namespace hg::hashing
