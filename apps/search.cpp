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
// ties included (hashing/sharded_index.h). --gpus N splits each process's share across N GPUs
// of its machine, searched at once and merged as exactly (hashing/partitioned_index.h).
// --stream-mb streams the index through the search in parts, for a code file larger than memory.
// --html, --rerank and --model want the whole database in one process.
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
#include "core/path_status.h"
#include "data/image_io.h"
#include "data/transforms.h"
#include "distributed/communicator.h"
#include "hashing/code_io.h"
#include "hashing/database_share.h"
#include "hashing/hamming_search.h"
#include "hashing/npy.h"
#include "hashing/rerank.h"
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
  data::Random unused(0);  // evaluation transforms draw nothing
  for (const std::string& path : paths) {
    HG_CHECK(looks_like_image(path), "--query ", path,
             ": give either image files or code files, not both");
    try {
      queries.images.push_back(data::decode_image(path, input.channels));
    } catch (const Error& error) {
      throw Error(std::string("--query: ") + error.what());
    }
    const data::Image& image = queries.images.back();
    data::Image resized = evaluation_pipeline(trained.description, image.size, "--query " + path)
                              .apply(image, unused);
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
  // The images are the model's input already: the normalization is what is left to do.
  data::Pipeline normalize;
  normalize.normalize(trained.description.normalization);
  EncodedSet encoded = encode_dataset(*trained.model, dataset, normalize, options);
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
                                                    const data::ImageListOptions& list) {
  if (!spec.empty()) return load_data_spec(parse_data_spec(spec, flag), list);
  std::filesystem::path folder = std::filesystem::path(codes_path).parent_path();
  if (folder.empty()) folder = ".";
  HG_CHECK(path_exists(folder / "config.txt"), "--html: the gallery needs the images of ",
           codes_path, ": give ", flag, " SPEC (e.g. fmnist:", part,
           "), or search the codes of a run directory");
  std::string stem = std::filesystem::path(codes_path).stem().string();
  std::string run_part = stem == "query" || stem == "database" ? stem : part;
  return load_data_spec({"run", run_part, folder.string()}, list);
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

// The command line.
struct SearchOptions {
  std::string index_path, index_labels, query_labels, rerank_path, query_features_path, output;
  std::string model_path, html_path, index_images, query_images;
  std::vector<std::string> query_paths;
  std::string device_choice = "auto", gpus = "1";
  int bits = 0;
  int64_t k = 0, gallery_queries = 8, stream_mb = 0;
  int radius = -1;
  bool k_given = false, radius_given = false, rerank = false;
  bool image_queries = false;  // the --query files are images, for --model to encode
};

// Parses the command line into `o`; false when it only asked for help.
bool parse_search_options(int argc, char** argv, SearchOptions& o) {
  CLI::App app{"Hamming top-k (or radius) search of query codes in an index of codes",
               "hashgrad search"};
  app.add_option("--index", o.index_path, "database codes: a code file or a .npy of packbits rows")
      ->required()
      ->check(CLI::ExistingFile);
  app.add_option("--index-labels", o.index_labels,
                 ".npy labels of the database (class ids or multi-hot)")
      ->check(CLI::ExistingFile);
  app.add_option("--query", o.query_paths,
                 "query codes: code files or .npy packbits rows; or image files, with --model")
      ->required()
      ->check(CLI::ExistingFile);
  app.add_option("--query-labels", o.query_labels, ".npy labels of the queries")
      ->check(CLI::ExistingFile);
  app::add_bits_option(app, o.bits, ".npy codes: the code length when less than 8 × columns");
  CLI::Option* k_option =
      app.add_option("-k,--k", o.k, "neighbours per query (with --radius: at most this many)")
          ->check(app::integer_at_least(1));
  CLI::Option* radius_option =
      app.add_option("--radius", o.radius,
                     "every code within this Hamming distance instead of top-k")
          ->check(app::integer_at_least(0));
  CLI::Option* rerank_option =
      app.add_option("--rerank", o.rerank_path,
                     "re-order the top k by Euclidean distance of these database features (.npy "
                     "float [n, dim])")
          ->check(CLI::ExistingFile)
          ->excludes(radius_option);
  app.add_option("--query-features", o.query_features_path, "the queries' features for --rerank")
      ->check(CLI::ExistingFile)
      ->needs(rerank_option);
  app.add_option("--output", o.output,
                 "folder for ids.npy, distances.npy, ... instead of printing");
  app.add_option("--model", o.model_path,
                 "a trained model (run directory or checkpoint) to encode image --query files")
      ->check(CLI::ExistingPath);
  CLI::Option* html_option =
      app.add_option("--html", o.html_path, "also write a gallery of queries and their results");
  app.add_option("--gallery-queries", o.gallery_queries, "queries shown in the --html gallery")
      ->check(app::integer_at_least(1))
      ->needs(html_option)
      ->capture_default_str();
  app.add_option("--index-images", o.index_images,
                 "--html: the images of the index codes, a data spec (fmnist:database, "
                 "run:database@RUN_DIR, list:FILE, ...); default: the run directory's")
      ->needs(html_option);
  app.add_option("--query-images", o.query_images,
                 "--html: the images of code-file queries, a data spec (fmnist:query, ...)")
      ->needs(html_option);
  app.add_option("--stream-mb", o.stream_mb,
                 "search the index in parts of this many MiB (a code file larger than memory is "
                 "then read once per batch of queries); default: whole on the CPU; on a GPU "
                 "whole when it fits in half the free memory, else parts of 1 GiB")
      ->check(app::integer_at_least(1));
  app::add_device_option(app, o.device_choice);
  app::add_gpus_option(app, o.gpus);
  if (!app::parse_arguments(app, argc, argv)) return false;
  o.k_given = k_option->count() > 0;
  o.radius_given = radius_option->count() > 0;
  o.rerank = rerank_option->count() > 0;
  o.image_queries = looks_like_image(o.query_paths[0]);
  return true;
}

// What the options ask for together that the parser cannot check.
void check_search_options(const SearchOptions& o, const distributed::Communicator& communicator) {
  HG_CHECK(communicator.size() == 1 ||
               (o.html_path.empty() && o.rerank_path.empty() && o.model_path.empty()),
           "--html, --rerank and --model need the whole index in one process: run them without "
           "mpirun (",
           communicator.description(), ")");
  HG_CHECK(o.k_given || o.radius_given,
           "-k: give the number of neighbours per query (or --radius R)");
  HG_CHECK(!o.image_queries || !o.model_path.empty(), "--query ", o.query_paths[0],
           ": image queries need a trained model: give --model RUN_DIR (a run directory or its "
           "checkpoint), or encode the images with hashgrad encode and pass the code file");
  HG_CHECK(!o.image_queries || o.query_labels.empty(),
           "--query-labels: image queries have no labels");
  HG_CHECK(!o.rerank || o.image_queries || !o.query_features_path.empty(),
           "--rerank: also give --query-features (the queries' features)");
}

// The query codes: the --query code files, or the --query images encoded by the model (their
// images and features are kept in `encoded`).
CodeSet read_query_codes(const SearchOptions& o, const std::optional<TrainedModel>& trained,
                         int database_bits, ImageQueries& encoded) {
  if (o.image_queries) {
    encoded =
        encode_image_queries(o.query_paths, *trained, o.rerank && o.query_features_path.empty());
    HG_CHECK(encoded.codes.bits == database_bits, "--model ", o.model_path, " makes ",
             encoded.codes.bits, "-bit codes but --index ", o.index_path, " holds ", database_bits,
             "-bit codes");
  }
  CodeSet queries =
      o.image_queries ? encoded.codes : load_queries(o.query_paths, o.query_labels, o.bits);
  HG_CHECK(queries.bits == database_bits, "--query holds ", queries.bits, "-bit codes but --index ",
           o.index_path, " holds ", database_bits, "-bit codes");
  return queries;
}

// Results as n_query rows of database positions and distances with row offsets, both modes
// alike (top-k rows all have k entries; radius rows are ragged).
struct SearchRows {
  std::vector<int64_t> offsets, positions;
  std::vector<int32_t> distances;
  std::vector<float> feature_distances;  // after --rerank
  int64_t k = 0;                         // top-k: the columns
  bool ragged = false;
};

// Radius results, each row cut at -k entries when -k was given.
SearchRows radius_rows(const RadiusResult& result, int64_t query_count, const SearchOptions& o) {
  SearchRows rows;
  rows.ragged = true;
  rows.offsets.assign(query_count + 1, 0);
  for (int64_t q = 0; q < query_count; ++q) {
    int64_t begin = result.offsets[q], end = result.offsets[q + 1];
    if (o.k_given) end = std::min(end, begin + o.k);
    rows.positions.insert(rows.positions.end(), result.ids.begin() + begin,
                          result.ids.begin() + end);
    rows.distances.insert(rows.distances.end(), result.distances.begin() + begin,
                          result.distances.begin() + end);
    rows.offsets[q + 1] = static_cast<int64_t>(rows.positions.size());
  }
  return rows;
}

// --rerank: the top k re-ordered by the Euclidean distance of float features, the queries'
// from --query-features or, for image queries, from the model.
SearchResult reranked(const SearchResult& result, const SearchOptions& o, const CodeSet& queries,
                      int64_t database_count, const ImageQueries& encoded) {
  int64_t dim = 0, query_dim = 0;
  std::vector<float> database_features =
      load_features(o.rerank_path, database_count, "--rerank", dim);
  std::vector<float> query_features;
  if (o.query_features_path.empty()) {
    Tensor features = encoded.features.contiguous();
    query_dim = features.size(1);
    query_features.assign(features.data<float>(), features.data<float>() + features.numel());
  } else {
    query_features =
        load_features(o.query_features_path, queries.count, "--query-features", query_dim);
  }
  HG_CHECK(dim == query_dim, "--query-features have ", query_dim,
           " dimensions but --rerank features have ", dim);
  return rerank_by_features(result, query_features.data(), database_features.data(), database_count,
                            dim);
}

SearchRows top_k_rows(const SearchResult& result, int64_t query_count) {
  SearchRows rows;
  for (int64_t q = 0; q <= query_count; ++q) rows.offsets.push_back(q * result.k);
  rows.positions = result.ids;
  rows.distances = result.distances;
  rows.feature_distances = result.feature_distances;
  rows.k = result.k;
  return rows;
}

// --html: a sample of queries beside their results.
void write_search_gallery(const SearchOptions& o, const CodeSet& queries, const CodeSet& database,
                          const std::optional<TrainedModel>& trained, const ImageQueries& encoded,
                          const SearchRows& rows) {
  data::ImageListOptions lists;
  lists.channels = 0;  // without a model, no list: its images are read the way a model reads
  if (trained) lists = list_options(trained->description);
  // Image queries show their files (id i is the i-th --query); code queries their dataset's.
  CodedImages query_side =
      o.image_queries
          ? CodedImages(
                queries, [&](int64_t id) { return encoded.images.at(static_cast<size_t>(id)); },
                [&](int64_t id) {
                  return std::filesystem::path(o.query_paths.at(static_cast<size_t>(id)))
                      .filename()
                      .string();
                })
          : CodedImages(queries, dataset_images(gallery_images(o.query_images, o.query_paths[0],
                                                               "query", "--query-images", lists)));
  CodedImages database_side(database,
                            dataset_images(gallery_images(o.index_images, o.index_path, "database",
                                                          "--index-images", lists)));
  std::vector<GalleryQuery> shown;
  for (int64_t q : gallery_sample(queries.count, o.gallery_queries))
    shown.push_back(
        {q,
         {rows.positions.begin() + rows.offsets[q], rows.positions.begin() + rows.offsets[q + 1]},
         {rows.distances.begin() + rows.offsets[q], rows.distances.begin() + rows.offsets[q + 1]}});
  std::string description = detail::concat(
      database.bits, "-bit codes; ", shown.size(), " of ", queries.count, " queries; ",
      rows.ragged ? detail::concat("codes within Hamming distance ", o.radius)
                  : detail::concat("the nearest ", rows.k),
      " of ", database.count, " in ", o.index_path,
      rows.feature_distances.empty() ? "" : ", re-ranked by feature distance",
      rows.ragged || rows.k > hashing::kGalleryNeighbours
          ? detail::concat(" (at most ", hashing::kGalleryNeighbours, " shown)")
          : "");
  write_gallery(o.html_path, retrieval_gallery(query_side, database_side, shown,
                                               "hashgrad search: " + o.index_path, description));
  std::fprintf(stderr, "gallery of %zu queries written to %s\n", shown.size(), o.html_path.c_str());
}

// --output: the results as .npy files (top-k: [n_query, k]; radius: flattened, offsets.npy).
void write_search_npy(const std::string& output, const CodeSet& queries,
                      const hashing::DatabaseShare& share, const SearchRows& rows,
                      const std::vector<int64_t>& ids) {
  app::make_output_folder(output, "--output");
  const Shape shape =
      rows.ragged ? Shape{static_cast<int64_t>(ids.size())} : Shape{queries.count, rows.k};
  write_npy(app::join_path(output, "ids.npy"), ids, shape);
  write_npy(app::join_path(output, "distances.npy"), rows.distances, shape);
  std::string written = "ids.npy, distances.npy";
  if (rows.ragged) {
    write_npy(app::join_path(output, "offsets.npy"), rows.offsets, {queries.count + 1});
    written += ", offsets.npy";
  }
  if (!share.labels().empty()) {
    write_result_labels(app::join_path(output, "labels.npy"), share.labels(), rows.positions,
                        shape);
    written += ", labels.npy";
  }
  if (!rows.feature_distances.empty()) {
    write_npy(app::join_path(output, "feature_distances.npy"), rows.feature_distances, shape);
    written += ", feature_distances.npy";
  }
  std::printf("%lld results for %lld queries written to %s (%s)\n",
              static_cast<long long>(ids.size()), static_cast<long long>(queries.count),
              output.c_str(), written.c_str());
}

// One line per (query, rank).
void print_search_rows(const CodeSet& queries, const hashing::DatabaseShare& share,
                       const SearchRows& rows, const std::vector<int64_t>& ids) {
  std::printf("# query\trank\tid\tdistance\tlabel%s\n",
              rows.feature_distances.empty() ? "" : "\tfeature_distance");
  for (int64_t q = 0; q < queries.count; ++q)
    for (int64_t j = rows.offsets[q]; j < rows.offsets[q + 1]; ++j) {
      std::printf("%lld\t%lld\t%lld\t%d\t%s", static_cast<long long>(queries.ids[q]),
                  static_cast<long long>(j - rows.offsets[q] + 1), static_cast<long long>(ids[j]),
                  rows.distances[j], app::label_text(share.labels(), rows.positions[j]).c_str());
      if (!rows.feature_distances.empty()) std::printf("\t%.6g", rows.feature_distances[j]);
      std::printf("\n");
    }
}

int run_search(int argc, char** argv) {
  SearchOptions o;
  if (!parse_search_options(argc, argv, o)) return 0;
  distributed::Communicator& communicator = distributed::world();
  check_search_options(o, communicator);

  const Device device = app::chosen_device(o.device_choice);
  std::optional<TrainedModel> trained;
  if (!o.model_path.empty()) trained = load_trained_model(o.model_path, device);
  const hashing::DatabaseShare share({o.index_path, o.index_labels, o.bits}, communicator.rank(),
                                     communicator.size());
  ImageQueries encoded;
  CodeSet queries = read_query_codes(o, trained, share.bits(), encoded);
  hashing::ShardedIndex index(share.codes(), share.begin(), share.total(), device, communicator,
                              static_cast<size_t>(o.stream_mb) << 20,
                              app::chosen_gpus(o.gpus, device, communicator.local_rank()));

  SearchRows rows;
  if (o.radius_given) {
    RadiusResult result = index.search_radius(queries.packed(), o.radius);
    if (communicator.rank() != 0) return 0;  // rank 0 reports the merged results
    rows = radius_rows(result, queries.count, o);
  } else {
    SearchResult result;
    index.search(queries.packed(), o.k, result);
    if (communicator.rank() != 0) return 0;  // rank 0 reports the merged results
    if (o.rerank) result = reranked(result, o, queries, share.total(), encoded);
    rows = top_k_rows(result, queries.count);
  }

  if (!o.html_path.empty()) write_search_gallery(o, queries, share.whole(), trained, encoded, rows);
  std::vector<int64_t> ids;
  for (int64_t position : rows.positions) ids.push_back(share.ids()[position]);
  if (!o.output.empty())
    write_search_npy(o.output, queries, share, rows, ids);
  else
    print_search_rows(queries, share, rows, ids);
  return 0;
}

}  // namespace

HG_COMMAND("search", "Hamming top-k or radius search of query codes in an index", run_search);
