// The checks made on an image file before stb_image decodes it (see image_checks.h). Each reads
// the file as stb_image 2.27 does, bytes past the end as zeros included, so that a file passing
// them reaches stb_image's decoder with nothing it mishandles; where stb_image would refuse a
// file on its own, a check leaves the refusal to it.
#include "data/image_checks.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "core/error.h"
#include "data/image_io.h"

namespace hg::data {

namespace {

using Bytes = std::vector<uint8_t>;

// The byte at `at`, 0 past the end of the file, as stb_image reads it.
int64_t byte_at(const Bytes& bytes, int64_t at) {
  return at < static_cast<int64_t>(bytes.size()) ? bytes[static_cast<size_t>(at)] : 0;
}
int64_t big_endian(const Bytes& bytes, int64_t at, int count) {
  int64_t value = 0;
  for (int i = 0; i < count; ++i) value = (value << 8) | byte_at(bytes, at + i);
  return value;
}
int64_t little_endian(const Bytes& bytes, int64_t at, int count) {
  int64_t value = 0;
  for (int i = count - 1; i >= 0; --i) value = (value << 8) | byte_at(bytes, at + i);
  return value;
}

// Deflate expands its input at most 1032 times (a 258-byte match in 2 bits), so a PNG's
// compressed data of n bytes inflates to at most 1032 n.
constexpr int64_t kMostDeflateExpansion = 1032;

void check_png(const Bytes& bytes, const std::string& path) {
  const int64_t size = static_cast<int64_t>(bytes.size());
  int64_t compressed_bytes = 0;
  for (int64_t at = 8; at + 8 <= size;) {  // a chunk: length, type, data, CRC
    const int64_t length = big_endian(bytes, at, 4);
    HG_CHECK(length <= size - at - 12, "cannot decode image '", path, "': a PNG chunk claims ",
             length, " bytes, more than the file holds (corrupt, or made to exhaust memory)");
    if (std::memcmp(&bytes[static_cast<size_t>(at) + 4], "IDAT", 4) == 0)
      compressed_bytes += length;
    at += 12 + length;
  }
  // The header chunk, IHDR, comes first: width, height, bit depth, colour type.
  const int64_t width = big_endian(bytes, 16, 4), height = big_endian(bytes, 20, 4);
  const int64_t depth = byte_at(bytes, 24), colour_type = byte_at(bytes, 25);
  const int64_t samples = colour_type == 0   ? 1   // grey
                          : colour_type == 2 ? 3   // RGB
                          : colour_type == 3 ? 1   // palette indices
                          : colour_type == 4 ? 2   // grey and alpha
                          : colour_type == 6 ? 4   // RGBA
                                             : 0;  // not PNG: stb_image refuses it
  // Sizes over the limit are check_image_dimensions' to refuse (and would overflow below).
  if (samples == 0 || width > kMostImagePixels || height > kMostImagePixels ||
      width * height > kMostImagePixels)
    return;
  const int64_t pixel_bytes = (width * height * samples * depth + 7) / 8;
  HG_CHECK(pixel_bytes <= kMostDeflateExpansion * compressed_bytes, "cannot decode image '", path,
           "': the PNG declares ", width, "x", height, " pixels (", pixel_bytes,
           " bytes) but holds ", compressed_bytes, " bytes of compressed data, which inflate to ",
           "at most ", kMostDeflateExpansion * compressed_bytes,
           " (truncated, or made to exhaust memory)");
}

// ---- JPEG: the tables defined so far and the frame's components, as stb_image keeps them.
struct JpegState {
  bool quantization_defined[4] = {};
  bool huffman_defined[2][4] = {};  // [0][i]: DC table i, [1][i]: AC table i
  int64_t components = 0;           // 0 before the frame header
  int64_t component_id[4] = {};
  int64_t component_quantization[4] = {};
  int64_t component_sampling[4][2] = {};  // horizontal, vertical (1 to 4)
  int64_t height = 0, width = 0;
  bool progressive = false;
  int64_t scan_data_bytes = 0;  // of every scan read so far
};

// The reads of one marker segment's payload, [begin, end). Each returns false where stb_image
// refuses the segment (it then decodes nothing, and the check stops), true to go on.
bool read_quantization_tables(const Bytes& bytes, int64_t begin, int64_t end, JpegState& state) {
  int64_t at = begin;
  while (at < end) {
    const int64_t precision = byte_at(bytes, at) >> 4, table = byte_at(bytes, at) & 15;
    if (precision > 1 || table > 3) return false;
    state.quantization_defined[table] = true;
    at += 1 + (precision == 1 ? 128 : 64);
  }
  return at == end;
}

bool read_huffman_tables(const Bytes& bytes, int64_t begin, int64_t end, JpegState& state,
                         const std::string& path) {
  int64_t at = begin;
  while (at < end) {
    const int64_t table_class = byte_at(bytes, at) >> 4, table = byte_at(bytes, at) & 15;
    if (table_class > 1 || table > 3) return false;
    int64_t codes = 0;  // the counts of codes of each length 1..16
    for (int length = 1; length <= 16; ++length) codes += byte_at(bytes, at + length);
    // stb_image's tables hold 256 codes and it writes the 257th and on past them.
    HG_CHECK(codes <= 256, "cannot decode image '", path, "': a JPEG Huffman table declares ",
             codes, " codes, more than the 256 a table can hold (corrupt)");
    state.huffman_defined[table_class][table] = true;
    at += 17 + codes;
  }
  return at == end;
}

bool read_frame_header(const Bytes& bytes, int64_t begin, bool progressive, JpegState& state) {
  const int64_t components = byte_at(bytes, begin + 5);
  // stb_image reads one frame (a second is an unknown marker to it) of 1, 3 or 4 components.
  if (state.components != 0 || (components != 1 && components != 3 && components != 4))
    return false;
  state.components = components;
  state.progressive = progressive;
  state.height = big_endian(bytes, begin + 1, 2);
  state.width = big_endian(bytes, begin + 3, 2);
  for (int64_t i = 0; i < components; ++i) {
    state.component_id[i] = byte_at(bytes, begin + 6 + 3 * i);
    const int64_t sampling = byte_at(bytes, begin + 7 + 3 * i);
    state.component_sampling[i][0] = sampling >> 4;
    state.component_sampling[i][1] = sampling & 15;
    state.component_quantization[i] = byte_at(bytes, begin + 8 + 3 * i);
    // stb_image refuses sampling factors outside 1..4 before it decodes.
    if (sampling >> 4 < 1 || sampling >> 4 > 4 || (sampling & 15) < 1 || (sampling & 15) > 4)
      return false;
  }
  return true;
}

// The 8x8 blocks of every component: a component sampled (h, v) of the largest (H, V) covers
// ceil(width·h/H) x ceil(height·v/V) pixels.
int64_t jpeg_blocks(const JpegState& state) {
  int64_t most_horizontal = 1, most_vertical = 1;
  for (int64_t i = 0; i < state.components; ++i) {
    most_horizontal = std::max(most_horizontal, state.component_sampling[i][0]);
    most_vertical = std::max(most_vertical, state.component_sampling[i][1]);
  }
  const auto ceiling = [](int64_t a, int64_t b) { return (a + b - 1) / b; };
  int64_t blocks = 0;
  for (int64_t i = 0; i < state.components; ++i)
    blocks += ceiling(ceiling(state.width * state.component_sampling[i][0], most_horizontal), 8) *
              ceiling(ceiling(state.height * state.component_sampling[i][1], most_vertical), 8);
  return blocks;
}

// Every block's DC coefficient is coded in some scan with a Huffman code of at least one bit,
// so a file holds at least blocks / 8 bytes of scans. stb_image decodes one with less (no scan
// at all, or all but a few bytes cut off) from zeros, all its pixels: seconds under the
// sanitizers for a 62-byte file declaring 15108x2054 pixels (tests/fixtures/fuzz/image_jpeg).
void check_scan_data(const JpegState& state, const std::string& path) {
  if (state.components == 0) return;
  const int64_t blocks = jpeg_blocks(state);
  HG_CHECK(8 * state.scan_data_bytes >= blocks, "cannot decode image '", path,
           "': the JPEG declares ", state.width, "x", state.height, " pixels, ", blocks,
           " blocks of at least a bit each, but its scans hold ", state.scan_data_bytes,
           " bytes (truncated, or made to exhaust time)");
}

// A scan header: the components it codes, each with its DC and AC Huffman tables, then the
// spectral selection (Ss, Se) and the successive approximation bits (Ah, Al).
bool check_scan(const Bytes& bytes, int64_t begin, int64_t length, const JpegState& state,
                const std::string& path) {
  const int64_t count = byte_at(bytes, begin);
  if (count < 1 || count > 4 || count > state.components || length != 6 + 2 * count) return false;
  const int64_t spectral_start = byte_at(bytes, begin + 1 + 2 * count),
                spectral_end = byte_at(bytes, begin + 2 + 2 * count),
                approximation = byte_at(bytes, begin + 3 + 2 * count);
  if (state.progressive
          ? spectral_start > 63 || spectral_end > 63 || spectral_start > spectral_end ||
                (approximation >> 4) > 13 || (approximation & 15) > 13
          : spectral_start != 0 || approximation != 0)
    return false;
  // A progressive scan codes either DC coefficients (with the DC table, but for refinements,
  // which read raw bits) or AC ones (with the AC table); a sequential scan codes both.
  const bool uses_dc = !state.progressive || (spectral_start == 0 && (approximation >> 4) == 0);
  const bool uses_ac = !state.progressive || spectral_start > 0;
  for (int64_t i = 0; i < count; ++i) {
    const int64_t id = byte_at(bytes, begin + 1 + 2 * i),
                  tables = byte_at(bytes, begin + 2 + 2 * i);
    int64_t component = 0;
    while (component < state.components && state.component_id[component] != id) ++component;
    if (component == state.components || (tables >> 4) > 3 || (tables & 15) > 3) return false;
    const int64_t quantization = state.component_quantization[component];
    const auto undefined = [&](const char* kind, int64_t table) {
      return detail::concat("cannot decode image '", path, "': a JPEG scan uses ", kind, " table ",
                            table, ", which the file does not define (corrupt)");
    };
    HG_CHECK(quantization > 3 || state.quantization_defined[quantization],
             undefined("quantization", quantization));
    HG_CHECK(!uses_dc || state.huffman_defined[0][tables >> 4],
             undefined("DC Huffman", tables >> 4));
    HG_CHECK(!uses_ac || state.huffman_defined[1][tables & 15],
             undefined("AC Huffman", tables & 15));
  }
  return true;
}

// Where the entropy-coded data starting at `at` ends: at the 0xFF of the first marker in it
// other than a restart marker (a stuffed 0xFF is followed by 0, a marker's by fill bytes 0xFF
// and its code).
int64_t entropy_coded_data_end(const Bytes& bytes, int64_t at) {
  const int64_t size = static_cast<int64_t>(bytes.size());
  for (; at < size; ++at) {
    if (bytes[static_cast<size_t>(at)] != 0xFF) continue;
    int64_t code = at + 1;
    while (code < size && bytes[static_cast<size_t>(code)] == 0xFF) ++code;
    const int64_t marker = byte_at(bytes, code);
    if (code < size && marker != 0 && (marker < 0xD0 || marker > 0xD7)) return at;
    at = code;
  }
  return size;
}

// Walks the markers after the start of image (`at`) as stb_image decodes them.
void check_jpeg(const Bytes& bytes, int64_t at, const std::string& path) {
  const int64_t size = static_cast<int64_t>(bytes.size());
  JpegState state;
  bool scanned = false;  // whether stb_image has come to a scan (and decoded its blocks)
  while (at < size) {
    // A marker: 0xFF, fill bytes 0xFF, its code. stb_image skips other bytes before the frame
    // header and refuses them after, so skipping them here checks all it may decode.
    if (bytes[static_cast<size_t>(at++)] != 0xFF) continue;
    while (at < size && bytes[static_cast<size_t>(at)] == 0xFF) ++at;
    const int64_t marker = byte_at(bytes, at), length = big_endian(bytes, at + 1, 2);
    const int64_t begin = at + 3, end = at + 1 + length;
    bool go_on = length >= 2;
    if (marker == 0xDB)
      go_on = go_on && read_quantization_tables(bytes, begin, end, state);
    else if (marker == 0xC4)
      go_on = go_on && read_huffman_tables(bytes, begin, end, state, path);
    else if (marker >= 0xC0 && marker <= 0xC2)
      go_on = go_on && read_frame_header(bytes, begin, marker == 0xC2, state);
    else if (marker == 0xDA)
      go_on = go_on && check_scan(bytes, begin, length, state, path);
    else  // the other markers stb_image reads skip their length: DRI, DNL, APPn, COM
      go_on = go_on && (marker == 0xDD || marker == 0xDC || (marker >= 0xE0 && marker <= 0xEF) ||
                        marker == 0xFE);
    // A marker stb_image refuses before the first scan: it decodes nothing. After one, it refuses
    // the file too, but only once it has decoded the scans before, every block, data or not.
    if (!go_on && marker != 0xD9 && !scanned) return;
    if (!go_on) break;  // the end of the image, or the end of stb_image's decoding
    if (marker == 0xDA) {
      scanned = true;
      const int64_t data_end = entropy_coded_data_end(bytes, end);
      state.scan_data_bytes += data_end - end;
      at = data_end;
    } else {
      at = end;
    }
  }
  check_scan_data(state, path);
}

void check_bmp(const Bytes& bytes, const std::string& path) {
  const int64_t offset = little_endian(bytes, 10, 4), header_size = little_endian(bytes, 14, 4);
  // stb_image reads these headers, and takes a file with any other for something else than BMP.
  if (header_size != 12 && header_size != 40 && header_size != 56 && header_size != 108 &&
      header_size != 124)
    return;
  const bool core_header = header_size == 12;  // OS/2's: 16-bit width and height
  const int64_t width = little_endian(bytes, 18, core_header ? 2 : 4);
  const int64_t stored_height = little_endian(bytes, core_header ? 20 : 22, core_header ? 2 : 4);
  // A 32-bit height is signed, negative for rows stored top to bottom.
  const int64_t height =
      core_header ? stored_height : std::llabs(static_cast<int32_t>(stored_height));
  const int64_t bits = little_endian(bytes, core_header ? 24 : 28, 2);
  // stb_image allocates the pixels before it looks at their size.
  HG_CHECK(bits == 1 || bits == 4 || bits == 8 || bits == 16 || bits == 24 || bits == 32,
           "cannot decode image '", path, "': the BMP has ", bits,
           " bits per pixel, not 1, 4, 8, 16, 24 or 32 (corrupt)");
  // Sizes over the limit are check_image_dimensions' to refuse (and would overflow below).
  if (width > kMostImagePixels || height > kMostImagePixels || width * height > kMostImagePixels)
    return;
  // Rows of width × bits, padded to 4 bytes; the last row's padding may be missing.
  const int64_t row_bytes = (width * bits + 31) / 32 * 4, last_row_bytes = (width * bits + 7) / 8;
  const int64_t pixel_bytes = height == 0 ? 0 : row_bytes * (height - 1) + last_row_bytes;
  const int64_t size = static_cast<int64_t>(bytes.size());
  HG_CHECK(offset + pixel_bytes <= size, "cannot decode image '", path, "': the BMP declares ",
           width, "x", height, " pixels of ", bits, " bits, ", pixel_bytes, " bytes from byte ",
           offset, ", but the file has ", size, " bytes (truncated, or made to exhaust time)");
}

bool starts_with(const Bytes& bytes, const char* start, size_t count) {
  return bytes.size() >= count && std::memcmp(bytes.data(), start, count) == 0;
}

}  // namespace

void check_image_for_stb(const std::vector<uint8_t>& bytes, const std::string& path) {
  if (starts_with(bytes, "\x89PNG\r\n\x1a\n", 8)) {
    check_png(bytes, path);
  } else if (starts_with(bytes, "BM", 2)) {
    check_bmp(bytes, path);
  } else if (starts_with(bytes, "\xFF", 1)) {
    // stb_image takes 0xFF, any fill bytes 0xFF, then 0xD8 (start of image) as a JPEG.
    size_t at = 1;
    while (at < bytes.size() && bytes[at] == 0xFF) ++at;
    if (at < bytes.size() && bytes[at] == 0xD8)
      check_jpeg(bytes, static_cast<int64_t>(at) + 1, path);
  }
}

}  // namespace hg::data
