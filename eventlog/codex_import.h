// ImportCodex: rollout files, a Codex home's archive folder and its session name index into a
// RolloutStore, idempotently.
#ifndef THREADLOG_EVENTLOG_CODEX_IMPORT_H_
#define THREADLOG_EVENTLOG_CODEX_IMPORT_H_

#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "eventlog/rollout_import.h"
#include "eventlog/rollout_store.h"

namespace threadlog {

struct CodexImportStats {
  ImportStats rollouts;
  uint64_t renamed = 0;          // thread_renamed events appended from session_index.jsonl
  uint64_t archive_changes = 0;  // thread_archived / thread_unarchived appended
  uint64_t index_lines_skipped = 0;
};

// Imports each path: a rollout file, or a folder searched recursively for rollout files (a
// Codex home, its sessions/ or archived_sessions/). Idempotent: a thread's rollout lines are
// matched by count (ThreadFileState::rollout_lines), so only new lines are appended. Besides
// the lines:
//  - a file under a folder named archived_sessions marks its thread archived, one under
//    sessions/ unarchived (as Codex moves files between them);
//  - a session_index.jsonl directly in a given folder names threads (ImportSessionIndex).
// Problems (bad lines, unreadable files) are reported through `on_problem` and skipped.
absl::Status ImportCodex(RolloutStore& store, const std::vector<std::string>& paths,
                         RolloutImporter::ProblemSink on_problem,
                         RolloutImporter::ProgressSink on_progress, CodexImportStats* stats);

// Names threads from a Codex session_index.jsonl ({"id", "thread_name", "updated_at"} per
// line; the last line of a thread wins, as Codex reads it): a thread_renamed event, stamped
// with the entry's updated_at, for each thread the store holds whose current name differs.
// With `only`, threads outside it are left alone. A missing file is no error; a line that is
// not an entry (bad JSON, wrong types, a null updated_at is just no time) is reported and
// skipped. Store errors fail the call.
absl::Status ImportSessionIndex(RolloutStore& store, const std::string& path,
                                const std::set<ThreadId>* only,
                                const RolloutImporter::ProblemSink& on_problem,
                                CodexImportStats* stats);

}  // namespace threadlog

#endif  // THREADLOG_EVENTLOG_CODEX_IMPORT_H_
