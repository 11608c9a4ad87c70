// `hashgrad search`: the nearest database codes of each query code, by Hamming distance.
//
//   hashgrad search --index db.hgc --query queries.hgc -k 10
//   hashgrad search --index db_codes.npy --index-labels db_labels.npy --query q.npy -k 100
//                   --rerank db_features.npy --query-features q_features.npy --output results/
//   hashgrad search --index db.hgc --query q.hgc --radius 2
//   hashgrad search --model runs/a48 --index runs/a48/database.codes --query shirt.png -k 10
//                   --html shirt.html
//   hashgrad search --index runs/a48/database.codes --query runs/a48/query.codes -k 10
//                   --html gallery.html
//
// Indexes and queries are code files or NumPy packbits arrays (hashing/code_io.h), or, with
// --model, image files that the model encodes (decoded at its channels, resized to its input,
// normalized as in training). Results are printed one line per (query, rank), or written as
// .npy with --output: ids.npy (int64, n_query × k, the database ids), distances.npy (int32),
// labels.npy (the results' labels) and feature_distances.npy after a re-rank; radius results
// are ragged, so they are written flattened with offsets.npy (n_query + 1) marking where each
// query's results start.
//
// Under MPI (mpirun -np N hashgrad search ...) the index is sharded: each rank searches its
// share of the database rows (a code file is memory-mapped, each rank reading its rows only)
// and rank 0 merges the shares and prints or writes the results, the same as one process,
// ties included (hashing/sharded_index.h). --stream-mb streams the index through the search
// in parts, for a code file larger than memory. --html, --rerank and --model want the whole
// database in one process.
//
// --html writes a gallery (hashing/gallery.h): a sample of queries beside their first results.
// The pictures behind codes come from data specs (train/data_spec.h), --index-images and
// --query-images, or, for the codes of a run directory, from the protocol it recorded.
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <optional>

#include "apps/code_options.h"
#include "apps/command.h"
#include "data/image_io.h"
#include "data/transforms.h"
#include "distributed/communicator.h"
#include "hashing/code_io.h"
#include "hashing/database_share.h"
#include "hashing/hamming_search.h"
#include "hashing/npy.h"
#include "hashing/sharded_index.h"
#include "train/data_spec.h"
#include "train/encode.h"
#include "train/gallery.h"
#include "train/trained_model.h"

namespace {

using namespace hg;
using namespace hg::hashing;

bool looks_like_image(const std::string& path) {
  std::string extension = std::filesystem::path(path).extension().string();
  for (char& c : extension) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const char* image : {".png", ".jpg", ".jpeg", ".bmp", ".ppm", ".pgm", ".gif", ".webp"})
    if (extension == image) return true;
  return false;
}

// The query files, concatenated in order (their labels too when every file has them).
CodeSet load_queries(const std::vector<std::string>& paths, const std::string& labels_path,
                     int bits) {
  for (const std::string& path : paths)
    HG_CHECK(!looks_like_image(path), "--query ", path,
             ": give either image files (with --model) or code files, not both");
  HG_CHECK(labels_path.empty() || paths.size() == 1,
           "--query-labels: give labels only with a single --query file");
  CodeSet queries = load_codes({paths[0], labels_path, bits});
  for (size_t f = 1; f < paths.size(); ++f) {
    CodeSet more = load_codes({paths[f], "", bits});
    HG_CHECK(more.bits == queries.bits, "--query ", paths[f], " holds ", more.bits, "-bit codes, ",
             paths[0], " holds ", queries.bits);
    queries.words.insert(queries.words.end(), more.words.begin(), more.words.end());
    queries.ids.insert(queries.ids.end(), more.ids.begin(), more.ids.end());
    queries.count += more.count;
    queries.labels = {};  // labels of several files are not merged: they may differ in layout
  }
  return queries;
}

// Image queries, encoded by a trained model: the images as decoded (the gallery shows them),
// their codes (ids 0..n−1, no labels) and the backbone features (for --rerank).
struct ImageQueries {
  std::vector<data::Image> images;
  CodeSet codes;
  Tensor features;
};

