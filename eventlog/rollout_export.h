// Export: a thread (or the whole store) back to Codex rollout files that Codex reads.
#ifndef THREADLOG_EVENTLOG_ROLLOUT_EXPORT_H_
#define THREADLOG_EVENTLOG_ROLLOUT_EXPORT_H_

#include <cstdint>
#include <functional>
#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "eventlog/rollout_store.h"

namespace threadlog {

struct ExportOptions {
  // Replace an existing file whose content differs. Without it such a file is left alone and
  // the export fails with kAlreadyExists naming it; an identical file is never rewritten.
  bool force = false;
};

struct ExportStats {
  uint64_t threads = 0;
  uint64_t files_written = 0;
  uint64_t files_unchanged = 0;  // already there with the same bytes
  uint64_t lines = 0;
  uint64_t bytes = 0;
};

// Writes the thread's rollout (RolloutStore::ReadRollout, one FormatRolloutLine per line, each
// ended by '\n': the file Codex would have written, a fork's inherited history included).
// kNotFound for a thread with no rollout lines.
absl::Status WriteRollout(RolloutStore& store, const ThreadId& thread, std::ostream& out,
                          ExportStats* stats = nullptr);

// The same into the file `path`, atomically: a temporary file beside it, fsync, rename, fsync
// of the directory. `path`'s parent must exist. See ExportOptions for existing files.
absl::Status ExportThreadToFile(RolloutStore& store, const ThreadId& thread,
                                const std::string& path, const ExportOptions& options,
                                ExportStats* stats = nullptr);

// Codex's file name for a thread: rollout-YYYY-MM-DDThh-mm-ss-<uuid>.jsonl, the creation time
// in the local time zone (as Codex names it when the thread starts).
std::string RolloutFileName(const ThreadId& thread, int64_t created_at_ms);

// Where Codex keeps the thread's file inside a Codex home: sessions/YYYY/MM/DD/<name> (local
// date), or archived_sessions/<name> (flat) for an archived thread.
std::string RolloutRelativePath(const ThreadId& thread, const ThreadFileState& state);

// The session_index.jsonl line for a named thread: {"id","thread_name","updated_at"}.
std::string SessionIndexLine(const ThreadId& thread, const ThreadFileState& state);

// Writes every thread of the store into `codex_home` in Codex's layout (RolloutRelativePath),
// plus session_index.jsonl with a line per named thread (oldest update first, so Codex's
// newest-line-wins reading agrees with ours). Directories are created as needed. `progress`,
// when set, is called after each thread.
absl::StatusOr<ExportStats> ExportAll(RolloutStore& store, const std::string& codex_home,
                                      const ExportOptions& options,
                                      const std::function<void(const ExportStats&)>& progress = {});

}  // namespace threadlog

#endif  // THREADLOG_EVENTLOG_ROLLOUT_EXPORT_H_
