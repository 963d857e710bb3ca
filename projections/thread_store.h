// ThreadStore: the event log plus every read model a client needs, kept in one database and
// updated in the same atomic batch as each append.
#ifndef THREADLOG_PROJECTIONS_THREAD_STORE_H_
#define THREADLOG_PROJECTIONS_THREAD_STORE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "eventlog/event.h"
#include "eventlog/event_store.h"
#include "eventlog/persistence_policy.h"
#include "eventlog/rollout_store.h"
#include "nlohmann/json.hpp"

namespace threadlog {

// Payloads of the lifecycle kinds (EventKind 64+), as the API and the importer append them:
//   thread_renamed    {"name": "<new name>"}          (the newest rename of a thread wins)
//   thread_archived   {}
//   thread_unarchived {}
//   thread_forked     {"parent_thread_id": "<uuid>", "parent_seq": N}
//                     stands for the parent's events 1..N, read through (copy-on-write); a
//                     fork's own session_meta comes first, as in Codex's fork files.
//   thread_configured {"persistence": "limited" | "extended"}  (how the API started the thread)
// A rename is also recognised from the rollout's own event_msg/thread_name_updated.

// The last status the log shows for a thread; the API reports `notLoaded` for threads it has
// not loaded, whatever this says.
enum class LastStatus { kIdle, kActive, kSystemError };

// One row of the thread index.
struct ThreadSummary {
  ThreadId id;
  std::optional<ThreadId> forked_from;  // session_meta.forked_from_id, or the thread_forked parent
  std::string preview;                  // the first user message, as Codex computes it
  bool has_user_message = false;        // preview holds one
  // thread/list's preview, which Codex 0.113.0 takes elsewhere than thread/read's: the first
  // event_msg user_message's text (after a "## My request for Codex:" marker), trimmed.
  // nullopt while there is none: Codex lists only threads that have one.
  std::optional<std::string> list_preview;
  std::optional<std::string> name;  // the newest name
  int64_t created_at_ms = 0;        // session_meta.timestamp (else the first event's time)
  int64_t updated_at_ms = 0;        // time of the last event
  std::string model_provider;
  nlohmann::json source = "unknown";  // session_meta.source as stored ("vscode", {"subagent":…})
  std::string cwd;
  std::string cli_version;
  std::string originator;
  nlohmann::json git = nullptr;  // session_meta.git {commit_hash?, branch?, repository_url?}
  bool archived = false;
  PersistenceMode mode = PersistenceMode::kLimited;
  uint64_t events = 0;         // events stored for this thread (a fork's parent not counted)
  uint64_t bytes = 0;          // payload bytes of those events
  uint64_t rollout_lines = 0;  // of them, the five rollout kinds (what an import matched)
  uint64_t turns = 0;          // turns thread/read returns
  // Global position of the newest turn_context (a fork's parent's when it has none of its own);
  // 0 when there is none. Resume takes its settings baseline from it without reading the thread.
  uint64_t last_turn_context_position = 0;
  LastStatus last_status = LastStatus::kIdle;
};

enum class SortKey { kCreatedAt, kUpdatedAt };

struct ListQuery {
  SortKey sort = SortKey::kCreatedAt;
  size_t limit = 25;
  std::string cursor;  // from a previous ThreadPage; empty for the first page
  bool archived = false;
  std::vector<std::string> model_providers;  // empty: any; "" matches a meta that named none
  std::vector<std::string> source_kinds;     // empty: any (values as ThreadSourceKind)
  std::optional<std::string> cwd;            // the same path, compared by components as Codex does
  bool require_user_message = false;         // Codex lists only threads with a first message
};

struct ThreadPage {
  std::vector<ThreadSummary> threads;
  std::string next_cursor;  // empty on the last page
};

// A thread as thread/list answers it, rendered when its summary last changed: the v2 `Thread`
// JSON text (no turns, status notLoaded, list_preview as its preview) and the byte range of its
// status value, where a server that has the thread loaded splices in the live status.
struct ListedThread {
  ThreadId id;
  std::string thread_json;
  size_t status_offset = 0;
  size_t status_size = 0;
  // The session_meta named no provider: thread_json says "openai" (ThreadJsonOptions' default).
  bool model_provider_missing = false;
};

struct ListedPage {
  std::vector<ListedThread> threads;
  std::string next_cursor;  // as ThreadPage's: the two pages of one query share cursors
};

using ProgressFn = std::function<void(uint64_t events_done, uint64_t events_total)>;

struct ThreadStoreOptions {
  // A projection rebuild that the open needs (the stored projection version differs from this
  // binary's) reports here.
  ProgressFn progress;
  // StoreOptions::bulk_load: for an offline import (durable at Close()).
  bool bulk_load = false;
  // StoreOptions::in_memory: nothing is read from or written to the disk; `dir` only names the
  // store. For views of rollout files that must not touch any store (inspect PATH, replay).
  bool in_memory = false;
  // StoreOptions::read_only: for inspect and verify, which then also work while `serve` has the
  // store open. Projections of another version are an error then (they cannot be rebuilt).
  bool read_only = false;
};

// The log and every read model. Thread-safe. As a RolloutStore it is what imports fill and
// exports read.
class ThreadStore : public RolloutStore {
 public:
  // Opens (creating) the store in `dir`. When the stored projection version differs from this
  // binary's, the projections are rebuilt from the log first.
  static absl::StatusOr<std::unique_ptr<ThreadStore>> Open(const std::string& dir,
                                                           const ThreadStoreOptions& options = {});
  // The same over a log opened by the caller with LogOptions(options) (tests: on a
  // fault-injecting file system).
  static absl::StatusOr<std::unique_ptr<ThreadStore>> Open(std::unique_ptr<EventStore> log,
                                                           const ThreadStoreOptions& options = {});
  static StoreOptions LogOptions(const ThreadStoreOptions& options);
  ~ThreadStore() override = default;

