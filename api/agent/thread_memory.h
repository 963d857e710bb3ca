// ThreadMemory: what a turn must know of its thread's rollout — the model's history, the
// instructions and dynamic tools session_meta recorded, the usage so far, the last
// turn_context — kept between the thread's turns (ThreadMemories) and brought up to date by
// reading only the events appended since, so a turn does not re-read its whole thread.
#ifndef THREADLOG_API_AGENT_THREAD_MEMORY_H_
#define THREADLOG_API_AGENT_THREAD_MEMORY_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "api/agent/model_client.h"
#include "eventlog/thread_id.h"
#include "nlohmann/json.hpp"
#include "projections/model_history.h"
#include "projections/thread_store.h"

namespace threadlog::agent {

struct ThreadMemory {
  // The last of the thread's own events read (0: none yet). A fork's inherited lines come with
  // its first read.
  uint64_t seq = 0;
  ModelHistoryBuilder history;                             // compactions and rollbacks applied
  nlohmann::json dynamic_tools = nlohmann::json::array();  // session_meta's
  std::optional<std::string> instructions;                 // session_meta's base_instructions
  nlohmann::json last_context = nullptr;                   // the last turn_context
  bool compacted_since_context = false;  // a compaction replaced the context Codex gave it
  std::optional<TokenUsage> total;       // the last token_count's
  std::optional<TokenUsage> last;
  // About what the history holds, in bytes of its lines (a compaction starts it again; a
  // rollback leaves it as it was): what the memory weighs in ThreadMemories' budget.
  size_t history_bytes = 0;

  // Reads the thread's rollout lines after `seq` (all of them, a fork's inherited ones included,
  // when seq is 0) into this memory. Errors: the log's; kDataLoss for a line that is not JSON
  // (the memory is then partly updated: drop it).
  absl::Status CatchUp(ThreadStore& store, const ThreadId& thread);
};

// The memories of the threads that ran a turn most recently: at most `capacity` of them, and
// no more than `byte_budget` of history between them (the least recently used go first; the
// last one recalled always stays). Thread-safe.
class ThreadMemories {
 public:
  explicit ThreadMemories(size_t capacity, size_t byte_budget = size_t{256} << 20)
      : capacity_(capacity), byte_budget_(byte_budget) {}

  // The thread's memory, up to date with its log: a copy the caller may change freely. Errors:
  // CatchUp's.
  absl::StatusOr<ThreadMemory> Recall(ThreadStore& store, const ThreadId& thread);

 private:
  struct Entry {
    ThreadMemory memory;
    uint64_t used = 0;  // recency, for eviction
  };
  const size_t capacity_;
  const size_t byte_budget_;
  absl::Mutex mu_;
  std::map<ThreadId, Entry> entries_ ABSL_GUARDED_BY(mu_);
  uint64_t clock_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace threadlog::agent

#endif  // THREADLOG_API_AGENT_THREAD_MEMORY_H_
