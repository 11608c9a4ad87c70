// `hashgrad export`: a code set as NumPy arrays, for NumPy, FAISS and anything else.
//
//   hashgrad export --codes db.hgc --output exported/
//   hashgrad export --codes db.hgc --features db_features.npy --output exported/
//
// Writes codes.npy (uint8 [n, ceil(bits/8)], numpy.packbits rows: load them into a FAISS
// IndexBinaryFlat(bits) as they are), ids.npy (int64 [n]), labels.npy (int32 [n] class ids or
// uint8 [n, classes] multi-hot) when the codes carry labels, and features.npy (float32 [n, dim])
// when --features is given.
#include <cstdio>

#include "apps/code_options.h"
#include "apps/command.h"
#include "hashing/code_io.h"
#include "hashing/npy.h"

namespace {

using namespace hg;
using namespace hg::hashing;

int run_export(int argc, char** argv) {
  CLI::App app{"Write a code set as .npy arrays (codes, ids, labels, features)", "hashgrad export"};
  std::string codes_path, labels_path, features_path, output;
  int bits = 0;
  app.add_option("--codes", codes_path, "the codes: a code file (or a .npy of packbits rows)")
      ->required()
      ->check(CLI::ExistingFile);
  app.add_option("--labels", labels_path, ".npy labels to export with the codes")
      ->check(CLI::ExistingFile);
  app::add_bits_option(app, bits, ".npy codes: the code length when less than 8 × columns");
  app.add_option("--features", features_path,
                 "float features of the same items (.npy [n, dim]), written as float32")
      ->check(CLI::ExistingFile);
  app.add_option("--output", output, "folder to write the .npy files to")->required();
  if (!app::parse_arguments(app, argc, argv)) return 0;

  CodeSet codes = load_codes({codes_path, labels_path, bits});
  app::make_output_folder(output, "--output");
  std::string written = "codes.npy, ids.npy";
  write_codes_npy(app::join_path(output, "codes.npy"), codes);
  write_npy(app::join_path(output, "ids.npy"), codes.ids, {codes.count});
  if (!codes.labels.empty()) {
    write_labels_npy(app::join_path(output, "labels.npy"), codes.labels);
    written += ", labels.npy";
  }
  if (!features_path.empty()) {
    NpyArray features = read_npy(features_path);
    HG_CHECK(features.shape.size() == 2 && features.shape[0] == codes.count, "--features ",
             features_path, ": expected [", codes.count, ", dim] for ", codes.count,
             " codes, found shape ", shape_string(features.shape));
    write_npy(app::join_path(output, "features.npy"), features.to_float(), features.shape);
    written += ", features.npy";
  }
  std::printf("%lld codes of %d bits exported to %s (%s)\n", static_cast<long long>(codes.count),
              codes.bits, output.c_str(), written.c_str());
  return 0;
}

}  // namespace

HG_COMMAND("export", "write a code set as .npy arrays (codes, ids, labels, features)", run_export);
