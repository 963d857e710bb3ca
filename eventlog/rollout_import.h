// RolloutImporter: feeds Codex rollout files (plain .jsonl or .jsonl.zst) into an EventStore.
#ifndef THREADLOG_EVENTLOG_ROLLOUT_IMPORT_H_
#define THREADLOG_EVENTLOG_ROLLOUT_IMPORT_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "eventlog/event_store.h"
#include "eventlog/rollout_reader.h"

namespace threadlog {

struct ImportStats {
  uint64_t files = 0;            // rollout files read
  uint64_t files_unchanged = 0;  // already fully in the store
  uint64_t files_rejected = 0;   // unreadable, or not a rollout (no session_meta)
  uint64_t threads_created = 0;
  uint64_t threads_extended = 0;  // the file had grown since the last import
  uint64_t events = 0;            // events appended
  uint64_t bad_lines = 0;         // lines reported and skipped
  uint64_t bytes_in = 0;          // rollout bytes read (decompressed)
};

// A line or file that was skipped, and why.
struct ImportProblem {
  std::string file;
  uint64_t line = 0;  // 1-based; 0 when the whole file is concerned
  std::string reason;
};

// Imports are idempotent: a thread's events are matched to the file's lines by count, so
// importing the same file again appends nothing, and a file that grew (Codex kept writing)
// appends only the new lines. The thread id is the first session_meta's `id`.
class RolloutImporter {
 public:
  using ProblemSink = std::function<void(const ImportProblem&)>;
  using ProgressSink = std::function<void(const ImportStats&)>;
  // How many of a thread's rollout lines the store already holds. The default is the thread's
  // last seq, right for a store that holds nothing but imported lines; a store that also keeps
  // lifecycle events counts only rollout kinds.
  using LinesStored = std::function<absl::StatusOr<uint64_t>(const ThreadId&)>;
  // Told, for every rollout file read, which thread it holds.
  using FileSink = std::function<void(const std::string& path, const ThreadId& thread)>;

  // `store` must outlive the importer. Sinks may be empty.
  RolloutImporter(EventStore* store, ProblemSink on_problem, ProgressSink on_progress = {});

  void set_lines_stored(LinesStored lines_stored) { lines_stored_ = std::move(lines_stored); }
  void set_file_sink(FileSink on_file) { on_file_ = std::move(on_file); }

  // Imports one rollout file, or every rollout-*.jsonl[.zst] below a directory (a Codex home,
  // its sessions/ or archived_sessions/, or any folder), in file-name order. Bad lines and
  // non-rollout files are reported and skipped; only store errors and a missing path fail.
  // Files are streamed (RolloutReader): a line longer than kMaxRolloutLineBytes is one bad
  // line, and whatever a file holds, the import holds at most a few tens of MiB of it at a
  // time. Anything that is not a regular file (a FIFO, a socket, a device; also met in a
  // folder walk under a rollout name) is reported and skipped, never waited on. A read error
  // part-way (a truncated .zst) is reported; the lines before it count.
  absl::Status ImportPath(const std::string& path);

  const ImportStats& stats() const { return stats_; }

 private:
  class FileFeed;
  // Reads and parses `path` into `feed` (on a parse-ahead thread). Never throws.
  static void ParseInto(const std::string& path, FileFeed* feed);
  // Appends what `feed` delivers, in order, as it comes.
  absl::Status StoreFrom(FileFeed& feed);

  EventStore* store_;
  ProblemSink on_problem_;
  ProgressSink on_progress_;
  LinesStored lines_stored_;
  FileSink on_file_;
  ImportStats stats_;
};

}  // namespace threadlog

#endif  // THREADLOG_EVENTLOG_ROLLOUT_IMPORT_H_