ImageQueries encode_image_queries(const std::vector<std::string>& paths,
                                  const TrainedModel& trained, bool keep_features) {
  data::ImageSize input = model_input_size(trained.description);
  ImageQueries queries;
  std::vector<uint8_t> pixels;
  for (const std::string& path : paths) {
    HG_CHECK(looks_like_image(path), "--query ", path,
             ": give either image files or code files, not both");
    try {
      queries.images.push_back(data::decode_image(path, input.channels));
    } catch (const Error& error) {
      throw Error(std::string("--query: ") + error.what());
    }
    data::Image resized = data::resize_bilinear(queries.images.back(), input.height, input.width);
    pixels.insert(pixels.end(), resized.pixels.begin(), resized.pixels.end());
  }
  // The loader wants labels and these images have none: one placeholder class, dropped from the
  // codes.
  auto n = static_cast<int64_t>(paths.size());
  auto dataset = std::make_shared<data::InMemoryDataset>(
      "the --query images", input, std::move(pixels),
      Labels::from_class_ids(std::vector<int32_t>(static_cast<size_t>(n), 0), 1));
  EncodeOptions options;
  options.workers = 1;
  options.keep_features = keep_features;
  options.progress_label = "encode queries";
  EncodedSet encoded =
      encode_dataset(*trained.model, dataset, trained.description.normalization, options);
  queries.codes = to_code_set(encoded.codes, dataset->labels());
  queries.codes.labels = {};
  queries.features = encoded.features;
  return queries;
}

// The images behind a code file for the gallery: the spec given with `flag`, else the part of
// the run directory that holds the file (its query.codes or database.codes; `part` otherwise).
std::shared_ptr<const data::Dataset> gallery_images(const std::string& spec,
                                                    const std::string& codes_path,
                                                    const std::string& part, const char* flag,
                                                    const data::ImageSize& list_size) {
  if (!spec.empty()) return load_data_spec(parse_data_spec(spec, flag), list_size);
  std::filesystem::path folder = std::filesystem::path(codes_path).parent_path();
  if (folder.empty()) folder = ".";
  HG_CHECK(std::filesystem::exists(folder / "config.txt"),
           "--html: the gallery needs the images of ", codes_path, ": give ", flag,
           " SPEC (e.g. fmnist:", part, "), or search the codes of a run directory");
  std::string stem = std::filesystem::path(codes_path).stem().string();
  std::string run_part = stem == "query" || stem == "database" ? stem : part;
  return load_data_spec({"run", run_part, folder.string()}, list_size);
}

// Row-major float features with `rows` rows: [rows, dim] from a .npy.
std::vector<float> load_features(const std::string& path, int64_t rows, const char* flag,
                                 int64_t& dim) {
  NpyArray array = read_npy(path);
  HG_CHECK(array.shape.size() == 2 && array.shape[0] == rows, flag, " ", path,
           ": expected features [", rows, ", dim], found shape ", shape_string(array.shape));
  dim = array.shape[1];
  return array.to_float();
}

// Labels of the result items, row by row (class ids: [n, k]; multi-hot: [n, k, classes]).
void write_result_labels(const std::string& path, const Labels& labels,
                         const std::vector<int64_t>& positions, const Shape& shape) {
  Labels results = labels.gather(positions);
  if (!results.multi_label()) {
    write_npy(path, results.class_ids(), shape);
    return;
  }
  Shape with_classes = shape;
  with_classes.push_back(results.num_classes());
  write_npy(path, results.matrix(), with_classes);
}

