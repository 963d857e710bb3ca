// `threadlog bench <name>`: the benchmarks, each printing a table of medians.
#include <iostream>

#include "tools/bench_append.h"
#include "tools/cli.h"

namespace threadlog::cli {

void RegisterBench(CLI::App& app, GlobalOptions& /*global*/, Action* action) {
  CLI::App* bench = app.add_subcommand("bench", "Benchmarks (medians of several runs)");
  bench->require_subcommand(1);

  auto append = std::make_shared<bench::AppendBenchOptions>();
  append->fixtures_dir = std::string(THREADLOG_SOURCE_DIR) + "/tests/fixtures";
  const char* tmp = std::getenv("TMPDIR");
  append->scratch_dir = tmp && *tmp ? tmp : "/tmp";
  CLI::App* cmd = bench->add_subcommand(
      "append", "Append throughput: buffered, sync with 1/4/16 appenders vs raw fsync, disk ratio");
  cmd->add_option("--events", append->events, "events appended per buffered run")
      ->capture_default_str();
  cmd->add_option("--runs", append->runs, "runs; the table shows medians")
      ->capture_default_str()
      ->check(CLI::Range(1, 100));
  cmd->add_option("--sync-seconds", append->sync_seconds, "duration of each sync measurement")
      ->capture_default_str();
  cmd->add_option("--fixtures", append->fixtures_dir, "folder of rollout templates")
      ->capture_default_str();
  cmd->add_option("--scratch", append->scratch_dir, "where the benchmark stores are made")
      ->capture_default_str();
  cmd->add_option("--seed", append->seed, "synthetic data seed")->capture_default_str();
  cmd->callback([append, action] {
    *action = [append] {
      absl::Status s = bench::RunAppendBench(*append, std::cout, std::cerr);
      return s.ok() ? 0 : ReportError(s);
    };
  });
}

}  // namespace threadlog::cli
