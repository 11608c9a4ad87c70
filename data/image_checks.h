// What hashgrad checks in an image file before stb_image decodes it. stb_image (2.27, Debian's
// libstb) trusts a file's headers in ways the fuzzers of tests/fuzz turned into crashes and
// timeouts; each check below refuses, with a message naming the file, one kind of file it
// mishandles, and every such file is corrupt (a valid file passes all of them):
// - PNG: a chunk whose length runs past the end of the file (stb_image grows its buffer to
//   that length first), or compressed data too short to hold the pixels the header declares
//   (stb_image allocates the declared size before it finds the data short).
// - JPEG: a Huffman table of more than 256 codes (stb_image writes past its tables), a scan
//   that uses a Huffman or quantization table no earlier segment defined (stb_image decodes with
//   its uninitialised memory: a SEGV in stbi__jpeg_decode_block), and scans holding less than a
//   bit per 8x8 block, which every block's DC code takes (stb_image decodes such a file, one
//   with no scan at all too, from zeros, every pixel it declares, and one whose scan a marker it
//   refuses cuts short before it refuses it).
// - BMP: a file shorter than the pixel data its header declares (stb_image fills the missing
//   pixels one by one: seconds for a 131-byte file declaring 40 million), or a pixel size it
//   does not read (it allocates the declared pixels before it refuses the size).
// What is left: a JPEG or PNG declaring many pixels (up to kMostImagePixels) costs the time and
// memory of that many, even when little of its data is there; compressed data gives no tighter
// bound (a PNG's deflate stream may hold 1032 times its size, a JPEG's blocks a bit each). A
// JPEG cut short with at least a bit per block left stays stb_image's to decode as far as it
// can.
// libjpeg-turbo decodes JPEGs without these checks (data/jpeg_decoder.h): it validates its
// input itself, and can decode files stb_image cannot (a Motion-JPEG frame's standard tables).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace hg::data {

// Throws naming `path` when `bytes`, the whole of an image file, is a PNG, JPEG or BMP with one
// of the flaws above; other files pass (stb_image, built with these three decoders only, refuses
// them).
void check_image_for_stb(const std::vector<uint8_t>& bytes, const std::string& path);

}  // namespace hg::data
