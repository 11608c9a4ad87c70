// Hamming search throughput: query–database pairs per second of exhaustive top-k search.
//
//   bench_search_bench --mode cpu     64-bit codes, 1M database, 1,000 queries, k = 100
//                                     (compare: bench/faiss_peer.py, FAISS IndexBinaryFlat)
//   bench_search_bench --mode gpu     32/64/128-bit codes, 10M database, 10,000 queries,
//                                     k = 100 and 1,000; also the fraction of the popcount peak
//
// GPU peak: SMs × 16 POPC per clock per SM × clock; a pair of c-bit codes costs 2·ceil(c/64)
// POPC (each 64-bit popcount is two 32-bit ones), so fraction = pairs/s · 2·words / peak. The
// engine scans the database twice (count, then collect), so 50% is its ceiling by this measure.
//
// Codes are uniform random bits from a seeded generator (the worst case for top-k selection:
// no structure to exploit). --write-data writes them, and hashgrad's results, as .npy for the
// FAISS peer to search the very same data and check the distances agree. Results go to
// bench/results/search-cpu.json (search-gpu-<device>.json) with the device, commit and date.
#include <omp.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "bench/bench_report.h"
#include "bench/random_codes.h"
#include "cuda/runtime.h"
#include "hashing/code_io.h"
#include "hashing/cpu/popcount_scan.h"
#include "hashing/cpu_hamming_index.h"
#include "hashing/hamming_search.h"
#include "hashing/npy.h"

#include "cuda/hamming_search.h"
#include "cuda/stream.h"

