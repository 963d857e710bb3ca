// Event payloads -> v2 ThreadItem / UserInput / TurnError JSON, as Codex 0.117.0 renders them.
#ifndef THREADLOG_PROJECTIONS_INTERNAL_THREAD_ITEMS_H_
#define THREADLOG_PROJECTIONS_INTERNAL_THREAD_ITEMS_H_

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "nlohmann/json.hpp"

namespace threadlog::internal {

using Json = nlohmann::json;

// Thrown by the converters below when a payload lacks a field Codex requires or holds a value
// Codex's serde types reject (Codex then skips the whole rollout line). nlohmann's own
// json::exception (missing key via at(), wrong type via get<>) means the same thing. Both are
// caught at the JSON edge, TurnBuilder::Apply, and become kInvalidArgument.
class BadPayload : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Rust str::trim(): strips Unicode White_Space from both ends of UTF-8 text.
std::string_view TrimUnicode(std::string_view text);

// user_message -> UserMessage.content: Text (only when the message is not blank, with its
// text_elements), then an Image per `images` URL, then a LocalImage per `local_images` path.
Json UserInputs(const Json& payload);

// exec_command_begin (end=false) / exec_command_end (end=true) -> CommandExecution, with its
// `source` (absent reads as agent; other values Codex's enum lacks, null included, throw).
Json CommandExecutionItem(const Json& payload, bool end);

// agent_message -> AgentMessage (null when the text is empty: Codex adds no item), with its
// `memoryCitation` ({entries, rolloutIds} in the rollout, {entries, threadIds} in v2).
std::optional<Json> AgentMessageItem(const Json& payload);

// patch_apply_begin / apply_patch_approval_request (end=false) / patch_apply_end -> FileChange.
Json FileChangeItem(const Json& payload, bool end);

// mcp_tool_call_begin / _end -> McpToolCall.
Json McpToolCallItem(const Json& payload, bool end);

// web_search_begin / _end -> WebSearch.
Json WebSearchItem(const Json& payload, bool end);

// view_image_tool_call -> ImageView.
Json ImageViewItem(const Json& payload);

// image_generation_begin / _end -> ImageGeneration (`savedPath` only when the end names one:
// Codex omits the key rather than writing null).
Json ImageGenerationItem(const Json& payload, bool end);

// dynamic_tool_call_request (response=false) / dynamic_tool_call_response -> DynamicToolCall.
Json DynamicToolCallItem(const Json& payload, bool response);

// collab_{agent_spawn,agent_interaction,waiting,close,resume}_{begin,end} -> CollabAgentToolCall,
// with `model` and `reasoningEffort` (spawn events require both; the others give null).
// nullopt when `type` is not a collab event.
std::optional<Json> CollabItem(std::string_view type, const Json& payload);

// entered_review_mode / exited_review_mode -> the `review` text of the review-mode item.
std::string EnteredReviewText(const Json& payload);
std::string ExitedReviewText(const Json& payload);

// error -> TurnError, or nullopt when the error does not affect the turn's status
// (codex_error_info thread_rollback_failed or active_turn_not_steerable).
std::optional<Json> TurnErrorOf(const Json& payload);

// item_started / item_completed -> a Plan item and its turn id, or nullopt when the item is not
// a Plan or its text is empty (the only TurnItem thread history keeps).
std::optional<std::pair<std::string, Json>> PlanItemOf(const Json& payload);

// The turn id an event routes to; "" when absent (then Codex uses the open turn). `key` is
// "turn_id", or "turnId" for dynamic_tool_call_request.
std::string TurnIdOf(const Json& payload, const char* key = "turn_id");

// One `<hook_prompt hook_run_id="ID">text</hook_prompt>` fragment, read the way Codex's XML
// deserializer reads it (any element name, entities and CDATA decoded, comments dropped, child
// elements skipped, a declaration before and anything after the root ignored); nullopt when
// the text is not one, the id is blank or the body holds no text.
struct HookPromptFragment {
  std::string text;
  std::string hook_run_id;
};
std::optional<HookPromptFragment> ParseHookPromptFragment(std::string_view text);

// The fragments of a response_item message that is a hook prompt: role user, at least one
// content part, every part an input_text that parses as a fragment. nullopt otherwise.
std::optional<Json> HookPromptFragments(const Json& message);

// A required string field (throws when missing or not a string).
std::string ReqString(const Json& obj, const char* key);

}  // namespace threadlog::internal

#endif  // THREADLOG_PROJECTIONS_INTERNAL_THREAD_ITEMS_H_
