// Payload builders of the thread-write service.
#include "api/session/thread_events.h"

#include "eventlog/codex_version.h"
#include "eventlog/timestamp.h"

namespace threadlog::session {

using nlohmann::json;

NewEvent SessionMetaEvent(const NewThreadMeta& meta) {
  json payload = {{"id", meta.id.ToString()}};
  if (meta.forked_from) payload["forked_from_id"] = meta.forked_from->ToString();
  payload["timestamp"] = FormatTimestampMs(meta.created_ms);
  payload["cwd"] = meta.cwd;
  payload["originator"] = meta.originator;
  payload["cli_version"] = kCodexVersion;
  payload["source"] = meta.source;
  payload["model_provider"] = meta.model_provider;
  if (meta.base_instructions) payload["base_instructions"] = {{"text", *meta.base_instructions}};
  if (!meta.git.is_null()) payload["git"] = meta.git;
  if (!meta.dynamic_tools.is_null()) payload["dynamic_tools"] = meta.dynamic_tools;
  NewEvent event;
  event.kind = EventKind::kSessionMeta;
  event.payload = JsonText::Serialize(payload);
  event.timestamp_ms = meta.created_ms;
  return event;
}

NewEvent LifecycleEvent(EventKind kind, json payload) {
  NewEvent event;
  event.kind = kind;
  event.payload = JsonText::Serialize(payload);
  return event;
}

NewEvent EventMsg(json payload) {
  NewEvent event;
  event.kind = EventKind::kEventMsg;
  event.type = payload.value("type", "");
  event.payload = JsonText::Serialize(payload);
  return event;
}

}  // namespace threadlog::session