  // The underlying log. Its appends keep the projections current (they observe them), so
  // Append below is the same as log().Append.
  EventStore& log() override = 0;

  // Appends to a thread and updates every projection in the same atomic batch (EventStore's
  // contract otherwise: optimistic expected_last_seq, group commit, durability).
  virtual absl::StatusOr<AppendResult> Append(const ThreadId& thread, uint64_t expected_last_seq,
                                              std::span<const NewEvent> events,
                                              Durability durability) = 0;

  // nullopt for an unknown thread.
  virtual absl::StatusOr<std::optional<ThreadSummary>> GetThread(const ThreadId& thread) = 0;

  // A page of the thread index: a range scan of the chosen ordering, newest first.
  // kInvalidArgument for a cursor this store did not make.
  virtual absl::StatusOr<ThreadPage> List(const ListQuery& query) = 0;
  // The same page as List, as stored JSON: no summary is read or parsed (thread/list's path).
  virtual absl::StatusOr<ListedPage> ListJson(const ListQuery& query) = 0;

  // The thread's turns as v2 `Turn` JSON objects, oldest first: all of them, or the last
  // `last_n`. Reads stored turns; the cost grows with the turns returned, not the thread's age.
  // kNotFound for an unknown thread.
  virtual absl::StatusOr<nlohmann::json> ReadTurns(const ThreadId& thread,
                                                   std::optional<size_t> last_n = {}) = 0;

  // Threads whose newest name is `name`, the most recently renamed first.
  virtual absl::StatusOr<std::vector<ThreadId>> FindByName(std::string_view name) = 0;

  // The thread named by a full id, a unique id prefix, or a name (the most recently renamed
  // thread of that name wins). kNotFound / kInvalidArgument (ambiguous prefix) otherwise.
  virtual absl::StatusOr<ThreadId> Resolve(std::string_view id_prefix_or_name) = 0;

  // The thread's rollout lines as Codex would have them in its file: rollout kinds only, a
  // fork's thread_forked expanded into the parent's lines 1..parent_seq (recursively).
  std::unique_ptr<EventIterator> ReadRollout(const ThreadId& thread) override = 0;

  // The summary's file-facing part (RolloutStore).
  absl::StatusOr<std::optional<ThreadFileState>> FileState(const ThreadId& thread) override;

  // Replays the log into a fresh generation of every projection and swaps it in only once it
  // is complete: a failure (a damaged event, a full disk) leaves the projections as they were.
  // Must not run concurrently with any other use of the store (it is meant for `threadlog
  // rebuild` and for Open, before anyone else has the store).
  virtual absl::Status Rebuild(ProgressFn progress = {}) = 0;
  // Replays the log into memory and compares with what is stored. OK when equal; otherwise
  // kDataLoss naming the first difference.
  virtual absl::Status Verify(ProgressFn progress = {}) = 0;

  virtual absl::Status Close() = 0;

  // Version of every projection's rules and layout; a store with another version is rebuilt.
  static constexpr int kProjectionVersion = 7;
};

}  // namespace threadlog

#endif  // THREADLOG_PROJECTIONS_THREAD_STORE_H_
