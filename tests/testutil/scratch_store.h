// ScratchStore: a ThreadStore in a fresh scratch directory, filled from Codex rollouts the way
// `threadlog import` fills one, closed and removed when the test is done.
#ifndef THREADLOG_TESTS_TESTUTIL_SCRATCH_STORE_H_
#define THREADLOG_TESTS_TESTUTIL_SCRATCH_STORE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "eventlog/codex_import.h"
#include "projections/thread_store.h"
#include "tests/testutil/scratch_dir.h"

namespace threadlog::testing {

class ScratchStore {
 public:
  // Opens a ThreadStore under a new ScratchDir and imports `paths` with ImportCodex (rollout
  // files, folders, Codex homes). Bad lines go to `on_problem` and are skipped.
  static absl::StatusOr<std::unique_ptr<ScratchStore>> Import(
      const std::vector<std::string>& paths, RolloutImporter::ProblemSink on_problem = {});
  ~ScratchStore();  // closes the store; the ScratchDir removes the files
  ScratchStore(const ScratchStore&) = delete;
  ScratchStore& operator=(const ScratchStore&) = delete;

  ThreadStore& store() { return *store_; }
  const CodexImportStats& import_stats() const { return stats_; }
  // Where the store lives (to reopen it, or to damage it on purpose).
  std::string store_dir() const { return dir_.Sub("store"); }

 private:
  ScratchStore() = default;
  ScratchDir dir_;
  std::unique_ptr<ThreadStore> store_;
  CodexImportStats stats_;
};

}  // namespace threadlog::testing

#endif  // THREADLOG_TESTS_TESTUTIL_SCRATCH_STORE_H_
