// TurnWriter: which events are stored, the one write per batch, the notifications after it.
#include "api/agent/turn_writer.h"

#include <utility>

#include "api/session/thread_events.h"

namespace threadlog::agent {
namespace {

using nlohmann::json;

NewEvent ToNewEvent(const TurnEvent& e) {
  if (e.kind == EventKind::kEventMsg) return session::EventMsg(e.payload);
  NewEvent out;
  out.kind = e.kind;
  out.type = e.payload.is_object() ? e.payload.value("type", "") : "";
  out.payload = JsonText::Serialize(e.payload);
  return out;
}

}  // namespace

TurnEvent Msg(json payload) { return {EventKind::kEventMsg, std::move(payload)}; }
TurnEvent Item(json payload) { return {EventKind::kResponseItem, std::move(payload)}; }

bool IsTransient(const TurnEvent& e) {
  if (e.kind != EventKind::kEventMsg) return false;
  const std::string type = e.payload.value("type", "");
  if (type == "item_completed") {
    // A plan item is the one completed item Codex stores: its text is in no response item.
    const json item = e.payload.value("item", json());
    return !item.is_object() || item.value("type", "") != "Plan";
  }
  return type == "item_started" || type == "agent_message_content_delta" ||
         type == "reasoning_content_delta" || type == "reasoning_raw_content_delta" ||
         type == "agent_reasoning_section_break" || type == "plan_delta" || type == "plan_update" ||
         type == "stream_error" || type == "exec_command_output_delta" ||
         type == "terminal_interaction" || type == "file_change_output_delta" ||
         type == "turn_diff";
}

std::string OutputText(const json& message) {
  std::string text;
  for (const json& part : message.value("content", json::array())) {
    if (part.is_object() && part.value("type", "") == "output_text") text += part.value("text", "");
  }
  return text;
}

std::string NewItemId() { return ThreadId::NewV7().ToString(); }

absl::Status TurnWriter::Emit(const std::vector<TurnEvent>& events, Durability durability,
                              const std::vector<Notification>& prelude) {
  if (absl::Status s = Append(events, durability); !s.ok()) return s;
  Tell(events, prelude);
  return absl::OkStatus();
}

absl::Status TurnWriter::Append(const std::vector<TurnEvent>& events, Durability durability) {
  std::vector<NewEvent> stored;
  for (const TurnEvent& e : events) {
    if (!IsTransient(e)) stored.push_back(ToNewEvent(e));
  }
  if (stored.empty()) return absl::OkStatus();
  // The notifications come from the events (Tell), not from the service's own telling.
  struct Silent final : session::NotificationSink {
    void Notify(std::span<const session::ClientId>, std::string_view, const json&) override {}
  } silent;
  absl::StatusOr<session::Written> written = threads_.Write(
      thread_,
      [&](const session::ThreadState& state) -> absl::StatusOr<std::vector<NewEvent>> {
        if (!state.summary) return absl::NotFoundError("the thread is gone from the log");
        return stored;
      },
      durability, /*caller=*/0, silent);
  return written.status();
}

void TurnWriter::Tell(const std::vector<TurnEvent>& events,
                      const std::vector<Notification>& prelude) {
  if (gate_ != nullptr) {
    gate_->WaitForNotificationWithTimeout(absl::Seconds(5));
    gate_ = nullptr;
  }
  const std::vector<session::ClientId> audience = threads_.Followers(thread_);
  for (const Notification& n : prelude) sink_.Notify(audience, n.method, n.params);
  for (const TurnEvent& e : events) {
    for (const Notification& n : notifier_.On(e.kind, e.payload)) {
      sink_.Notify(audience, n.method, n.params);
    }
  }
}

}  // namespace threadlog::agent
