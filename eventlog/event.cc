// Names of event kinds.
#include "eventlog/event.h"

#include <array>
#include <utility>

namespace threadlog {
namespace {

constexpr std::array<std::pair<EventKind, std::string_view>, 10> kKindNames = {{
    {EventKind::kSessionMeta, "session_meta"},
    {EventKind::kResponseItem, "response_item"},
    {EventKind::kEventMsg, "event_msg"},
    {EventKind::kTurnContext, "turn_context"},
    {EventKind::kCompacted, "compacted"},
    {EventKind::kThreadArchived, "thread_archived"},
    {EventKind::kThreadUnarchived, "thread_unarchived"},
    {EventKind::kThreadRenamed, "thread_renamed"},
    {EventKind::kThreadForked, "thread_forked"},
    {EventKind::kThreadConfigured, "thread_configured"},
}};

}  // namespace

absl::StatusOr<JsonText> JsonText::Parse(std::string text, int max_depth) {
  absl::Status valid = ValidateJson(text, max_depth);
  if (valid.code() == absl::StatusCode::kOutOfRange ||
      valid.code() == absl::StatusCode::kResourceExhausted) {
    return valid;
  }
  if (!valid.ok()) return absl::InvalidArgumentError("payload is not valid JSON");
  return JsonText(std::move(text));
}

std::string_view EventKindName(EventKind kind) {
  for (const auto& [k, name] : kKindNames) {
    if (k == kind) return name;
  }
  return "unknown";
}

std::optional<EventKind> EventKindFromName(std::string_view name) {
  for (const auto& [k, n] : kKindNames) {
    if (n == name) return k;
  }
  return std::nullopt;
}

bool IsRolloutKind(EventKind kind) {
  return static_cast<uint8_t>(kind) >= 1 && static_cast<uint8_t>(kind) <= 5;
}

}  // namespace threadlog
