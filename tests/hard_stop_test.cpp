// Hard stops through the hashgrad executable: SIGKILL at random moments of `hashgrad train` (some
// in the middle of a checkpoint write) with a resume after each, a full disk (RLIMIT_FSIZE in the
// child, SIGXFSZ ignored so that writes fail with EFBIG as they would with ENOSPC) while a
// checkpoint, a code file or an export is written, and a code file replaced while `hashgrad
// search` reads it. A stop may cost the work since the last checkpoint; it must never cost a
// file: every file a reader opens is whole, the old one or the new one.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <random>
#include <sstream>
#include <thread>

#include "core/json.h"
#include "data/idx.h"
#include "hashing/code_file.h"
#include "hashing/npy.h"
#include "tensor/safetensors.h"
#include "tests/command_support.h"
#include "tests/test_support.h"
#include "train/checkpoint.h"
#include "train/config.h"
#include "train/trained_model.h"

namespace hg {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// A `hashgrad` child started with fork and exec, its output in files of the test's folder.
class Child {
 public:
  // `file_size_limit` > 0: RLIMIT_FSIZE of the child, with SIGXFSZ ignored.
  Child(const std::vector<std::string>& arguments, const std::string& output_prefix,
        rlim_t file_size_limit = 0) {
    std::vector<std::string> words = {test::build_directory() + "/hashgrad"};
    words.insert(words.end(), arguments.begin(), arguments.end());
    err_path_ = output_prefix + ".err";
    const std::string out_path = output_prefix + ".out";
    pid_ = fork();
    if (pid_ == 0) {
      if (!freopen(out_path.c_str(), "w", stdout) || !freopen(err_path_.c_str(), "w", stderr))
        _exit(126);
      if (file_size_limit > 0) {
        rlimit limit{file_size_limit, file_size_limit};
        signal(SIGXFSZ, SIG_IGN);  // an ignored disposition survives exec
        if (setrlimit(RLIMIT_FSIZE, &limit) != 0) _exit(126);
      }
      std::vector<char*> argv;
      for (std::string& word : words) argv.push_back(word.data());
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
  }
  bool exited() {
    if (status_ >= 0) return true;
    int raw = 0;
    if (waitpid(pid_, &raw, WNOHANG) != pid_) return false;
    status_ = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
    return true;
  }
  int wait() {
    while (!exited()) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    return status_;
  }
  void kill_now() {
    if (!exited()) ::kill(pid_, SIGKILL);
    wait();
  }
  std::string err() const { return test::read_text(err_path_); }

 private:
  pid_t pid_ = -1;
  int status_ = -1;
  std::string err_path_;
};

class HardStop : public test::CommandTest {
 protected:
  void SetUp() override {
    if (!fs::exists(data::fashion_mnist_directory()))
      GTEST_SKIP() << "Fashion-MNIST not installed (Debian: dataset-fashion-mnist)";
    CommandTest::SetUp();
    // A deterministic slice run with a checkpoint every round.
    Config config = test::slice_run({{"method", "ADSH (hard stop test)"},
                                     {"asymmetric_weight", "1"},
                                     {"max_query", "50"},
                                     {"max_database", "300"},
                                     {"rounds", "4"},
                                     {"sample_size", "96"},
                                     {"epochs_per_round", "1"},
                                     {"eval_every", "0"},
                                     {"gallery_queries", "0"},
                                     {"checkpoint_every", "1"}});
    test::write_text(path("run.conf"), config.to_text());
  }

  // Every file of a run directory that a reader opens is whole (temporary files aside).
  void expect_readable_run(const std::string& run) const {
    for (const auto& entry : fs::directory_iterator(run)) {
      const std::string name = entry.path().filename().string();
      const std::string file = entry.path().string();
      if (name.find(".tmp.") != std::string::npos) continue;
      try {
        if (name == "checkpoint.safetensors") load_checkpoint(file);
        if (name == "model.json") load_model_description(file);
        if (name == "config.txt") Config::load(file);
        if (entry.path().extension() == ".codes") hashing::read_code_file(file);
        if (name == "metrics.json") parse_json(test::read_text(file), file);
        if (name == "log.jsonl") {
          std::istringstream lines(test::read_text(file));
          for (std::string line; std::getline(lines, line);) parse_json(line, file);
        }
      } catch (const Error& error) {
        ADD_FAILURE() << "after a kill, a reader rejects " << file << ": " << error.what();
      }
    }
  }

