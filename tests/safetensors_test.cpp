// safetensors: a round trip of every dtype, a file laid out byte by byte by the test (so the
// reader is not only checked against our own writer), the PyTorch-written fixture, and one
// corrupt file per failure the reader must name.
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>

#include "tensor/ops.h"
#include "tensor/safetensors.h"
#include "tests/data_test_files.h"
#include "tests/test_support.h"

namespace hg {
namespace {

using test::error_message;
using test::ScratchFolder;

// A safetensors file from its parts: the 8-byte little-endian length, `header`, then `data`.
void write_file(const std::string& path, const std::string& header, const std::string& data,
                uint64_t length) {
  std::ofstream file(path, std::ios::binary);
  for (int i = 0; i < 8; ++i) file.put(static_cast<char>((length >> (8 * i)) & 0xFF));
  file << header << data;
}
void write_file(const std::string& path, const std::string& header, const std::string& data) {
  write_file(path, header, data, header.size());
}

// Eight bytes: the little-endian i32 values 1 and -2.
const std::string kTwoInts("\x01\x00\x00\x00\xfe\xff\xff\xff", 8);

TEST(Safetensors, RoundTripKeepsEveryDtypeShapeAndMetadata) {
  ScratchFolder folder;
  std::map<std::string, Tensor> tensors = {
      {"f32", test::random_uniform({2, 3}, 1)},
      {"f64", test::random_uniform({4}, 2, -1, 1, DType::f64)},
      {"bf16", test::random_uniform({3, 1, 2}, 3).to(DType::bf16)},
      {"i32", Tensor::from_vector(std::vector<int32_t>{-1, 7, 1 << 30}, {3})},
      {"i64", Tensor::from_vector(std::vector<int64_t>{-5, int64_t{1} << 40}, {2, 1})},
      {"u8", Tensor::from_vector(std::vector<uint8_t>{0, 255, 17}, {3})},
      {"u64", Tensor::from_vector(std::vector<uint64_t>{~uint64_t{0}, 3}, {2})},
      {"scalar", Tensor::scalar(2.5)},
      {"empty", Tensor::zeros({0, 3})},
      // A transposed view is saved as the values it shows.
      {"transposed", ops::transpose(test::random_uniform({2, 3}, 4), 0, 1)},
  };
  const std::string path = folder.file("weights.safetensors");
  save_safetensors(path, tensors, {{"step", "1200"}, {"format", "pt"}});
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));

  SafetensorsContents loaded = read_safetensors(path);
  EXPECT_EQ(loaded.metadata,
            (std::map<std::string, std::string>{{"step", "1200"}, {"format", "pt"}}));
  ASSERT_EQ(loaded.tensors.size(), tensors.size());
  for (const auto& [name, tensor] : tensors) {
    const Tensor& back = loaded.tensors.at(name);
    EXPECT_EQ(back.dtype(), tensor.dtype()) << name;
    EXPECT_EQ(back.shape(), tensor.shape()) << name;
    EXPECT_TRUE(test::all_close(back.to(DType::f64), tensor.to(DType::f64), 0, 0)) << name;
  }
  // Integers beyond double's 53 bits compared exactly.
  EXPECT_EQ(loaded.tensors.at("u64").to_vector<uint64_t>(),
            (std::vector<uint64_t>{~uint64_t{0}, 3}));
  // The header is padded to 8 bytes so the data is aligned.
  std::ifstream file(path, std::ios::binary);
  unsigned char length[8];
  file.read(reinterpret_cast<char*>(length), 8);
  EXPECT_EQ(length[0] % 8, 0);

  // Saving again replaces the file as a whole.
  save_safetensors(path, {{"only", Tensor::ones({1})}});
  EXPECT_EQ(load_safetensors(path).size(), 1u);
}

TEST(Safetensors, ReadsAFileLaidOutByHand) {
  ScratchFolder folder;
  const std::string path = folder.file("hand.safetensors");
  write_file(path,
             R"({"__metadata__":{"who":"test"},"b":{"dtype":"U8","shape":[],"data_offsets":[8,9]},)"
             R"("a":{"dtype":"I32","shape":[2],"data_offsets":[0,8]}})",
             kTwoInts + "\x2a");
  SafetensorsContents contents = read_safetensors(path);
  EXPECT_EQ(contents.tensors.at("a").to_vector<int32_t>(), (std::vector<int32_t>{1, -2}));
  EXPECT_EQ(contents.tensors.at("b").dim(), 0);
  EXPECT_EQ(contents.tensors.at("b").item<uint8_t>(), 42);
  EXPECT_EQ(contents.metadata.at("who"), "test");
}

TEST(Safetensors, ReadsThePyTorchFixture) {
  // Written by tests/fixtures/make_fixtures.py with torch's own float64 tensors.
  SafetensorsContents contents = read_safetensors(test::fixture_path("matmul_linear.safetensors"));
  EXPECT_EQ(contents.metadata.at("producer"), "make_fixtures.py");
  EXPECT_EQ(contents.tensors.at("x").shape(), (Shape{2, 3, 5}));
  EXPECT_EQ(contents.tensors.at("m").shape(), (Shape{3, 1, 4, 2}));
  EXPECT_EQ(contents.tensors.at("loss").dim(), 0);
  EXPECT_EQ(contents.tensors.at("x").dtype(), DType::f64);
}

