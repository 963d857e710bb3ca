// TurnEvent and TurnWriter: a running turn's events and their one way out — appended with the
// thread's persistence mode through the thread-write service, then told to the thread's
// followers as the notifications TurnNotifier derives from them.
#ifndef THREADLOG_API_AGENT_TURN_WRITER_H_
#define THREADLOG_API_AGENT_TURN_WRITER_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/notification.h"
#include "api/agent/turn_notifier.h"
#include "api/session/notification_sink.h"
#include "api/session/thread_service.h"
#include "eventlog/thread_id.h"
#include "nlohmann/json.hpp"

namespace threadlog::agent {

// One event of a turn as the rollout would hold it (or a transient one, never stored).
struct TurnEvent {
  EventKind kind;
  nlohmann::json payload;
};

TurnEvent Msg(nlohmann::json payload);   // an event_msg
TurnEvent Item(nlohmann::json payload);  // a response_item

// The events no persistence mode stores (deltas, item starts, completed items other than plans,
// plan updates, stream retries): told to clients, never appended.
bool IsTransient(const TurnEvent& e);

// The text of a message item's output_text parts, joined.
std::string OutputText(const nlohmann::json& message);

// A fresh item id (a UUIDv7), for an item the provider gave none.
std::string NewItemId();

// Not thread-safe: one per worker or request. `threads`, `sink`, `notifier` and `thread` must
// outlive it.
class TurnWriter {
 public:
  TurnWriter(session::ThreadService& threads, session::NotificationSink& sink,
             TurnNotifier& notifier, const ThreadId& thread)
      : threads_(threads), sink_(sink), notifier_(notifier), thread_(thread) {}

  // Append, then Tell; nothing is told of a batch that could not be appended. `prelude` is told
  // before what the events mean (a status change Codex sends first).
  absl::Status Emit(const std::vector<TurnEvent>& events, Durability durability,
                    const std::vector<Notification>& prelude = {});
  // Appends the stored kinds of `events` in one atomic write. Errors: the log's, kNotFound once
  // the thread is gone from it.
  absl::Status Append(const std::vector<TurnEvent>& events, Durability durability);
  // Tells the thread's followers what the events mean, `prelude` first.
  void Tell(const std::vector<TurnEvent>& events, const std::vector<Notification>& prelude = {});

  // Nothing is told before `gate` is notified (the turn/start answer is out), 5 s at most;
  // appends go on meanwhile. `gate` must outlive the writer.
  void TellAfter(absl::Notification* gate) { gate_ = gate; }

  session::ThreadService& threads() const { return threads_; }
  session::NotificationSink& sink() const { return sink_; }
  const ThreadId& thread() const { return thread_; }

 private:
  session::ThreadService& threads_;
  session::NotificationSink& sink_;
  TurnNotifier& notifier_;
  const ThreadId& thread_;
  absl::Notification* gate_ = nullptr;
};

}  // namespace threadlog::agent

#endif  // THREADLOG_API_AGENT_TURN_WRITER_H_
