// The payloads the thread-write service appends: Codex-shaped session_meta and event_msg lines,
// and threadlog's lifecycle events (projections/thread_store.h lists their payloads).
#ifndef THREADLOG_API_SESSION_THREAD_EVENTS_H_
#define THREADLOG_API_SESSION_THREAD_EVENTS_H_

#include <cstdint>
#include <optional>
#include <string>

#include "eventlog/event.h"
#include "eventlog/thread_id.h"
#include "nlohmann/json.hpp"

namespace threadlog::session {

// What session_meta records about a new thread (start) or a fork.
struct NewThreadMeta {
  ThreadId id;
  std::optional<ThreadId> forked_from;
  int64_t created_ms = 0;
  std::string cwd;
  std::string originator;  // the client's name (initialize's clientInfo.name), as Codex records it
  nlohmann::json source = "vscode";  // what Codex's app-server records for its threads
  std::string model_provider;
  std::optional<std::string> base_instructions;
  nlohmann::json git = nullptr;
  nlohmann::json dynamic_tools = nullptr;  // stored as `dynamic_tools`, as Codex does
};

// session_meta shaped like Codex's: {id, forked_from_id?, timestamp, cwd, originator,
// cli_version, source, model_provider, base_instructions? {text}, git?, dynamic_tools?}.
NewEvent SessionMetaEvent(const NewThreadMeta& meta);
// A lifecycle event (EventKind 64+) with its payload.
NewEvent LifecycleEvent(EventKind kind, nlohmann::json payload);
// An event_msg whose payload carries its own "type".
NewEvent EventMsg(nlohmann::json payload);

}  // namespace threadlog::session

#endif  // THREADLOG_API_SESSION_THREAD_EVENTS_H_
