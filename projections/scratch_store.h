// ScratchStore: a throwaway ThreadStore filled from Codex rollouts, so `inspect` and `replay`
// read files through the same code as the user's store without touching it.
#ifndef THREADLOG_PROJECTIONS_SCRATCH_STORE_H_
#define THREADLOG_PROJECTIONS_SCRATCH_STORE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "eventlog/rollout_import.h"
#include "projections/codex_import.h"
#include "projections/thread_store.h"

namespace threadlog {

class ScratchStore {
 public:
  // Opens a ThreadStore in a fresh directory under $TMPDIR (else /tmp) and imports `paths`
  // exactly as `threadlog import` does (ImportCodex: rollout files, folders, Codex homes with
  // their archive folder and session_index.jsonl). Bad lines go to `on_problem` and are skipped.
  static absl::StatusOr<std::unique_ptr<ScratchStore>> Import(
      const std::vector<std::string>& paths, RolloutImporter::ProblemSink on_problem = {});

  // Closes the store and removes its directory.
  ~ScratchStore();
  ScratchStore(const ScratchStore&) = delete;
  ScratchStore& operator=(const ScratchStore&) = delete;

  ThreadStore& store() { return *store_; }
  const CodexImportStats& import_stats() const { return stats_; }

 private:
  ScratchStore() = default;

  std::string dir_;
  std::unique_ptr<ThreadStore> store_;
  CodexImportStats stats_;
};

}  // namespace threadlog

#endif  // THREADLOG_PROJECTIONS_SCRATCH_STORE_H_
