// ModelHistory: the conversation a thread's model sees — the response items of its rollout in
// order, with compactions and rollbacks applied the way Codex 0.117.0 rebuilds it when a thread
// is resumed — as the `input` of the thread's next request.
#ifndef THREADLOG_PROJECTIONS_MODEL_HISTORY_H_
#define THREADLOG_PROJECTIONS_MODEL_HISTORY_H_

#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "eventlog/event.h"
#include "eventlog/rollout_store.h"
#include "eventlog/thread_id.h"
#include "nlohmann/json.hpp"

namespace threadlog {

// A fold over rollout lines; not thread-safe. Feed lines in order, then take items().
class ModelHistoryBuilder {
 public:
  // One rollout line: a response_item joins the history; a compacted line with
  // replacement_history replaces it (without one, the history becomes the user messages so far
  // and a user message carrying the summary, Codex's legacy rule); an event_msg
  // thread_rolled_back {num_turns} drops everything from the num_turns-th last user message
  // on. Other lines (session_meta, turn_context, other events) change nothing. A payload that
  // is not JSON is kDataLoss.
  absl::Status Add(EventKind kind, std::string_view type, std::string_view payload);
  // Appends an item the running turn produced (the same as a response_item line).
  void Append(nlohmann::json item) { items_.push_back(std::move(item)); }

  const std::vector<nlohmann::json>& items() const { return items_; }

 private:
  std::vector<nlohmann::json> items_;
};

// True for a user message a person wrote, as opposed to the context Codex injects as user
// messages (<environment_context>, AGENTS.md instructions, <turn_aborted>, skills, ...).
bool IsUserTurnMessage(const nlohmann::json& item);

// The thread's history from `store` (a fork's inherited lines included). kNotFound for a thread
// with no rollout lines.
absl::StatusOr<std::vector<nlohmann::json>> ReadModelHistory(RolloutStore& store,
                                                             const ThreadId& thread);

}  // namespace threadlog

#endif  // THREADLOG_PROJECTIONS_MODEL_HISTORY_H_