namespace {

using namespace hg;
using namespace hg::hashing;

// Prints a result (without ending the line) and returns its record.
nlohmann::json record_run(int bits, int64_t n_database, int64_t n_query, int64_t k,
                          double seconds) {
  const double pairs = static_cast<double>(n_database) * static_cast<double>(n_query) / seconds;
  std::printf("  %4d bits  k %5lld  %8.4f s  %.3e pairs/s", bits, static_cast<long long>(k),
              seconds, pairs);
  return {{"engine", "hashgrad"},     {"bits", bits}, {"n_database", n_database},
          {"n_query", n_query},       {"k", k},       {"seconds", seconds},
          {"pairs_per_second", pairs}};
}

// <folder>/search-<device>.json with where and when it ran (bench/bench_report.h).
void write_search_results(const std::string& folder, const std::string& device_tag,
                          const std::string& load_before, const nlohmann::json& runs,
                          const std::string& scan_build) {
  nlohmann::json report = bench::report_header("hamming_search", load_before);
  report["cpu_scan_build"] = scan_build;
  report["results"] = runs;
  bench::write_report(std::filesystem::path(folder) / ("search-" + device_tag + ".json"), report);
}

int run_cpu(int64_t n_database, int64_t n_query, const std::vector<int>& bit_lengths,
            const std::vector<int64_t>& ks, int repeat, const std::string& data_folder,
            const std::string& results_folder, const std::string& load_before) {
  const std::string scan_build = cpu::scan_build_name(cpu::best_scan_build());
  std::printf("CPU: %s, %d threads, scan build %s\n", bench::cpu_model().c_str(),
              omp_get_max_threads(), scan_build.c_str());
  nlohmann::json runs = nlohmann::json::array();
  for (int bits : bit_lengths) {
    std::vector<uint64_t> database = bench::random_codes(n_database, bits, 1);
    std::vector<uint64_t> queries = bench::random_codes(n_query, bits, 2);
    const PackedCodes db{database.data(), n_database, bits}, q{queries.data(), n_query, bits};
    for (int64_t k : ks) {
      const CpuHammingIndex index(db);
      SearchResult result;
      double seconds = bench::best_seconds(repeat, 0, [&] { result = index.search(q, k); });
      runs.push_back(record_run(bits, n_database, n_query, k, seconds));
      std::printf("\n");
      if (!data_folder.empty()) {
        std::filesystem::create_directories(data_folder);
        const std::string tag = std::to_string(bits) + "_k" + std::to_string(k);
        auto file = [&](const std::string& name) {
          return (std::filesystem::path(data_folder) / name).string();
        };
        write_codes_npy(file("database_" + std::to_string(bits) + ".npy"),
                        CodeSet::from_words(bits, database));
        write_codes_npy(file("queries_" + std::to_string(bits) + ".npy"),
                        CodeSet::from_words(bits, queries));
        write_npy(file("hashgrad_ids_" + tag + ".npy"), result.ids, {n_query, result.k});
        write_npy(file("hashgrad_distances_" + tag + ".npy"), result.distances,
                  {n_query, result.k});
      }
    }
  }
  write_search_results(results_folder, "cpu", load_before, runs, scan_build);
  return 0;
}

int run_gpu(int64_t n_database, int64_t n_query, const std::vector<int>& bit_lengths,
            const std::vector<int64_t>& ks, int repeat, const std::string& results_folder,
            const std::string& load_before) {
  if (!cuda::available()) {
    std::printf("GPU benchmark skipped: %s\n", cuda::device_description().c_str());
    return 0;
  }
  const cuda::ComputeUnits units = cuda::compute_units();
  const int processors = units.multiprocessors, clock_khz = units.clock_khz;
  const double popc_peak = static_cast<double>(processors) * 16.0 * clock_khz * 1e3;
  const std::string device = cuda::device_description();
  std::printf("GPU: %s, %d SMs at %.0f MHz, popcount peak %.3e POPC/s\n", device.c_str(),
              processors, clock_khz / 1e3, popc_peak);
  nlohmann::json runs = nlohmann::json::array();
  for (int bits : bit_lengths) {
    const int64_t words = words_per_code(bits);
    std::vector<uint64_t> database = bench::random_codes(n_database, bits, 1);
    std::vector<uint64_t> queries = bench::random_codes(n_query, bits, 2);
    Tensor device_database = Tensor::from_vector(database, {n_database, words}, Device::cuda);
    Tensor device_queries = Tensor::from_vector(queries, {n_query, words}, Device::cuda);
    cuda::HammingProblem problem;
    problem.queries = device_queries.data<uint64_t>();
    problem.n_query = n_query;
    problem.database = device_database.data<uint64_t>();
    problem.n_database = n_database;
    problem.words = static_cast<int>(words);
    problem.bits = bits;
    for (int64_t k : ks) {
      Tensor ids = Tensor::empty({n_query, k}, DType::i64, Device::cuda);
      Tensor distances = Tensor::empty({n_query, k}, DType::i32, Device::cuda);
      double seconds = bench::best_seconds(repeat, 0, [&] {
        cuda::hamming_topk(problem, k, ids.data<int64_t>(), distances.data<int32_t>(),
                           cuda::current_stream());
        cuda::synchronize();
      });
      nlohmann::json run = record_run(bits, n_database, n_query, k, seconds);
      const double fraction =
          run["pairs_per_second"].get<double>() * 2.0 * static_cast<double>(words) / popc_peak;
      std::printf("  %.1f%% of popcount peak\n", 100 * fraction);
      run["fraction_of_popcount_peak"] = fraction;
      runs.push_back(run);
    }
  }
  write_search_results(results_folder, "gpu-" + bench::device_slug(device), load_before, runs,
                       cpu::scan_build_name(cpu::best_scan_build()));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string load_before = bench::load_average();
  CLI::App app{"Hamming search throughput (pairs per second)", "bench_search_bench"};
  std::string mode = "cpu", data_folder,
              results_folder = (bench::repository_root() / "bench" / "results").string();
  int64_t n_database = 0, n_query = 0;
  std::vector<int> bits;
  std::vector<int64_t> ks;
  int repeat = 3;
  app.add_option("--mode", mode, "cpu or gpu")
      ->check(CLI::IsMember({"cpu", "gpu"}))
      ->capture_default_str();
  app.add_option("--database", n_database, "database codes (cpu 1,000,000; gpu 10,000,000)");
  app.add_option("--queries", n_query, "query codes (cpu 1,000; gpu 10,000)");
  app.add_option("--bits", bits, "code lengths (cpu 64; gpu 32 64 128)");
  app.add_option("-k,--k", ks, "neighbours per query (cpu 100; gpu 100 1000)");
  app.add_option("--repeat", repeat, "timed runs (the best is reported)")->capture_default_str();
  app.add_option("--write-data", data_folder,
                 "cpu: write codes and results as .npy for faiss_peer.py");
  app.add_option("--results", results_folder, "folder for the results .json")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  const bool gpu = mode == "gpu";
  if (n_database == 0) n_database = gpu ? 10'000'000 : 1'000'000;
  if (n_query == 0) n_query = gpu ? 10'000 : 1'000;
  if (bits.empty()) bits = gpu ? std::vector<int>{32, 64, 128} : std::vector<int>{64};
  if (ks.empty()) ks = gpu ? std::vector<int64_t>{100, 1000} : std::vector<int64_t>{100};
  try {
    return gpu ? run_gpu(n_database, n_query, bits, ks, repeat, results_folder, load_before)
               : run_cpu(n_database, n_query, bits, ks, repeat, data_folder, results_folder,
                         load_before);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "bench_search_bench: error: %s\n", error.what());
    return 1;
  }
}
