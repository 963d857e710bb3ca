// TurnNotifier: what clients hear of a running turn, derived from the events the engine emits
// for it (stored ones and transient ones alike), with Codex 0.117.0's app-server mapping:
// task_started -> turn/started, item_started/item_completed -> item/started/item/completed,
// content deltas -> item/agentMessage/delta and item/reasoning/*, token_count ->
// thread/tokenUsage/updated and account/rateLimits/updated, plan_update -> turn/plan/updated,
// error/stream_error -> error, turn_aborted/task_complete -> turn/completed.
#ifndef THREADLOG_API_AGENT_TURN_NOTIFIER_H_
#define THREADLOG_API_AGENT_TURN_NOTIFIER_H_

#include <string>
#include <vector>

#include "eventlog/event.h"
#include "nlohmann/json.hpp"

namespace threadlog::agent {

struct Notification {
  std::string method;
  nlohmann::json params;
};

// One per turn; not thread-safe (the turn's worker feeds it in order).
class TurnNotifier {
 public:
  TurnNotifier(std::string thread_id, std::string turn_id)
      : thread_id_(std::move(thread_id)), turn_id_(std::move(turn_id)) {}

  // The notifications one event means, in order. An event_msg `error` that fails the turn is
  // remembered: task_complete then completes the turn `failed` with it.
  std::vector<Notification> On(EventKind kind, const nlohmann::json& payload);

 private:
  nlohmann::json TurnJson(const char* status) const;

  std::string thread_id_;
  std::string turn_id_;
  nlohmann::json error_ = nullptr;  // the TurnError that failed the turn
};

// v2 TurnError from an error event's payload ({message, codex_error_info, additional_details}).
nlohmann::json TurnErrorFromEvent(const nlohmann::json& payload);

}  // namespace threadlog::agent

#endif  // THREADLOG_API_AGENT_TURN_NOTIFIER_H_