int run_search(int argc, char** argv) {
  CLI::App app{"Hamming top-k (or radius) search of query codes in an index of codes",
               "hashgrad search"};
  std::string index_path, index_labels, query_labels, rerank_path, query_features_path, output;
  std::string model_path, html_path, index_images, query_images;
  std::vector<std::string> query_paths;
  std::string device_choice = "auto";
  int bits = 0;
  int64_t k = 0, gallery_queries = 8, stream_mb = 0;
  int radius = -1;
  app.add_option("--index", index_path, "database codes: a code file or a .npy of packbits rows")
      ->required()
      ->check(CLI::ExistingFile);
  app.add_option("--index-labels", index_labels,
                 ".npy labels of the database (class ids or multi-hot)")
      ->check(CLI::ExistingFile);
  app.add_option("--query", query_paths,
                 "query codes: code files or .npy packbits rows; or image files, with --model")
      ->required()
      ->check(CLI::ExistingFile);
  app.add_option("--query-labels", query_labels, ".npy labels of the queries")
      ->check(CLI::ExistingFile);
  app::add_bits_option(app, bits, ".npy codes: the code length when less than 8 × columns");
  CLI::Option* k_option =
      app.add_option("-k,--k", k, "neighbours per query (with --radius: at most this many)")
          ->check(app::integer_at_least(1));
  CLI::Option* radius_option =
      app.add_option("--radius", radius, "every code within this Hamming distance instead of top-k")
          ->check(app::integer_at_least(0));
  CLI::Option* rerank_option =
      app.add_option("--rerank", rerank_path,
                     "re-order the top k by Euclidean distance of these database features (.npy "
                     "float [n, dim])")
          ->check(CLI::ExistingFile)
          ->excludes(radius_option);
  app.add_option("--query-features", query_features_path, "the queries' features for --rerank")
      ->check(CLI::ExistingFile)
      ->needs(rerank_option);
  app.add_option("--output", output, "folder for ids.npy, distances.npy, ... instead of printing");
  app.add_option("--model", model_path,
                 "a trained model (run directory or checkpoint) to encode image --query files")
      ->check(CLI::ExistingPath);
  CLI::Option* html_option =
      app.add_option("--html", html_path, "also write a gallery of queries and their results");
  app.add_option("--gallery-queries", gallery_queries, "queries shown in the --html gallery")
      ->check(app::integer_at_least(1))
      ->needs(html_option)
      ->capture_default_str();
  app.add_option("--index-images", index_images,
                 "--html: the images of the index codes, a data spec (fmnist:database, "
                 "run:database@RUN_DIR, list:FILE, ...); default: the run directory's")
      ->needs(html_option);
  app.add_option("--query-images", query_images,
                 "--html: the images of code-file queries, a data spec (fmnist:query, ...)")
      ->needs(html_option);
  app.add_option("--stream-mb", stream_mb,
                 "search the index in parts of this many MiB (a code file larger than memory is "
                 "then read once per batch of queries); default: whole on the CPU, half the "
                 "free memory on a GPU")
      ->check(app::integer_at_least(1));
  app::add_device_option(app, device_choice);
  if (!app::parse_arguments(app, argc, argv)) return 0;
  distributed::Communicator& communicator = distributed::world();
  HG_CHECK(communicator.size() == 1 || (html_path.empty() && rerank_path.empty() && model_path.empty()),
           "--html, --rerank and --model need the whole index in one process: run them without "
           "mpirun (", communicator.description(), ")");
  HG_CHECK(k_option->count() > 0 || radius_option->count() > 0,
           "-k: give the number of neighbours per query (or --radius R)");
  const bool image_queries = looks_like_image(query_paths[0]);
  HG_CHECK(!image_queries || !model_path.empty(), "--query ", query_paths[0],
           ": image queries need a trained model: give --model RUN_DIR (a run directory or its "
           "checkpoint), or encode the images with hashgrad encode and pass the code file");
  HG_CHECK(!image_queries || query_labels.empty(), "--query-labels: image queries have no labels");
  HG_CHECK(rerank_option->count() == 0 || image_queries || !query_features_path.empty(),
           "--rerank: also give --query-features (the queries' features)");

  const Device device = app::chosen_device(device_choice);
  std::optional<TrainedModel> trained;
  if (!model_path.empty()) trained = load_trained_model(model_path, device);
  const hashing::DatabaseShare share({index_path, index_labels, bits}, communicator.rank(),
                                     communicator.size());
  ImageQueries encoded;
  if (image_queries) {
    encoded = encode_image_queries(query_paths, *trained,
                                   rerank_option->count() > 0 && query_features_path.empty());
    HG_CHECK(encoded.codes.bits == share.bits(), "--model ", model_path, " makes ",
             encoded.codes.bits, "-bit codes but --index ", index_path, " holds ", share.bits(),
             "-bit codes");
  }
  CodeSet queries = image_queries ? encoded.codes : load_queries(query_paths, query_labels, bits);
  HG_CHECK(queries.bits == share.bits(), "--query holds ", queries.bits, "-bit codes but --index ",
           index_path, " holds ", share.bits(), "-bit codes");
  hashing::ShardedIndex index(share.codes(), share.begin(), share.total(), device, communicator,
                              static_cast<size_t>(stream_mb) << 20);

  // Results as (n_query rows of positions and distances) with row offsets, both modes alike.
  std::vector<int64_t> offsets, positions;
  std::vector<int32_t> distances;
  std::vector<float> feature_distances;
  bool ragged = radius_option->count() > 0;
  if (ragged) {
    RadiusResult result = index.search_radius(queries.packed(), radius);
    if (communicator.rank() != 0) return 0;  // rank 0 reports the merged results
    for (int64_t q = 0; q <= queries.count; ++q) offsets.push_back(0);
    for (int64_t q = 0; q < queries.count; ++q) {
      int64_t begin = result.offsets[q], end = result.offsets[q + 1];
      if (k_option->count() > 0) end = std::min(end, begin + k);
      positions.insert(positions.end(), result.ids.begin() + begin, result.ids.begin() + end);
      distances.insert(distances.end(), result.distances.begin() + begin,
                       result.distances.begin() + end);
      offsets[q + 1] = static_cast<int64_t>(positions.size());
    }
  } else {
    SearchResult result;
    index.search(queries.packed(), k, result);
    if (communicator.rank() != 0) return 0;  // rank 0 reports the merged results
    if (!rerank_path.empty()) {
      int64_t dim = 0, query_dim = 0;
      std::vector<float> database_features =
          load_features(rerank_path, share.total(), "--rerank", dim);
      std::vector<float> query_features;
      if (query_features_path.empty()) {  // image queries: the model's features
        Tensor features = encoded.features.contiguous();
        query_dim = features.size(1);
        query_features.assign(features.data<float>(), features.data<float>() + features.numel());
      } else {
        query_features =
            load_features(query_features_path, queries.count, "--query-features", query_dim);
      }
      HG_CHECK(dim == query_dim, "--query-features have ", query_dim,
               " dimensions but --rerank features have ", dim);
      result = rerank_by_features(result, query_features.data(), database_features.data(),
                                  share.total(), dim);
      feature_distances = result.feature_distances;
    }
    for (int64_t q = 0; q <= queries.count; ++q) offsets.push_back(q * result.k);
    positions = result.ids;
    distances = result.distances;
    k = result.k;
  }

  if (!html_path.empty()) {
    const CodeSet database = share.whole();
    data::ImageSize list_size =
        trained ? model_input_size(trained->description) : data::ImageSize{};
    // Image queries show their files (id i is the i-th --query); code queries their dataset's.
    CodedImages query_side =
        image_queries
            ? CodedImages(
                  queries, [&](int64_t id) { return encoded.images.at(static_cast<size_t>(id)); },
                  [&](int64_t id) {
                    return std::filesystem::path(query_paths.at(static_cast<size_t>(id)))
                        .filename()
                        .string();
                  })
            : CodedImages(queries,
                          dataset_images(gallery_images(query_images, query_paths[0], "query",
                                                        "--query-images", list_size)));
    CodedImages database_side(database,
                              dataset_images(gallery_images(index_images, index_path, "database",
                                                            "--index-images", list_size)));
    std::vector<GalleryQuery> rows;
    for (int64_t q : gallery_sample(queries.count, gallery_queries))
      rows.push_back({q,
                      {positions.begin() + offsets[q], positions.begin() + offsets[q + 1]},
                      {distances.begin() + offsets[q], distances.begin() + offsets[q + 1]}});
    std::string description = detail::concat(
        database.bits, "-bit codes; ", rows.size(), " of ", queries.count, " queries; ",
        ragged ? detail::concat("codes within Hamming distance ", radius)
               : detail::concat("the nearest ", k),
        " of ", database.count, " in ", index_path,
        feature_distances.empty() ? "" : ", re-ranked by feature distance",
        ragged || k > hashing::kGalleryNeighbours
            ? detail::concat(" (at most ", hashing::kGalleryNeighbours, " shown)")
            : "");
    write_gallery(html_path, retrieval_gallery(query_side, database_side, rows,
                                               "hashgrad search: " + index_path, description));
    std::fprintf(stderr, "gallery of %zu queries written to %s\n", rows.size(), html_path.c_str());
  }

  std::vector<int64_t> ids;
  for (int64_t position : positions) ids.push_back(share.ids()[position]);
  if (!output.empty()) {
    app::make_output_folder(output, "--output");
    const Shape shape = ragged ? Shape{static_cast<int64_t>(ids.size())} : Shape{queries.count, k};
    write_npy(app::join_path(output, "ids.npy"), ids, shape);
    write_npy(app::join_path(output, "distances.npy"), distances, shape);
    std::string written = "ids.npy, distances.npy";
    if (ragged) {
      write_npy(app::join_path(output, "offsets.npy"), offsets, {queries.count + 1});
      written += ", offsets.npy";
    }
    if (!share.labels().empty()) {
      write_result_labels(app::join_path(output, "labels.npy"), share.labels(), positions, shape);
      written += ", labels.npy";
    }
    if (!feature_distances.empty()) {
      write_npy(app::join_path(output, "feature_distances.npy"), feature_distances, shape);
      written += ", feature_distances.npy";
    }
    std::printf("%lld results for %lld queries written to %s (%s)\n",
                static_cast<long long>(ids.size()), static_cast<long long>(queries.count),
                output.c_str(), written.c_str());
    return 0;
  }
  std::printf("# query\trank\tid\tdistance\tlabel%s\n",
              feature_distances.empty() ? "" : "\tfeature_distance");
  for (int64_t q = 0; q < queries.count; ++q)
    for (int64_t j = offsets[q]; j < offsets[q + 1]; ++j) {
      std::printf("%lld\t%lld\t%lld\t%d\t%s", static_cast<long long>(queries.ids[q]),
                  static_cast<long long>(j - offsets[q] + 1), static_cast<long long>(ids[j]),
                  distances[j], app::label_text(share.labels(), positions[j]).c_str());
      if (!feature_distances.empty()) std::printf("\t%.6g", feature_distances[j]);
      std::printf("\n");
    }
  return 0;
}

}  // namespace

HG_COMMAND("search", "Hamming top-k or radius search of query codes in an index", run_search);
