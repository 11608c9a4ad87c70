// `hashgrad search`: the nearest database codes of each query code, by Hamming distance.
//
//   hashgrad search --index db.hgc --query queries.hgc -k 10
//   hashgrad search --index db_codes.npy --index-labels db_labels.npy --query q.npy -k 100
//                   --rerank db_features.npy --query-features q_features.npy --output results/
//   hashgrad search --index db.hgc --query q.hgc --radius 2
//
// Indexes and queries are code files or NumPy packbits arrays (hashing/code_io.h). Results are
// printed one line per (query, rank), or written as .npy with --output: ids.npy (int64,
// n_query × k, the database ids), distances.npy (int32), labels.npy (the results' labels) and
// feature_distances.npy after a re-rank; radius results are ragged, so they are written
// flattened with offsets.npy (n_query + 1) marking where each query's results start.
#include <cctype>
#include <cstdio>
#include <filesystem>

#include "apps/code_options.h"
#include "apps/command.h"
#include "hashing/code_io.h"
#include "hashing/hamming_search.h"
#include "hashing/npy.h"

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
             ": image queries need a trained model, which search does not load yet; encode the "
             "images with hashgrad encode and pass the code file");
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
  if (labels.layout == LabelLayout::class_ids) {
    std::vector<int32_t> values;
    for (int64_t position : positions) values.push_back(labels.class_ids[position]);
    write_npy(path, values, shape);
  } else {
    std::vector<uint8_t> values;
    for (int64_t position : positions)
      values.insert(values.end(), labels.multi_hot.begin() + position * labels.num_classes,
                    labels.multi_hot.begin() + (position + 1) * labels.num_classes);
    Shape with_classes = shape;
    with_classes.push_back(labels.num_classes);
    write_npy(path, values, with_classes);
  }
}

int run_search(int argc, char** argv) {
  CLI::App app{"Hamming top-k (or radius) search of query codes in an index of codes",
               "hashgrad search"};
  std::string index_path, index_labels, query_labels, rerank_path, query_features_path, output;
  std::vector<std::string> query_paths;
  std::string device_choice = "auto";
  int bits = 0;
  int64_t k = 0;
  int radius = -1;
  app.add_option("--index", index_path, "database codes: a code file or a .npy of packbits rows")
      ->required()
      ->check(CLI::ExistingFile);
  app.add_option("--index-labels", index_labels,
                 ".npy labels of the database (class ids or multi-hot)")
      ->check(CLI::ExistingFile);
  app.add_option("--query", query_paths, "query codes: code files or .npy packbits rows")
      ->required()
      ->check(CLI::ExistingFile);
  app.add_option("--query-labels", query_labels, ".npy labels of the queries")
      ->check(CLI::ExistingFile);
  app.add_option("--bits", bits, ".npy codes: the code length when less than 8 × columns")
      ->check(app::integer_in(hashing::kMinCodeBits, hashing::kMaxCodeBits));
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
  app::add_device_option(app, device_choice);
  if (!app::parse_arguments(app, argc, argv)) return 0;
  HG_CHECK(k_option->count() > 0 || radius_option->count() > 0,
           "-k: give the number of neighbours per query (or --radius R)");
  HG_CHECK(rerank_option->count() == 0 || !query_features_path.empty(),
           "--rerank: also give --query-features (the queries' features)");

  CodeSet database = load_codes({index_path, index_labels, bits});
  CodeSet queries = load_queries(query_paths, query_labels, bits);
  HG_CHECK(queries.bits == database.bits, "--query holds ", queries.bits, "-bit codes but --index ",
           index_path, " holds ", database.bits, "-bit codes");
  hashing::HammingIndex index(database.packed(), app::chosen_device(device_choice));

  // Results as (n_query rows of positions and distances) with row offsets, both modes alike.
  std::vector<int64_t> offsets, positions;
  std::vector<int32_t> distances;
  std::vector<float> feature_distances;
  bool ragged = radius_option->count() > 0;
  if (ragged) {
    RadiusResult result = index.search_radius(queries.packed(), radius);
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
    SearchResult result = index.search(queries.packed(), k);
    if (!rerank_path.empty()) {
      int64_t dim = 0, query_dim = 0;
      std::vector<float> database_features =
          load_features(rerank_path, database.count, "--rerank", dim);
      std::vector<float> query_features =
          load_features(query_features_path, queries.count, "--query-features", query_dim);
      HG_CHECK(dim == query_dim, "--query-features have ", query_dim,
               " dimensions but --rerank features have ", dim);
      result = rerank_by_features(result, query_features.data(), database_features.data(),
                                  database.count, dim);
      feature_distances = result.feature_distances;
    }
    for (int64_t q = 0; q <= queries.count; ++q) offsets.push_back(q * result.k);
    positions = result.ids;
    distances = result.distances;
    k = result.k;
  }

  std::vector<int64_t> ids;
  for (int64_t position : positions) ids.push_back(database.ids[position]);
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
    if (!database.labels.empty()) {
      write_result_labels(app::join_path(output, "labels.npy"), database.labels, positions, shape);
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
                  distances[j], app::label_text(database.labels, positions[j]).c_str());
      if (!feature_distances.empty()) std::printf("\t%.6g", feature_distances[j]);
      std::printf("\n");
    }
  return 0;
}

}  // namespace

HG_COMMAND("search", "Hamming top-k or radius search of query codes in an index", run_search);
