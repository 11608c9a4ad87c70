// `hashgrad eval`: retrieval metrics of query codes against an index (DESIGN §5) as a table,
// metrics.json and pr_curve.svg.
//
//   hashgrad eval --index db.hgc --queries q.hgc
//   hashgrad eval --index db16.hgc --queries q16.hgc --index db64.hgc --queries q64.hgc -k 1000
//   hashgrad eval --index db.npy --index-labels db_labels.npy --queries q.npy
//                 --query-labels q_labels.npy --output runs/x
//
// Give several --index/--queries pairs (e.g. one per code length) to compare them: one table
// row, one metrics.json entry and one curve each. Labels come from the code files, or from
// --index-labels/--query-labels (once for all pairs, or once per pair).
//
// Under MPI (mpirun -np N hashgrad eval ...) each index is sharded across the ranks, each rank
// ranks its share and summarizes the rankings on its share's labels, and rank 0 merges the
// summaries, scores them and writes the results: the same metrics as one process, bit for bit
// (hashing/ranking_summary.h). --gpus N splits each process's share across N GPUs of
// its machine (hashing/partitioned_index.h).
#include <cstdio>

#include <nlohmann/json.hpp>

#include "apps/code_options.h"
#include "apps/command.h"
#include "core/atomic_write.h"
#include "distributed/communicator.h"
#include "hashing/code_io.h"
#include "hashing/database_share.h"
#include "hashing/metrics.h"
#include "hashing/pr_curve_svg.h"
#include "hashing/sharded_index.h"

namespace {

using namespace hg;
using namespace hg::hashing;

// The i-th of a per-pair list given once for all pairs or once per pair ("" when not given).
std::string per_pair(const std::vector<std::string>& values, size_t i, size_t pairs,
                     const char* flag) {
  HG_CHECK(values.size() <= 1 || values.size() == pairs, flag, ": given ", values.size(),
           " times for ", pairs, " --index/--queries pairs (give it once, or once per pair)");
  if (values.empty()) return "";
  return values.size() == 1 ? values[0] : values[i];
}

nlohmann::json to_json(const RetrievalMetrics& metrics, const std::string& name,
                       const std::string& index, const std::string& queries) {
  nlohmann::json entry = {{"name", name},
                          {"index", index},
                          {"queries", queries},
                          {"bits", metrics.bits},
                          {"n_query", metrics.n_query},
                          {"n_database", metrics.n_database},
                          {"k", metrics.k},
                          {"map_at_k", metrics.map_at_k},
                          {"map_all", metrics.map_all},
                          {"precision_at_k", metrics.precision_at_k},
                          {"recall_at_k", metrics.recall_at_k},
                          {"precision_radius2", metrics.precision_radius2}};
  nlohmann::json curve = nlohmann::json::array();
  for (const PrPoint& point : metrics.pr_curve)
    curve.push_back(
        {{"radius", point.radius}, {"precision", point.precision}, {"recall", point.recall}});
  entry["pr_curve"] = curve;
  return entry;
}

// The command line.
struct EvalOptions {
  std::vector<std::string> index_paths, query_paths, index_labels, query_labels, names;
  std::vector<int> bits;
  std::string output = ".", device_choice = "auto", gpus = "1";
  int64_t k = 0;

