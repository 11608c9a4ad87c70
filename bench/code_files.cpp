// Synthetic code files for the command-line benchmarks (bench/mpi_scaling.sh): uniform random
// codes (bench/random_codes.h) with uniform random class labels, written as a code file
// (hashing/code_file.h) that `hashgrad search` and `eval` read, in one process or under mpirun.
//
//   bench_code_files --count 4000000 --bits 64 --classes 10 --seed 1 --output database.hgc
//   bench_code_files --count 1000 --seed 2 --output queries.hgc
//
// The same options give the same file (the codes are drawn on one thread, so the machine's
// thread count does not change them); give a database and its queries different seeds.
#include <omp.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <random>

#include "bench/random_codes.h"
#include "hashing/code_file.h"

using namespace hg;

int main(int argc, char** argv) {
  CLI::App app{"Write a code file of random codes with random class labels", "bench_code_files"};
  int64_t count = 0, classes = 10;
  int bits = 64;
  uint64_t seed = 1;
  std::string output;
  app.add_option("--count", count, "codes")->required()->check(CLI::PositiveNumber);
  app.add_option("--bits", bits, "code length")->check(CLI::Range(8, 1024))->capture_default_str();
  app.add_option("--classes", classes, "classes of the random labels")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--seed", seed, "seed of the codes and labels")->capture_default_str();
  app.add_option("--output", output, "the code file to write")->required();
  CLI11_PARSE(app, argc, argv);
  omp_set_num_threads(1);  // random_codes draws per thread: one thread, one set of codes
  try {
    std::vector<int32_t> class_ids(static_cast<size_t>(count));
    std::mt19937_64 generator(seed);
    for (int32_t& class_id : class_ids) class_id = static_cast<int32_t>(generator() % classes);
    hashing::write_code_file(
        output, hashing::CodeSet::from_words(bits, bench::random_codes(count, bits, seed),
                                           Labels::from_class_ids(std::move(class_ids), classes)));
    std::printf("wrote %s (%lld codes of %d bits)\n", output.c_str(),
                static_cast<long long>(count), bits);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "bench_code_files: error: %s\n", error.what());
    return 1;
  }
  return 0;
}
