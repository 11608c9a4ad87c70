// `hashgrad train`: train a method from its config, then encode, search and evaluate; the run
// directory gets the config, log, checkpoint, codes, metrics.json, pr_curve.svg.
//
//   hashgrad train --config configs/attention_adsh_fmnist_48.conf --out runs/a48
//   hashgrad train --config FILE --set rounds=5 --set device=cpu --out runs/short
//   hashgrad train --resume runs/a48          # continue a run that was stopped
#include <CLI/CLI.hpp>
#include <cstdio>

#include "apps/cli.h"
#include "apps/command.h"
#include "distributed/communicator.h"
#include "train/trainer.h"

namespace {

int run_train(int argc, char** argv) {
  CLI::App app{"Train a deep hashing method, then encode, search and evaluate"};
  std::string config_path, out, resume;
  std::vector<std::string> assignments;
  app.add_option("--config", config_path, "the method's config file (configs/*.conf)");
  app.add_option("--set", assignments, "override a config key: --set key=value (repeatable)");
  app.add_option("--out", out, "the run directory to create");
  app.add_option("--resume", resume, "a run directory to continue from its checkpoint");
  if (!hg::app::parse_arguments(app, argc, argv)) return 0;
  HG_CHECK(resume.empty() != out.empty(),
           "give either --out RUN_DIR (a new run) or --resume RUN_DIR");
  HG_CHECK(!resume.empty() || !config_path.empty(), "--config is required for a new run");
  HG_CHECK(resume.empty() || (config_path.empty() && assignments.empty()),
           "--resume continues with the run's own config.txt; drop --config and --set");

  hg::Config config;
  if (!config_path.empty()) config = hg::Config::load(config_path);
  for (const std::string& assignment : assignments) config.set_from_text(assignment);
  std::string run_directory = resume.empty() ? out : resume;
  hg::Trainer trainer(config, run_directory, !resume.empty());
  hg::hashing::RetrievalMetrics metrics = trainer.run();
  if (hg::distributed::world().rank() != 0) return 0;  // rank 0 evaluated and reports
  std::printf("mAP@all = %.4f\n", metrics.map_all);
  std::printf("run directory: %s\n", run_directory.c_str());
  return 0;
}

}  // namespace

HG_COMMAND("train", "train a hashing method from its config; encode, search, evaluate", run_train);
