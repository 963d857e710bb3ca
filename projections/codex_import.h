// ImportCodex: rollout files, a Codex home's archive folder and its session name index into a
// ThreadStore, idempotently.
#ifndef THREADLOG_PROJECTIONS_CODEX_IMPORT_H_
#define THREADLOG_PROJECTIONS_CODEX_IMPORT_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "eventlog/rollout_import.h"
#include "projections/thread_store.h"

namespace threadlog {

struct CodexImportStats {
  ImportStats rollouts;
  uint64_t renamed = 0;          // thread_renamed events appended from session_index.jsonl
  uint64_t archive_changes = 0;  // thread_archived / thread_unarchived appended
  uint64_t index_lines_skipped = 0;
};

// Imports each path: a rollout file, or a folder searched recursively for rollout files (a
// Codex home, its sessions/ or archived_sessions/). Idempotent: a thread's rollout lines are
// matched by count (ThreadSummary::rollout_lines), so only new lines are appended. Besides the
// lines:
//  - a file under a folder named archived_sessions marks its thread archived, one under
//    sessions/ unarchived (as Codex moves files between them);
//  - a session_index.jsonl directly in a given folder names threads, the last line of a thread
//    winning (as Codex reads it); a name already current is not appended again.
// Problems (bad lines, unreadable files) are reported through `on_problem` and skipped.
absl::Status ImportCodex(ThreadStore& store, const std::vector<std::string>& paths,
                         RolloutImporter::ProblemSink on_problem,
                         RolloutImporter::ProgressSink on_progress, CodexImportStats* stats);

}  // namespace threadlog

#endif  // THREADLOG_PROJECTIONS_CODEX_IMPORT_H_