  size_t pairs() const { return index_paths.size(); }
  int pair_bits(size_t i) const { return bits.empty() ? 0 : bits.size() == 1 ? bits[0] : bits[i]; }
};

// Parses and checks the command line into `o`; false when it only asked for help.
bool parse_eval_options(int argc, char** argv, EvalOptions& o) {
  CLI::App app{
      "Retrieval metrics (mAP@k, mAP@all, P@k, recall@k, P@r<=2, PR curve) of query "
      "codes against an index",
      "hashgrad eval"};
  app.add_option("--index", o.index_paths, "database codes (code file or .npy); repeat per pair")
      ->required()
      ->check(CLI::ExistingFile);
  app.add_option("--queries", o.query_paths, "query codes (code file or .npy); repeat per pair")
      ->required()
      ->check(CLI::ExistingFile);
  app.add_option("--index-labels", o.index_labels, ".npy database labels (once, or per pair)")
      ->check(CLI::ExistingFile);
  app.add_option("--query-labels", o.query_labels, ".npy query labels (once, or per pair)")
      ->check(CLI::ExistingFile);
  app::add_bits_option(app, o.bits,
                       ".npy codes: code length when less than 8 × columns (per pair)");
  app.add_option("--name", o.names, "curve and table name per pair (default: \"<bits> bits\")");
  app.add_option("-k,--k", o.k, "cutoff of mAP@k, P@k and recall@k (default: the database size)")
      ->check(app::integer_at_least(1));
  app.add_option("--output", o.output, "folder for metrics.json and pr_curve.svg")
      ->capture_default_str();
  app::add_device_option(app, o.device_choice);
  app::add_gpus_option(app, o.gpus);
  if (!app::parse_arguments(app, argc, argv)) return false;
  const size_t pairs = o.pairs();
  HG_CHECK(o.query_paths.size() == pairs, "--queries: given ", o.query_paths.size(), " times for ",
           pairs, " --index files (one --queries per --index)");
  HG_CHECK(o.names.empty() || o.names.size() == pairs, "--name: given ", o.names.size(),
           " times for ", pairs, " --index/--queries pairs");
  HG_CHECK(o.bits.size() <= 1 || o.bits.size() == pairs, "--bits: given ", o.bits.size(),
           " times for ", pairs, " pairs");
  return true;
}

// The metrics of the i-th --index/--queries pair (complete on rank 0 only), and its name.
RetrievalMetrics evaluate_pair(const EvalOptions& o, size_t i, Device device,
                               distributed::Communicator& communicator, std::string& name) {
  const DatabaseShare database(
      {o.index_paths[i], per_pair(o.index_labels, i, o.pairs(), "--index-labels"), o.pair_bits(i)},
      communicator.rank(), communicator.size());
  CodeSet queries = load_codes(
      {o.query_paths[i], per_pair(o.query_labels, i, o.pairs(), "--query-labels"), o.pair_bits(i)});
  HG_CHECK(!database.share_labels().empty(), "--index ", o.index_paths[i],
           ": the codes carry no labels; give --index-labels");
  HG_CHECK(!queries.labels.empty(), "--queries ", o.query_paths[i],
           ": the codes carry no labels; give --query-labels");
  HG_CHECK(queries.bits == database.bits(), "--queries ", o.query_paths[i], " holds ", queries.bits,
           "-bit codes but --index ", o.index_paths[i], " holds ", database.bits(), "-bit codes");
  ShardedIndex index(database.codes(), database.begin(), database.total(), device, communicator, 0,
                     app::chosen_gpus(o.gpus, device, communicator.local_rank()));
  const int64_t cutoff = o.k > 0 ? o.k : database.total();
  name = o.names.empty() ? std::to_string(database.bits()) + " bits" : o.names[i];
  return evaluate_retrieval(index, queries.packed(), queries.labels, database.share_labels(),
                            cutoff);
}

// metrics.json and pr_curve.svg in the --output folder.
void write_eval_files(const std::string& output, Device device, const nlohmann::json& results,
                      const std::vector<PrCurve>& curves) {
  app::make_output_folder(output, "--output");
  const nlohmann::json document = {{"device", device_name(device)}, {"results", results}};
  const std::string metrics_path = app::join_path(output, "metrics.json");
  write_atomically(metrics_path, [&](std::ostream& out) { out << document.dump(2) << "\n"; });
  const std::string svg_path = app::join_path(output, "pr_curve.svg");
  const std::string svg = pr_curve_svg(curves, "Precision-recall over Hamming radius");
  write_atomically(svg_path, [&](std::ostream& out) { out << svg; });
  std::printf("wrote %s and %s\n", metrics_path.c_str(), svg_path.c_str());
}

int run_eval(int argc, char** argv) {
  EvalOptions o;
  if (!parse_eval_options(argc, argv, o)) return 0;
  const Device device = app::chosen_device(o.device_choice);
  distributed::Communicator& communicator = distributed::world();
  const bool reporting = communicator.rank() == 0;  // rank 0 merges, prints and writes

  nlohmann::json results = nlohmann::json::array();
  std::vector<PrCurve> curves;
  for (size_t i = 0; i < o.pairs(); ++i) {
    std::string name;
    RetrievalMetrics metrics = evaluate_pair(o, i, device, communicator, name);
    if (!reporting) continue;
    if (i == 0)
      std::printf("%-16s %6s %9s %8s %8s %8s %8s %8s\n", "codes", "bits", "queries", "mAP@k",
                  "mAP@all", "P@k", "R@k", "P@r<=2");
    std::printf("%-16s %6d %9lld %8.4f %8.4f %8.4f %8.4f %8.4f\n", name.c_str(), metrics.bits,
                static_cast<long long>(metrics.n_query), metrics.map_at_k, metrics.map_all,
                metrics.precision_at_k, metrics.recall_at_k, metrics.precision_radius2);
    results.push_back(to_json(metrics, name, o.index_paths[i], o.query_paths[i]));
    curves.push_back({name, metrics.pr_curve});
  }
  if (!reporting) return 0;
  if (o.k > 0) std::printf("k = %lld\n", static_cast<long long>(o.k));
  write_eval_files(o.output, device, results, curves);
  return 0;
}

}  // namespace

HG_COMMAND("eval",
           "retrieval metrics of query codes against an index: table, metrics.json, "
           "pr_curve.svg",
           run_eval);
