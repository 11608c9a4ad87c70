// `mpirun -np 2 hashgrad train` against the one-process run of the same config (ctest label
// mpi): two ranks with half of every batch each take the steps one process takes with the whole
// batch (sync_batch_norm = on, so BatchNorm sees the whole batch too), for the pointwise,
// pairwise and asymmetric strategies. The runs differ only in the order of f32 sums, so the
// round losses agree to 1e-3 relative, and the final mAP to 0.02; except after ADSH's first
// update of V: the update takes the sign of sums over U, and rounding-level differences in U
// flip the few bits whose sums are near 0, each of which moves the asymmetric loss (a sum over
// every sample-database pair) visibly, so later asymmetric rounds agree to 1e-2. And a rank
// killed mid-run:
// mpirun stops the other and names the dead rank, the run directory holds only whole files,
// and --resume (with one process) finishes the run. And the evaluation, encoded in shares, gives
// the codes of rank 0's model without synchronised BatchNorm too.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "data/idx.h"
#include "hashing/code_file.h"
#include "tests/command_support.h"
#include "tests/test_support.h"
#include "train/checkpoint.h"

namespace hg {
namespace {

namespace fs = std::filesystem;
using test::CommandRun;
using test::read_text;

class DistributedTraining : public test::CommandTest {
 protected:
  void SetUp() override {
    CommandTest::SetUp();
    if (!fs::exists(data::fashion_mnist_directory()))
      GTEST_SKIP() << "Fashion-MNIST not installed (Debian: dataset-fashion-mnist)";
  }

  // configs/<method>_fmnist.conf on a 400-image slice, `rounds` rounds, written to <name>.conf.
  std::string config_file(const std::string& method, const std::string& name, int rounds,
                          bool sync_batch_norm) const {
    Config config = test::fmnist_method_slice(method, "cpu", 400);
    config.set("rounds", std::to_string(rounds), "test");
    config.set("sync_batch_norm", sync_batch_norm ? "on" : "off", "test");
    config.set("gallery_queries", "0", "test");
    const std::string file = path(name + ".conf");
    std::ofstream(file) << config.to_text();
    return file;
  }

  std::string mpirun_hashgrad() const {
    return std::string(HASHGRAD_MPIRUN) + " " + test::build_directory() + "/hashgrad ";
  }