TEST(Safetensors, CorruptFilesAreErrorsNamingFileAndProblem) {
  ScratchFolder folder;
  const std::string good_entry = R"("a":{"dtype":"I32","shape":[2],"data_offsets":[0,8]})";
  struct Case {
    const char* name;
    std::function<void(const std::string&)> write;
    std::string expected;  // the message after "safetensors file <path>: "
  };
  const std::vector<Case> cases = {
      {"short", [](const std::string& p) { std::ofstream(p) << "abcde"; },
       "truncated: 5 bytes, too short for the 8-byte header length"},
      {"header_past_end", [&](const std::string& p) { write_file(p, "{}", "", 1000); },
       "truncated: the header is 1000 bytes but only 2 follow the length"},
      {"huge_header", [&](const std::string& p) { write_file(p, "{}", "", uint64_t{1} << 40); },
       "header length 1099511627776 is larger than the 100000000-byte limit (not a safetensors "
       "file, or corrupt)"},
      {"bad_json", [&](const std::string& p) { write_file(p, R"({"a": [1, 2)", kTwoInts); },
       "the header is not valid JSON: "},
      {"not_object", [&](const std::string& p) { write_file(p, "[1, 2]", ""); },
       "the header is JSON but not an object"},
      {"unknown_dtype",
       [&](const std::string& p) {
         write_file(p, R"({"a":{"dtype":"F16","shape":[4],"data_offsets":[0,8]}})", kTwoInts);
       },
       "tensor 'a' has dtype F16, which hashgrad does not read (F32, F64, BF16, I32, I64, U8, "
       "U64)"},
      {"missing_field",
       [&](const std::string& p) {
         write_file(p, R"({"a":{"dtype":"I32","shape":[2]}})", kTwoInts);
       },
       "tensor 'a' has no data_offsets"},
      {"negative_dim",
       [&](const std::string& p) {
         write_file(p, R"({"a":{"dtype":"I32","shape":[-2],"data_offsets":[0,8]}})", kTwoInts);
       },
       "tensor 'a' has a shape that is not a list of non-negative integers: [-2]"},
      {"shape_mismatch",
       [&](const std::string& p) {
         write_file(p, R"({"a":{"dtype":"I32","shape":[3],"data_offsets":[0,8]}})", kTwoInts);
       },
       "tensor 'a' is [3] I32 (12 bytes) but its data_offsets [0, 8] span 8 bytes"},
      {"reversed_offsets",
       [&](const std::string& p) {
         write_file(p, R"({"a":{"dtype":"I32","shape":[0],"data_offsets":[8,0]}})", kTwoInts);
       },
       "tensor 'a' has data_offsets [8,0], expected [begin, end] with begin <= end"},
      {"truncated_data",
       [&](const std::string& p) { write_file(p, "{" + good_entry + "}", "\x01\x02"); },
       "tensor 'a' has data_offsets [0, 8] outside the 2 bytes of data (truncated file?)"},
      {"gap",
       [&](const std::string& p) {
         write_file(p, R"({"a":{"dtype":"I32","shape":[1],"data_offsets":[4,8]}})", kTwoInts);
       },
       "tensor 'a' starts at byte 4 of the data, expected 0 (tensors must not overlap or leave "
       "gaps)"},
      {"trailing_bytes",
       [&](const std::string& p) { write_file(p, "{" + good_entry + "}", kTwoInts + "xyzw"); },
       "the tensors cover 8 bytes of data but the file has 12"},
      {"bad_metadata",
       [&](const std::string& p) {
         write_file(p, "{" + good_entry + R"(,"__metadata__":{"step":12}})", kTwoInts);
       },
       "__metadata__ value of 'step' is not a string: 12"},
  };
  for (const Case& test_case : cases) {
    const std::string path = folder.file(std::string(test_case.name) + ".safetensors");
    test_case.write(path);
    const std::string message = error_message([&] { read_safetensors(path); });
    const std::string prefix = "safetensors file " + path + ": ";
    EXPECT_EQ(message.substr(0, prefix.size() + test_case.expected.size()),
              prefix + test_case.expected)
        << test_case.name;
  }
  const std::string missing = folder.file("missing.safetensors");
  EXPECT_EQ(error_message([&] { load_safetensors(missing); }),
            "safetensors file " + missing + ": cannot open it (No such file or directory)");
}

TEST(Safetensors, WriteErrorsNameTheFile) {
  ScratchFolder folder;
  const std::string path = folder.path("no/such/folder/w.safetensors");
  EXPECT_EQ(error_message([&] {
              save_safetensors(path, {{"a", Tensor::ones({2})}});
            }),
            "cannot write " + path + ": cannot create its temporary file " + path + ".tmp." +
                std::to_string(::getpid()) + ": No such file or directory");
  EXPECT_EQ(
      error_message([&] {
        save_safetensors(folder.file("m.safetensors"), {{"__metadata__", Tensor::ones({1})}});
      }),
      "save_safetensors: '__metadata__' is reserved for the metadata and cannot name a tensor");
}

}  // namespace
}  // namespace hg
