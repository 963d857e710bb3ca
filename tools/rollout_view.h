// RolloutView: Codex rollout files (or a whole Codex home) imported into an in-memory
// ThreadStore, so `inspect PATH` and `replay` read files through the same code as the user's
// store without writing anywhere.
#ifndef THREADLOG_TOOLS_ROLLOUT_VIEW_H_
#define THREADLOG_TOOLS_ROLLOUT_VIEW_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "eventlog/codex_import.h"
#include "projections/thread_store.h"

namespace threadlog {

struct RolloutView {
  std::unique_ptr<ThreadStore> store;  // in memory: gone with the view
  CodexImportStats stats;
};

// Imports `paths` exactly as `threadlog import` does (ImportCodex: rollout files, folders,
// Codex homes with their archive folder and session_index.jsonl) into a fresh in-memory store.
// Bad lines go to `on_problem` and are skipped. The view holds the imported events in memory
// (compressed once flushed), so it suits files and homes that fit in RAM; a larger history is
// better imported into a store.
absl::StatusOr<RolloutView> ViewRollouts(const std::vector<std::string>& paths,
                                         RolloutImporter::ProblemSink on_problem = {});

}  // namespace threadlog

#endif  // THREADLOG_TOOLS_ROLLOUT_VIEW_H_
