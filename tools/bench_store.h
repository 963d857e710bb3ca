// `threadlog bench list|read|rebuild|import`: the read-side and ingest benchmarks of the store.
#ifndef THREADLOG_TOOLS_BENCH_STORE_H_
#define THREADLOG_TOOLS_BENCH_STORE_H_

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace threadlog::bench {

struct StoreBenchOptions {
  std::string fixtures_dir;  // rollout templates
  std::string scratch_dir;   // stores and files are made (and removed) below it
  int runs = 5;              // measured repetitions; tables show medians
  uint64_t seed = 1;
  std::vector<uint64_t> thread_counts = {10'000, 100'000};         // list
  std::vector<uint64_t> thread_events = {1'000, 10'000, 100'000};  // read
  uint64_t rebuild_events = 1'000'000;
  uint64_t import_bytes = 200'000'000;
};

// thread/list's first page of 50 by updatedAt over stores of each thread count: p50/p99 latency.
absl::Status RunListBench(const StoreBenchOptions& options, std::ostream& out,
                          std::ostream& progress);
// thread/read with turns for threads of each event count: all turns and the last 10.
absl::Status RunReadBench(const StoreBenchOptions& options, std::ostream& out,
                          std::ostream& progress);
// Projections rebuilt from the log, events/s on one core.
absl::Status RunRebuildBench(const StoreBenchOptions& options, std::ostream& out,
                             std::ostream& progress);
// Rollout JSONL (a Codex home on disk) imported into a fresh store, MB/s.
absl::Status RunImportBench(const StoreBenchOptions& options, std::ostream& out,
                            std::ostream& progress);

}  // namespace threadlog::bench

#endif  // THREADLOG_TOOLS_BENCH_STORE_H_