  // later_tolerance: the relative tolerance of the rounds after the first.
  void expect_two_ranks_follow_one(const std::string& method, double later_tolerance = 1e-3) {
    const std::string config = config_file(method, method, 2, true);
    CommandRun one = hashgrad("train --config " + config + " --out " + path("one"));
    ASSERT_EQ(one.status, 0) << one.err;
    CommandRun two = run(mpirun_hashgrad() + "train --config " + config + " --out " + path("two"));
    ASSERT_EQ(two.status, 0) << two.err;
    std::vector<double> expected = test::round_losses(path("one"));
    std::vector<double> actual = test::round_losses(path("two"));
    ASSERT_EQ(expected.size(), 2u);
    ASSERT_EQ(actual.size(), expected.size());
    for (size_t r = 0; r < expected.size(); ++r)
      EXPECT_NEAR(actual[r], expected[r],
                  (r == 0 ? 1e-3 : later_tolerance) * std::abs(expected[r]) + 1e-6)
          << method << " round " << r + 1;
    const nlohmann::json metrics_one = nlohmann::json::parse(read_text(path("one/metrics.json")));
    const nlohmann::json metrics_two = nlohmann::json::parse(read_text(path("two/metrics.json")));
    EXPECT_NEAR(metrics_two["map_all"].get<double>(), metrics_one["map_all"].get<double>(), 0.02)
        << method;
    EXPECT_EQ(metrics_two["n_database"], metrics_one["n_database"]);
    // Rank 0 alone logged: one "setup" event, naming both processes.
    const std::string log = read_text(path("two/log.jsonl"));
    size_t setups = 0;
    for (size_t at = log.find("\"setup\""); at != std::string::npos;
         at = log.find("\"setup\"", at + 1))
      ++setups;
    EXPECT_EQ(setups, 1u) << log;
    EXPECT_NE(log.find("MPI (2 processes)"), std::string::npos) << log;
  }
};

TEST_F(DistributedTraining, PointwiseTwoRanksFollowOne) {
  expect_two_ranks_follow_one("pointwise_ce");
}
TEST_F(DistributedTraining, PairwiseTwoRanksFollowOne) { expect_two_ranks_follow_one("dpsh"); }
TEST_F(DistributedTraining, AsymmetricTwoRanksFollowOne) {
  expect_two_ranks_follow_one("adsh", 1e-2);
}

// Each rank encodes its share of the evaluation's queries and database, with rank 0's model:
// without sync_batch_norm each rank's BatchNorm running statistics follow its own shares, so
// rank 1's codes are right only if it takes rank 0's. The run's codes are those one process
// gets from the checkpoint (rank 0's model).
TEST_F(DistributedTraining, EveryRankEncodesItsShareWithRankZerosModel) {
  const std::string file = config_file("dpsh", "unsynchronised", 1, false);
  const std::string run_directory = path("run");
  CommandRun two = run(mpirun_hashgrad() + "train --config " + file + " --out " + run_directory);
  ASSERT_EQ(two.status, 0) << two.err;
  for (const std::string part : {"query", "database"}) {
    const std::string codes = path(part + ".codes");
    CommandRun one = hashgrad("encode --device cpu --model " + run_directory + " --data run:" +
                              part + "@" + run_directory + " --out " + codes);
    ASSERT_EQ(one.status, 0) << one.err;
    const hashing::CodeSet expected = hashing::read_code_file(codes);
    const hashing::CodeSet written = hashing::read_code_file(run_directory + "/" + part + ".codes");
    EXPECT_EQ(written.ids.size(), part == "query" ? 100u : 400u);
    EXPECT_EQ(written.words, expected.words) << part;
  }
}

TEST_F(DistributedTraining, AKilledRankStopsTheRunWhichResumes) {
  const std::string file = config_file("dpsh", "long", 6, false);
  const std::string run_directory = path("run");
  // Rank 1 kills itself (SIGKILL, no chance to say anything) once rank 0 has checkpointed.
  const std::string rank_command =
      "if [ \"$OMPI_COMM_WORLD_RANK\" = 1 ]; then (while [ ! -f " + run_directory +
      "/checkpoint.safetensors ]; do sleep 0.05; done; kill -9 $$) & fi; exec " +
      test::build_directory() + "/hashgrad train --config " + file + " --out " + run_directory;
  CommandRun killed = run(std::string(HASHGRAD_MPIRUN) + " sh -c '" + rank_command + "'");
  EXPECT_NE(killed.status, 0);
  const std::string said = killed.out + killed.err;
  EXPECT_NE(said.find("rank 1"), std::string::npos) << said;
  // Only whole files: no temporary file left, and the checkpoint loads.
  for (const auto& entry : fs::directory_iterator(run_directory))
    EXPECT_EQ(entry.path().filename().string().find(".tmp"), std::string::npos) << entry.path();
  Checkpoint checkpoint = load_checkpoint(run_directory + "/checkpoint.safetensors");
  EXPECT_GE(checkpoint.rounds_done, 1);
  EXPECT_LT(checkpoint.rounds_done, 6);
  // The run goes on with another number of processes.
  CommandRun resumed = hashgrad("train --resume " + run_directory);
  ASSERT_EQ(resumed.status, 0) << resumed.err;
  EXPECT_NE(resumed.out.find("resuming after round"), std::string::npos) << resumed.out;
  EXPECT_TRUE(fs::exists(run_directory + "/metrics.json"));
}

}  // namespace
}  // namespace hg
