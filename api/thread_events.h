// The events the thread methods append (Codex-shaped session_meta, lifecycle and event_msg
// payloads), the durable append they go through, and the session settings a start, resume or
// fork answers with.
#ifndef THREADLOG_API_THREAD_EVENTS_H_
#define THREADLOG_API_THREAD_EVENTS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "api/codex_config.h"
#include "api/thread_params.h"
#include "eventlog/event.h"
#include "nlohmann/json.hpp"
#include "projections/thread_store.h"

namespace threadlog::api {

// What session_meta records about a new thread (start) or a fork.
struct NewThreadMeta {
  ThreadId id;
  std::optional<ThreadId> forked_from;
  int64_t created_ms = 0;
  std::string cwd;
  std::string originator;
  nlohmann::json source = "vscode";  // what Codex's app-server records for its threads
  std::string model_provider;
  std::optional<std::string> base_instructions;
  nlohmann::json git = nullptr;
  nlohmann::json dynamic_tools = nullptr;  // stored as `dynamic_tools`, as Codex does
};

// session_meta shaped like Codex 0.113.0's: {id, forked_from_id?, timestamp, cwd, originator,
// cli_version, source, model_provider, base_instructions?, git?, dynamic_tools?}.
NewEvent SessionMetaEvent(const NewThreadMeta& meta);
NewEvent LifecycleEvent(EventKind kind, nlohmann::json payload);
// An event_msg whose payload carries its own "type".
NewEvent EventMsg(nlohmann::json payload);

// Appends after the thread's current last event (kNewThread when `new_thread`), answering only
// once the batch is fsynced. A concurrent writer (another connection, the Codex import) makes
// the expected seq stale: it re-reads and retries a few times, then gives up with kAborted.
absl::StatusOr<AppendResult> AppendDurably(ThreadStore& store, const ThreadId& thread,
                                           const std::vector<NewEvent>& events,
                                           bool new_thread = false);

// The settings part of ThreadStartResponse / ThreadResumeResponse / ThreadForkResponse (all
// but `thread`), as Codex 0.117.0 answers them: params first; then, for the model and the
// reasoning effort only, what `last_turn_context` recorded (pass null for a new or forked
// thread); then `defaults` (config.toml, else Codex's: gpt-5.3-codex, on-request, read-only,
// reviewer user; its model_provider for a thread whose meta named none).
nlohmann::json SessionSettingsJson(const SessionOverrides& overrides, const ThreadSummary& summary,
                                   const nlohmann::json& last_turn_context,
                                   const SessionDefaults& defaults);

// The thread's last turn_context payload (its fork parent's included), or null.
absl::StatusOr<nlohmann::json> LastTurnContext(ThreadStore& store, const ThreadId& thread);

}  // namespace threadlog::api

#endif  // THREADLOG_API_THREAD_EVENTS_H_
