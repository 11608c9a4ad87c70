// The one translation unit that compiles stb_image's and stb_image_write's implementations.
// They are third-party C code: their warnings are silenced here, and a sanitizer build leaves
// UndefinedBehaviorSanitizer out of this file (data/CMakeLists.txt), since stb shifts negative
// values on purpose. AddressSanitizer still watches it.
//
// stb_image decodes only JPEG, PNG and BMP here: the formats hashgrad reads (a folder-per-class
// tree takes .jpg, .jpeg, .png and .bmp files, data/image_list.cpp) and the ones whose headers
// data/image_checks.h checks before stb_image trusts them. Its GIF, PSD, TGA, PNM, HDR and PIC
// decoders would take any file with their magic bytes, whatever its name, unchecked; a file of
// those formats is refused as of an unknown type, with its path (decode_image).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wall"
#pragma GCC diagnostic ignored "-Wextra"
#pragma GCC diagnostic ignored "-Wpedantic"
#pragma GCC diagnostic ignored "-Wshadow"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wunused-but-set-variable"
#pragma GCC diagnostic ignored "-Wimplicit-fallthrough"
#pragma GCC diagnostic ignored "-Wcast-function-type"
#pragma GCC diagnostic ignored "-Wdouble-promotion"
#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_JPEG
#define STBI_ONLY_PNG
#define STBI_ONLY_BMP
#define STBI_FAILURE_USERMSG  // "Corrupt JPEG" rather than "bad huffman code"
#include <stb/stb_image.h>
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb/stb_image_write.h>
#pragma GCC diagnostic pop