  // The arguments that continue `run`: --resume once it has a checkpoint, else a fresh start.
  std::vector<std::string> continue_arguments(const std::string& run) const {
    if (fs::exists(run + "/checkpoint.safetensors")) return {"train", "--resume", run};
    return {"train", "--config", path("run.conf"), "--out", run};
  }
};

bool has_temporary_checkpoint(const std::string& run) {
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(run, error))
    if (entry.path().filename().string().rfind("checkpoint.safetensors.tmp.", 0) == 0) return true;
  return false;
}

TEST_F(HardStop, KilledTenTimesAndResumedReachesTheWeightsOfAnUninterruptedRun) {
  const std::string whole = path("whole"), killed = path("killed");
  const Clock::time_point start = Clock::now();
  Child uninterrupted({"train", "--config", path("run.conf"), "--out", whole}, path("whole"));
  ASSERT_EQ(uninterrupted.wait(), 0) << uninterrupted.err();
  const double run_seconds = std::chrono::duration<double>(Clock::now() - start).count();

  std::mt19937_64 random(20261207);
  int kills = 0, kills_in_checkpoint_writes = 0;
  for (int attempt = 0; kills < 10 && attempt < 40; ++attempt) {
    Child child(continue_arguments(killed), path("killed"));
    // Every third kill waits for a checkpoint's temporary file and strikes while it is written;
    // the others at a random moment of up to a whole run's time.
    const bool in_checkpoint_write = kills % 3 == 0;
    const Clock::time_point deadline =
        Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(
                           std::uniform_real_distribution<double>(0.1, 1.0)(random) * run_seconds));
    bool struck = false;
    while (!child.exited()) {
      const bool now =
          in_checkpoint_write ? has_temporary_checkpoint(killed) : Clock::now() >= deadline;
      if (now) {
        child.kill_now();
        struck = true;
        break;
      }
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    if (!struck) {
      // The run finished before the kill: start it again from scratch to keep killing.
      ASSERT_EQ(child.wait(), 0) << child.err();
      fs::remove_all(killed);
      continue;
    }
    ++kills;
    kills_in_checkpoint_writes += in_checkpoint_write;
    if (fs::exists(killed)) expect_readable_run(killed);
  }
  std::printf(
      "%d kills, %d of them while a checkpoint's temporary file was being written; an "
      "uninterrupted run takes %.1f s\n",
      kills, kills_in_checkpoint_writes, run_seconds);
  EXPECT_EQ(kills, 10);
  EXPECT_GE(kills_in_checkpoint_writes, 3);
  Child last(continue_arguments(killed), path("killed"));
  ASSERT_EQ(last.wait(), 0) << last.err();
  expect_readable_run(killed);
  // The temporary files the killed checkpoint writes left were removed by the next start.
  for (const auto& entry : fs::directory_iterator(killed))
    EXPECT_EQ(entry.path().filename().string().find(".tmp."), std::string::npos) << entry.path();

  const auto expected = load_safetensors(whole + "/checkpoint.safetensors");
  const auto actual = load_safetensors(killed + "/checkpoint.safetensors");
  ASSERT_EQ(expected.size(), actual.size());
  for (const auto& [name, tensor] : expected) {
    ASSERT_TRUE(actual.count(name)) << name;
    EXPECT_TRUE(test::all_close(actual.at(name), tensor, 0, 0)) << name << " differs";
  }
}

// The one line a failed write leaves on stderr, and the file it must not have touched.
void expect_full_disk_error(Child& child, const std::string& file,
                            const std::vector<uint8_t>& before) {
  EXPECT_EQ(child.wait(), 1);
  const std::string err = child.err();
  EXPECT_NE(err.find("(disk full?)"), std::string::npos) << err;
  const size_t last_line = err.rfind('\n', err.size() - 2);
  const std::string line = err.substr(last_line == std::string::npos ? 0 : last_line + 1);
  EXPECT_EQ(line.rfind("hashgrad ", 0), 0u) << err;
  EXPECT_NE(line.find("error: "), std::string::npos) << err;
  EXPECT_EQ(test::read_bytes(file), before) << file << " changed";
}

TEST_F(HardStop, FullDiskWhileWritingACheckpointKeepsThePreviousOne) {
  const std::string run = path("run");
  // A run stopped right after its first checkpoint.
  Child first({"train", "--config", path("run.conf"), "--out", run}, path("first"));
  while (!fs::exists(run + "/checkpoint.safetensors") && !first.exited())
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  first.kill_now();
  const std::string checkpoint = run + "/checkpoint.safetensors";
  ASSERT_TRUE(fs::exists(checkpoint));
  const std::vector<uint8_t> before = test::read_bytes(checkpoint);
  // Room for every file but the next checkpoint.
  Child resumed({"train", "--resume", run}, path("resumed"), before.size() / 2);
  expect_full_disk_error(resumed, checkpoint, before);
  EXPECT_NO_THROW(load_checkpoint(checkpoint));
}

TEST_F(HardStop, FullDiskWhileWritingCodesOrAnExportKeepsThePreviousFiles) {
  std::vector<uint64_t> words(500);
  for (size_t i = 0; i < words.size(); ++i) words[i] = i * 0x9E3779B97F4A7C15ULL;
  hashing::write_code_file(path("codes.hgc"), hashing::CodeSet::from_words(64, words, {}));

  // export: the previous codes.npy stays whole.
  Child exported({"export", "--codes", path("codes.hgc"), "--output", path("export")},
                 path("export"));
  ASSERT_EQ(exported.wait(), 0) << exported.err();
  const std::string codes_npy = path("export/codes.npy");
  ASSERT_TRUE(fs::exists(codes_npy));
  const std::vector<uint8_t> npy_before = test::read_bytes(codes_npy);
  Child full_export({"export", "--codes", path("codes.hgc"), "--output", path("export")},
                    path("full_export"), 1000);
  expect_full_disk_error(full_export, codes_npy, npy_before);

  // search --output writes its .npy results the same way.
  Child searched({"search", "--device", "cpu", "--index", path("codes.hgc"), "--query",
                  path("codes.hgc"), "-k", "50", "--output", path("results")},
                 path("search"));
  ASSERT_EQ(searched.wait(), 0) << searched.err();
  const std::string ids = path("results/ids.npy");
  ASSERT_TRUE(fs::exists(ids));
  const std::vector<uint8_t> ids_before = test::read_bytes(ids);
  Child full_search({"search", "--device", "cpu", "--index", path("codes.hgc"), "--query",
                     path("codes.hgc"), "-k", "50", "--output", path("results")},
                    path("full_search"), 1000);
  expect_full_disk_error(full_search, ids, ids_before);
}

TEST_F(HardStop, FullDiskWhileEncodingKeepsThePreviousCodeFile) {
  // A trained run to encode with: one round.
  Config config = Config::load(path("run.conf"));
  config.set("rounds", "1", "test");
  test::write_text(path("one_round.conf"), config.to_text());
  Child trained({"train", "--config", path("one_round.conf"), "--out", path("run")}, path("train"));
  ASSERT_EQ(trained.wait(), 0) << trained.err();
  const std::vector<std::string> encode = {
      "encode", "--device",   "cpu", "--model", path("run"), "--data", "run:query@" + path("run"),
      "--out",  path("q.hgc")};
  Child first(encode, path("encode"));
  ASSERT_EQ(first.wait(), 0) << first.err();
  const std::vector<uint8_t> before = test::read_bytes(path("q.hgc"));
  Child full(encode, path("full_encode"), before.size() / 2);
  expect_full_disk_error(full, path("q.hgc"), before);
}

TEST_F(HardStop, CodeFileReplacedDuringSearchGivesTheOldOrTheNewResult) {
  // A database of 20,000 codes takes long enough to write and read for the two to overlap.
  auto codes = [](uint64_t seed, size_t count) {
    std::mt19937_64 random(seed);
    std::vector<uint64_t> words(count);
    for (uint64_t& word : words) word = random();
    return hashing::CodeSet::from_words(64, words, {});
  };
  const hashing::CodeSet old_codes = codes(1, 20000), new_codes = codes(2, 20000);
  hashing::write_code_file(path("q.hgc"), codes(3, 20));
  const std::vector<std::string> search = {
      "search", "--device", "cpu", "--index", path("db.hgc"), "--query", path("q.hgc"), "-k", "3"};
  hashing::write_code_file(path("db.hgc"), old_codes);
  Child old_run(search, path("old"));
  ASSERT_EQ(old_run.wait(), 0) << old_run.err();
  const std::string old_result = test::read_text(path("old.out"));
  hashing::write_code_file(path("db.hgc"), new_codes);
  Child new_run(search, path("new"));
  ASSERT_EQ(new_run.wait(), 0) << new_run.err();
  const std::string new_result = test::read_text(path("new.out"));
  ASSERT_NE(old_result, new_result);

  std::atomic<bool> searching{true};
  std::thread writer([&] {
    for (uint64_t i = 0; searching; ++i)
      hashing::write_code_file(path("db.hgc"), i % 2 ? new_codes : old_codes);
  });
  int old_seen = 0, new_seen = 0;
  for (int i = 0; i < 20; ++i) {
    Child run(search, path("during"));
    ASSERT_EQ(run.wait(), 0) << run.err();
    const std::string result = test::read_text(path("during.out"));
    old_seen += result == old_result;
    new_seen += result == new_result;
    EXPECT_TRUE(result == old_result || result == new_result) << "search " << i << " mixed files";
  }
  searching = false;
  writer.join();
  std::printf("20 searches during rewrites: %d saw the old file, %d the new one\n", old_seen,
              new_seen);
}

}  // namespace
}  // namespace hg
