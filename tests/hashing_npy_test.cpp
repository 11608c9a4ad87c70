// .npy interop: files written by NumPy itself (tests/fixtures/make_npy_fixtures.py) read with
// the values stated there, hashgrad's writer byte-identical to numpy.save, and every refusal
// naming the file and the problem.
#include <gtest/gtest.h>

#include <cstdio>
#include <functional>

#include "hashing/npy.h"
#include "tests/data_test_files.h"
#include "tests/test_support.h"

namespace hg::hashing {
namespace {

using test::error_message;
using test::read_bytes;
using test::temporary_path;

TEST(Npy, ReadsNumpyPackbitsCodes) {
  NpyArray array = read_npy(test::fixture_path("npy_packbits_codes.npy"));
  EXPECT_EQ(array.type, "u1");
  EXPECT_EQ(array.shape, (Shape{3, 2}));
  // Row 0: + - + + - - - + | + - - - -> 0xB1 0x80; row 1 all -; row 2 all + (12 bits -> 0xF0).
  EXPECT_EQ(array.bytes, (std::vector<uint8_t>{0xB1, 0x80, 0x00, 0x00, 0xFF, 0xF0}));
}

TEST(Npy, ReadsIntegerBoolAndFortranArrays) {
  EXPECT_EQ(read_npy(test::fixture_path("npy_labels_int64.npy")).to_int64(),
            (std::vector<int64_t>{3, 0, 7}));
  NpyArray column = read_npy(test::fixture_path("npy_labels_int32_column.npy"));
  EXPECT_EQ(column.shape, (Shape{3, 1}));
  EXPECT_EQ(column.to_int64(), (std::vector<int64_t>{2, 1, 2}));
  NpyArray multi_hot = read_npy(test::fixture_path("npy_multihot_bool.npy"));
  EXPECT_EQ(multi_hot.type, "b1");
  EXPECT_EQ(multi_hot.to_int64(), (std::vector<int64_t>{1, 0, 0, 1, 0, 0, 0, 0, 0, 1, 1, 0}));
  // np.asfortranarray(np.arange(6).reshape(2, 3)) reads back in C order.
  NpyArray fortran = read_npy(test::fixture_path("npy_fortran_f8.npy"));
  EXPECT_EQ(fortran.shape, (Shape{2, 3}));
  EXPECT_EQ(fortran.to_float(), (std::vector<float>{0, 1, 2, 3, 4, 5}));
}

TEST(Npy, WriterIsByteIdenticalToNumpySave) {
  struct Case {
    const char* fixture;
    std::function<void(const std::string&)> write;
  };
  std::vector<Case> cases = {
      {"npy_arange_i8.npy",
       [](const std::string& path) {
         write_npy(path, std::vector<int64_t>{0, 1, 2, 3, 4}, {5});
       }},
      {"npy_u1_2x2.npy",
       [](const std::string& path) {
         write_npy(path, std::vector<uint8_t>{1, 2, 3, 4}, {2, 2});
       }},
      {"npy_f4_scalar_row.npy",
       [](const std::string& path) {
         write_npy(path, std::vector<float>{0.5f, -1.25f}, {2});
       }},
  };
  for (const Case& c : cases) {
    std::string path = temporary_path(c.fixture);
    c.write(path);
    EXPECT_EQ(read_bytes(path), read_bytes(test::fixture_path(c.fixture))) << c.fixture;
    std::remove(path.c_str());
  }
}

TEST(Npy, RoundTripsThroughOwnWriter) {
  std::string path = temporary_path("round_trip.npy");
  std::vector<int32_t> values = {-5, 0, 7, 2147483647, -2147483647 - 1, 9};
  write_npy(path, values, {3, 2});
  NpyArray array = read_npy(path);
  EXPECT_EQ(array.type, "i4");
  EXPECT_EQ(array.shape, (Shape{3, 2}));
  EXPECT_EQ(array.to_int64(), (std::vector<int64_t>(values.begin(), values.end())));
  std::remove(path.c_str());
}

TEST(Npy, RefusalsNameTheFileAndTheProblem) {
  std::string big_endian = test::fixture_path("npy_big_endian_i4.npy");
  std::string message = error_message([&] { read_npy(big_endian); });
  EXPECT_NE(message.find(big_endian), std::string::npos) << message;
  EXPECT_NE(message.find("big-endian"), std::string::npos) << message;

  // Truncated: the packbits fixture without its last byte.
  std::vector<uint8_t> bytes = read_bytes(test::fixture_path("npy_packbits_codes.npy"));
  std::string truncated = temporary_path("truncated.npy");
  test::write_bytes(truncated, std::vector<uint8_t>(bytes.begin(), bytes.end() - 1));
  message = error_message([&] { read_npy(truncated); });
  EXPECT_NE(message.find("needs 6 data bytes, the file has 5 (truncated)"), std::string::npos)
      << message;

  std::string not_npy = temporary_path("not.npy");
  test::write_text(not_npy, "hello, world");
  message = error_message([&] { read_npy(not_npy); });
  EXPECT_NE(message.find("is not a .npy file"), std::string::npos) << message;

  message = error_message([&] { read_npy(temporary_path("missing.npy")); });
  EXPECT_NE(message.find("cannot open"), std::string::npos) << message;

  message = error_message([&] { read_npy(test::fixture_path("npy_fortran_f8.npy")).to_int64(); });
  EXPECT_NE(message.find("expected an integer array, found type f8"), std::string::npos) << message;
  std::remove(truncated.c_str());
  std::remove(not_npy.c_str());
}

// A header quoted in an error is escaped and cut: a newline byte in it once gave a two-line
// message, and a 60 KiB header a 60 KiB one.
TEST(Npy, HeaderQuotedInAnErrorIsOneShortLine) {
  test::ScratchFolder folder;
  auto npy_with_header = [&](const std::string& name, std::string header) {
    header.append((64 - (10 + header.size() + 1) % 64) % 64, ' ');
    header += '\n';
    std::vector<uint8_t> bytes = {0x93,
                                  'N',
                                  'U',
                                  'M',
                                  'P',
                                  'Y',
                                  1,
                                  0,
                                  static_cast<uint8_t>(header.size() & 0xFF),
                                  static_cast<uint8_t>(header.size() >> 8)};
    bytes.insert(bytes.end(), header.begin(), header.end());
    const std::string path = folder.file(name);
    test::write_bytes(path, bytes);
    return path;
  };
  std::string message = error_message([&] {
    read_npy(npy_with_header("newline.npy", "{'fortran_order': False,\n'shape': (3,), }"));
  });
  EXPECT_NE(message.find("has no 'descr' entry: {'fortran_order': False,\\n'shape': (3,), }"),
            std::string::npos)
      << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;

  message = error_message([&] {
    read_npy(npy_with_header("long.npy", "{'descr': '<f4', 'shape': (" + std::string(60000, '1')));
  });
  EXPECT_NE(message.find("... (60"), std::string::npos) << message;
  EXPECT_LT(message.size(), 400u) << message;
}

}  // namespace
}  // namespace hg::hashing
