// The persistence table and Extended-mode sanitizing.
#include "eventlog/persistence_policy.h"

#include <algorithm>
#include <array>

#include "absl/strings/str_cat.h"
#include "eventlog/absl_compat.h"
#include "nlohmann/json.hpp"

namespace threadlog {
namespace {

using K = KeptIn;

// Sorted by type for binary search; a test checks the order and that every type of the
// 0.113.0 EventMsg schema is present.
constexpr std::array<EventMsgRule, 84> kRules = {{
    {"agent_message", K::kBoth},
    {"agent_message_content_delta", K::kNever},
    {"agent_message_delta", K::kNever},
    {"agent_reasoning", K::kBoth},
    {"agent_reasoning_delta", K::kNever},
    {"agent_reasoning_raw_content", K::kBoth},
    {"agent_reasoning_raw_content_delta", K::kNever},
    {"agent_reasoning_section_break", K::kNever},
    {"apply_patch_approval_request", K::kNever},
    {"background_event", K::kNever},
    {"collab_agent_interaction_begin", K::kNever},
    {"collab_agent_interaction_end", K::kExtended},
    {"collab_agent_spawn_begin", K::kNever},
    {"collab_agent_spawn_end", K::kExtended},
    {"collab_close_begin", K::kNever},
    {"collab_close_end", K::kExtended},
    {"collab_resume_begin", K::kNever},
    {"collab_resume_end", K::kExtended},
    {"collab_waiting_begin", K::kNever},
    {"collab_waiting_end", K::kExtended},
    {"context_compacted", K::kBoth},
    {"deprecation_notice", K::kNever},
    {"dynamic_tool_call_request", K::kExtended},
    {"dynamic_tool_call_response", K::kExtended},
    {"elicitation_request", K::kNever},
    {"entered_review_mode", K::kBoth},
    {"error", K::kExtended},
    {"exec_approval_request", K::kNever},
    {"exec_command_begin", K::kNever},
    {"exec_command_end", K::kExtended},
    {"exec_command_output_delta", K::kNever},
    {"exited_review_mode", K::kBoth},
    {"get_history_entry_response", K::kNever},
    {"guardian_assessment", K::kExtended},
    {"image_generation_begin", K::kNever},
    {"image_generation_end", K::kBoth},
    {"injected_message", K::kBoth},
    {"item_completed", K::kBoth},  // Plan items only, see IsPersisted
    {"item_started", K::kNever},
    {"list_custom_prompts_response", K::kNever},
    {"list_remote_skills_response", K::kNever},
    {"list_skills_response", K::kNever},
    {"mcp_list_tools_response", K::kNever},
    {"mcp_startup_complete", K::kNever},
    {"mcp_startup_update", K::kNever},
    {"mcp_tool_call_begin", K::kNever},
    {"mcp_tool_call_end", K::kExtended},
    {"model_reroute", K::kNever},
    {"patch_apply_begin", K::kNever},
    {"patch_apply_end", K::kExtended},
    {"plan_delta", K::kNever},
    {"plan_update", K::kNever},
    {"raw_response_item", K::kNever},
    {"realtime_conversation_closed", K::kNever},
    {"realtime_conversation_realtime", K::kNever},
    {"realtime_conversation_started", K::kNever},
    {"reasoning_content_delta", K::kNever},
    {"reasoning_raw_content_delta", K::kNever},
    {"remote_skill_downloaded", K::kNever},
    {"request_permissions", K::kNever},
    {"request_user_input", K::kNever},
    {"session_configured", K::kNever},
    {"shutdown_complete", K::kNever},
    {"skills_update_available", K::kNever},
    {"stream_error", K::kNever},
    {"task_complete", K::kBoth},
    {"task_started", K::kBoth},
    {"terminal_interaction", K::kNever},
    {"thread_context_usage_updated", K::kBoth},
    {"thread_goal_updated", K::kBoth},
    {"thread_name_updated", K::kBoth},
    {"thread_rolled_back", K::kBoth},
    {"token_count", K::kBoth},
    {"turn_aborted", K::kBoth},
    {"turn_complete", K::kBoth},  // legacy alias of task_complete
    {"turn_diff", K::kNever},
    {"turn_started", K::kBoth},  // legacy alias of task_started
    {"undo_completed", K::kBoth},
    {"undo_started", K::kNever},
    {"user_message", K::kBoth},
    {"view_image_tool_call", K::kExtended},
    {"warning", K::kNever},
    {"web_search_begin", K::kNever},
    {"web_search_end", K::kExtended},
}};

const EventMsgRule* FindRule(std::string_view type) {
  auto it = std::lower_bound(kRules.begin(), kRules.end(), type,
                             [](const EventMsgRule& r, std::string_view t) { return r.type < t; });
  if (it != kRules.end() && it->type == type) return &*it;
  return nullptr;
}

bool IsPlanItemCompleted(std::string_view payload) {
  nlohmann::json json = nlohmann::json::parse(payload, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) return false;
  auto item = json.find("item");
  if (item == json.end() || !item->is_object()) return false;
  auto type = item->find("type");
  return type != item->end() && type->is_string() && (*type == "Plan" || *type == "plan");
}

// Largest boundary <= pos that does not split a UTF-8 sequence.
size_t FloorCharBoundary(std::string_view s, size_t pos) {
  pos = std::min(pos, s.size());
  while (pos > 0 && pos < s.size() && (static_cast<uint8_t>(s[pos]) & 0xC0) == 0x80) --pos;
  return pos;
}

size_t CeilCharBoundary(std::string_view s, size_t pos) {
  while (pos < s.size() && (static_cast<uint8_t>(s[pos]) & 0xC0) == 0x80) ++pos;
  return pos;
}

size_t CountChars(std::string_view s) {
  return std::count_if(s.begin(), s.end(),
                       [](char c) { return (static_cast<uint8_t>(c) & 0xC0) != 0x80; });
}

}  // namespace

std::span<const EventMsgRule> EventMsgRules() { return kRules; }

bool IsPersisted(PersistenceMode mode, EventKind kind, std::string_view type,
                 std::string_view payload) {
  if (kind != EventKind::kEventMsg) return true;
  const EventMsgRule* rule = FindRule(type);
  if (rule == nullptr) return mode == PersistenceMode::kExtended;
  switch (rule->kept_in) {
    case KeptIn::kNever:
      return false;
    case KeptIn::kExtended:
      return mode == PersistenceMode::kExtended;
    case KeptIn::kBoth:
      return type != "item_completed" || IsPlanItemCompleted(payload);
  }
  return false;
}

std::string TruncateMiddle(std::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  if (max_bytes == 0) return absl::StrCat("…", CountChars(text), " chars truncated…");
  size_t left_budget = max_bytes / 2;
  size_t right_budget = max_bytes - left_budget;
  size_t prefix_end = FloorCharBoundary(text, left_budget);
  size_t suffix_start = std::max(CeilCharBoundary(text, text.size() - right_budget), prefix_end);
  size_t removed = CountChars(text.substr(prefix_end, suffix_start - prefix_end));
  return absl::StrCat(ToAbsl(text.substr(0, prefix_end)), "…", removed, " chars truncated…",
                      ToAbsl(text.substr(suffix_start)));
}

absl::StatusOr<std::optional<NewEvent>> ApplyPersistencePolicy(PersistenceMode mode,
                                                               NewEvent event) {
  if (!IsPersisted(mode, event.kind, event.type, event.payload.view())) return std::nullopt;
  if (mode != PersistenceMode::kExtended || event.kind != EventKind::kEventMsg ||
      event.type != "exec_command_end") {
    return event;
  }
  nlohmann::ordered_json json =
      nlohmann::ordered_json::parse(event.payload.view(), nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) {
    return absl::InvalidArgumentError("exec_command_end payload is not a JSON object");
  }
  if (auto out = json.find("aggregated_output"); out != json.end() && out->is_string()) {
    *out = TruncateMiddle(out->get_ref<const std::string&>(), kPersistedExecOutputMaxBytes);
  }
  for (const char* field : {"stdout", "stderr", "formatted_output"}) {
    if (json.contains(field)) json[field] = "";
  }
  event.payload = JsonText::Serialize(json);
  return event;
}

}  // namespace threadlog
