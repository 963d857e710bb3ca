// `threadlog bench append`: append throughput (buffered, sync with group commit) against the raw
// fsync limit of the same disk, and stored bytes against rollout JSONL bytes.
#ifndef THREADLOG_TOOLS_BENCH_APPEND_H_
#define THREADLOG_TOOLS_BENCH_APPEND_H_

#include <cstdint>
#include <ostream>
#include <string>

#include "absl/status/status.h"

namespace threadlog::bench {

struct AppendBenchOptions {
  std::string fixtures_dir;   // rollout templates
  std::string scratch_dir;    // stores are created (and removed) below it
  uint64_t events = 200'000;  // buffered-mode events per run
  int runs = 5;
  double sync_seconds = 1.0;  // how long each sync configuration and the raw limit run
  uint64_t seed = 1;
};

// Runs the benchmark and prints the table of medians to `out`, progress to `progress`.
absl::Status RunAppendBench(const AppendBenchOptions& options, std::ostream& out,
                            std::ostream& progress);

}  // namespace threadlog::bench

#endif  // THREADLOG_TOOLS_BENCH_APPEND_H_
