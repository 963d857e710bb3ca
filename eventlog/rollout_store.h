// RolloutStore: what the Codex-file interop (import of rollouts, export back to them) needs of a
// store: its log, and per thread what an import compares against and an export names files by.
#ifndef THREADLOG_EVENTLOG_ROLLOUT_STORE_H_
#define THREADLOG_EVENTLOG_ROLLOUT_STORE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "eventlog/event_store.h"
#include "eventlog/thread_id.h"

namespace threadlog {

// A thread as the Codex files see it. Kept by the layer above the log (the projections), which
// folds it from the thread's events.
struct ThreadFileState {
  uint64_t rollout_lines = 0;       // events of the five rollout kinds: the lines an import matched
  std::optional<std::string> name;  // the newest name (session_index.jsonl's)
  bool archived = false;            // sessions/ or archived_sessions/
  int64_t created_at_ms = 0;        // names the rollout file
  int64_t updated_at_ms = 0;        // session_index.jsonl's updated_at
};

// Implementations must be thread-safe (the importer reads on several threads while appending).
class RolloutStore {
 public:
  virtual ~RolloutStore() = default;

  // The log the interop appends to and reads from. Appends to it must keep FileState current
  // (the projections observe the log's appends).
  virtual EventStore& log() = 0;

  // nullopt for a thread the store does not hold.
  virtual absl::StatusOr<std::optional<ThreadFileState>> FileState(const ThreadId& thread) = 0;

  // The thread's lines as Codex would have them in its rollout file: rollout kinds only, in
  // order, a fork's inherited history included. Empty for an unknown thread.
  virtual std::unique_ptr<EventIterator> ReadRollout(const ThreadId& thread) = 0;
};

}  // namespace threadlog

#endif  // THREADLOG_EVENTLOG_ROLLOUT_STORE_H_
