// Per-event ThreadItem converters; field-for-field ports of Codex 0.113.0's thread_history.rs.
#include "projections/internal/thread_items.h"

#include <cstdint>
#include <limits>
#include <vector>

#include "projections/internal/shell_join.h"

namespace threadlog::internal {
namespace {

const Json& Req(const Json& obj, const char* key) {
  if (!obj.is_object())
    throw BadPayload("expected a JSON object holding \"" + std::string(key) + "\"");
  return obj.at(key);
}

// Option<String>: absent and null both read as null.
Json OptString(const Json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return nullptr;
  return it->get<std::string>();
}

// serde_json::Value / Option<Value>: absent reads as null.
Json OptValue(const Json& obj, const char* key) {
  auto it = obj.find(key);
  return it == obj.end() ? Json(nullptr) : *it;
}

uint64_t ReqUnsigned(const Json& obj, const char* key) {
  const Json& v = Req(obj, key);
  if (!v.is_number_unsigned())
    throw BadPayload(std::string(key) + " must be a non-negative integer");
  return v.get<uint64_t>();
}

// A Rust Duration serialized by serde as {secs, nanos}, as whole milliseconds; nullopt when it
// does not fit an i64 (Codex: `i64::try_from(d.as_millis())`).
std::optional<int64_t> DurationMillis(const Json& duration) {
  const uint64_t secs = ReqUnsigned(duration, "secs");
  const uint64_t nanos = ReqUnsigned(duration, "nanos");
  if (nanos > std::numeric_limits<uint32_t>::max()) throw BadPayload("duration.nanos exceeds u32");
  const unsigned __int128 ms = static_cast<unsigned __int128>(secs) * 1000 + nanos / 1000000;
  if (ms > static_cast<unsigned __int128>(std::numeric_limits<int64_t>::max())) return std::nullopt;
  return static_cast<int64_t>(ms);
}

Json OptMillis(std::optional<int64_t> ms) { return ms ? Json(*ms) : Json(nullptr); }

// ExecCommandStatus / PatchApplyStatus: the v2 enums spell these values the same way.
std::string EndStatus(const Json& payload) {
  std::string status = ReqString(payload, "status");
  if (status != "completed" && status != "failed" && status != "declined") {
    throw BadPayload("unknown status " + status);
  }
  return status;
}

Json CommandAction(const Json& parsed) {
  const std::string type = ReqString(parsed, "type");
  const std::string cmd = ReqString(parsed, "cmd");
  if (type == "read") {
    return {{"type", "read"},
            {"command", cmd},
            {"name", ReqString(parsed, "name")},
            {"path", ReqString(parsed, "path")}};
  }
  if (type == "list_files") {
    return {{"type", "listFiles"}, {"command", cmd}, {"path", OptString(parsed, "path")}};
  }
  if (type == "search") {
    return {{"type", "search"},
            {"command", cmd},
            {"query", OptString(parsed, "query")},
            {"path", OptString(parsed, "path")}};
  }
  if (type == "unknown") return {{"type", "unknown"}, {"command", cmd}};
  throw BadPayload("unknown parsed_cmd type " + type);
}

Json ConvertChanges(const Json& changes) {
  if (!changes.is_object()) throw BadPayload("changes must be an object");
  // nlohmann objects iterate in byte order of their keys, which is the order Codex sorts
  // FileUpdateChange by (String::cmp on the path).
  Json out = Json::array();
  for (const auto& [path, change] : changes.items()) {
    const std::string type = ReqString(change, "type");
    Json kind;
    std::string diff;
    if (type == "add" || type == "delete") {
      kind = {{"type", type}};
      diff = ReqString(change, "content");
    } else if (type == "update") {
      Json move_path = OptString(change, "move_path");
      diff = ReqString(change, "unified_diff");
      if (move_path.is_string()) diff += "\n\nMoved to: " + move_path.get<std::string>();
      kind = {{"type", "update"}, {"move_path", move_path}};
    } else {
      throw BadPayload("unknown file change type " + type);
    }
    out.push_back({{"path", path}, {"kind", std::move(kind)}, {"diff", std::move(diff)}});
  }
  return out;
}

// ResponsesApiWebSearchAction -> v2 WebSearchAction. Unknown actions read as Other, as the
// Responses API enum does with #[serde(other)].
Json WebSearchAction(const Json& action) {
  const std::string type = ReqString(action, "type");
  if (type == "search") {
    Json queries = OptValue(action, "queries");
    if (!queries.is_null()) queries = queries.get<std::vector<std::string>>();
    return {{"type", "search"}, {"query", OptString(action, "query")}, {"queries", queries}};
  }
  if (type == "open_page") return {{"type", "openPage"}, {"url", OptString(action, "url")}};
  if (type == "find_in_page") {
    return {{"type", "findInPage"},
            {"url", OptString(action, "url")},
            {"pattern", OptString(action, "pattern")}};
  }
  return {{"type", "other"}};
}

Json DynamicContentItems(const Json& items) {
  if (!items.is_array()) throw BadPayload("content_items must be an array");
  Json out = Json::array();
  for (const Json& item : items) {
    const std::string type = ReqString(item, "type");
    if (type == "inputText") {
      out.push_back({{"type", "inputText"}, {"text", ReqString(item, "text")}});
    } else if (type == "inputImage") {
      out.push_back({{"type", "inputImage"}, {"imageUrl", ReqString(item, "imageUrl")}});
    } else {
      throw BadPayload("unknown dynamic tool content item " + type);
    }
  }
  return out;
}

// AgentStatus (snake_case, completed/errored carry a message) -> v2 CollabAgentState.
struct AgentState {
  Json state;
  bool failed = false;  // errored or not_found: the tool call counts as failed
};

AgentState AgentStateOf(const Json& status) {
  if (status.is_string()) {
    const std::string s = status.get<std::string>();
    if (s == "pending_init") return {{{"status", "pendingInit"}, {"message", nullptr}}};
    if (s == "running" || s == "shutdown") return {{{"status", s}, {"message", nullptr}}};
    if (s == "not_found") return {{{"status", "notFound"}, {"message", nullptr}}, true};
  } else if (status.is_object() && status.size() == 1) {
    if (status.contains("completed")) {
      return {{{"status", "completed"}, {"message", OptString(status, "completed")}}};
    }
    if (status.contains("errored")) {
      return {{{"status", "errored"}, {"message", ReqString(status, "errored")}}, true};
    }
  }
  throw BadPayload("unknown agent status " + status.dump());
}

Json Collab(const Json& payload, const char* tool, const char* status, Json receivers, Json prompt,
            Json states) {
  return {{"type", "collabAgentToolCall"},
          {"id", ReqString(payload, "call_id")},
          {"tool", tool},
          {"status", status},
          {"senderThreadId", ReqString(payload, "sender_thread_id")},
          {"receiverThreadIds", std::move(receivers)},
          {"prompt", std::move(prompt)},
          {"agentsStates", std::move(states)}};
}

// A Unicode White_Space code point starting at text[i] (UTF-8): its byte length, else 0.
size_t WhitespaceAt(std::string_view text, size_t i) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char c = b(i);
  if (c == ' ' || (c >= 0x09 && c <= 0x0d)) return 1;
  if (c == 0xc2 && i + 1 < text.size() && (b(i + 1) == 0x85 || b(i + 1) == 0xa0)) return 2;
  if (i + 2 >= text.size()) return 0;
  const unsigned cp = ((c & 0x0fu) << 12) | ((b(i + 1) & 0x3fu) << 6) | (b(i + 2) & 0x3fu);
  if ((c & 0xf0) != 0xe0) return 0;
  const bool ws = cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 || cp == 0x2029 ||
                  cp == 0x202f || cp == 0x205f || cp == 0x3000;
  return ws ? 3 : 0;
}

}  // namespace

std::string_view TrimUnicode(std::string_view text) {
  size_t n;
  while (!text.empty() && (n = WhitespaceAt(text, 0)) > 0) text.remove_prefix(n);
  while (!text.empty()) {
    // Step back to the start of the last code point (skip UTF-8 continuation bytes).
    size_t start = text.size() - 1;
    while (start > 0 && (static_cast<unsigned char>(text[start]) & 0xc0) == 0x80) --start;
    if (WhitespaceAt(text, start) != text.size() - start) break;
    text.remove_suffix(text.size() - start);
  }
  return text;
}

std::string ReqString(const Json& obj, const char* key) { return Req(obj, key).get<std::string>(); }

std::string TurnIdOf(const Json& payload, const char* key) {
  const Json id = OptString(payload, key);
  return id.is_string() ? id.get<std::string>() : std::string();
}

namespace {

// A #[serde(default)] Vec: absent reads as empty, but null (or anything not an array) makes
// Codex reject the line.
Json DefaultArray(const Json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end()) return Json::array();
  if (!it->is_array()) throw BadPayload(std::string(key) + " must be an array");
  return *it;
}

}  // namespace

Json UserInputs(const Json& payload) {
  const std::string message = ReqString(payload, "message");
  // Parsed whether or not the text is kept: a bad element makes Codex skip the whole line.
  Json elements = Json::array();
  for (const Json& element : DefaultArray(payload, "text_elements")) {
    const Json& range = Req(element, "byte_range");
    elements.push_back(
        {{"byteRange",
          {{"start", ReqUnsigned(range, "start")}, {"end", ReqUnsigned(range, "end")}}},
         {"placeholder", OptString(element, "placeholder")}});
  }
  const Json images = OptValue(payload, "images");
  const auto urls =
      images.is_null() ? std::vector<std::string>() : images.get<std::vector<std::string>>();
  const auto paths = DefaultArray(payload, "local_images").get<std::vector<std::string>>();

  Json content = Json::array();
  if (!TrimUnicode(message).empty()) {
    content.push_back({{"type", "text"}, {"text", message}, {"text_elements", elements}});
  }
  for (const std::string& url : urls) content.push_back({{"type", "image"}, {"url", url}});
  for (const std::string& path : paths) {
    content.push_back({{"type", "localImage"}, {"path", path}});
  }
  return content;
}

Json CommandExecutionItem(const Json& payload, bool end) {
  Json actions = Json::array();
  for (const Json& parsed : Req(payload, "parsed_cmd")) actions.push_back(CommandAction(parsed));
  Json item = {{"type", "commandExecution"},
               {"id", ReqString(payload, "call_id")},
               {"command", ShellJoin(Req(payload, "command").get<std::vector<std::string>>())},
               {"cwd", ReqString(payload, "cwd")},
               {"processId", OptString(payload, "process_id")},
               {"status", "inProgress"},
               {"commandActions", std::move(actions)},
               {"aggregatedOutput", nullptr},
               {"exitCode", nullptr},
               {"durationMs", nullptr}};
  ReqString(payload, "turn_id");  // required by Codex's type, even though callers route by it
  if (!end) return item;
  const Json& exit_code = Req(payload, "exit_code");
  if (!exit_code.is_number_integer()) throw BadPayload("exit_code must be an integer");
  const Json output = OptValue(payload, "aggregated_output");
  const std::string aggregated = output.is_null() ? "" : output.get<std::string>();
  item["status"] = EndStatus(payload);
  item["aggregatedOutput"] = aggregated.empty() ? Json(nullptr) : Json(aggregated);
  item["exitCode"] = exit_code.get<int32_t>();
  item["durationMs"] =
      DurationMillis(Req(payload, "duration")).value_or(std::numeric_limits<int64_t>::max());
  return item;
}

Json FileChangeItem(const Json& payload, bool end) {
  const Json changes = end ? OptValue(payload, "changes") : Req(payload, "changes");
  return {{"type", "fileChange"},
          {"id", ReqString(payload, "call_id")},
          {"changes", ConvertChanges(changes.is_null() ? Json::object() : changes)},
          {"status", end ? EndStatus(payload) : std::string("inProgress")}};
}

Json McpToolCallItem(const Json& payload, bool end) {
  const Json& invocation = Req(payload, "invocation");
  Json item = {{"type", "mcpToolCall"},
               {"id", ReqString(payload, "call_id")},
               {"server", ReqString(invocation, "server")},
               {"tool", ReqString(invocation, "tool")},
               {"status", "inProgress"},
               {"arguments", OptValue(invocation, "arguments")},
               {"result", nullptr},
               {"error", nullptr},
               {"durationMs", nullptr}};
  if (!end) return item;
  const Json& result = Req(payload, "result");
  item["durationMs"] = OptMillis(DurationMillis(Req(payload, "duration")));
  if (result.is_object() && result.contains("Ok")) {
    const Json& ok = result.at("Ok");
    const Json& content = Req(ok, "content");
    if (!content.is_array()) throw BadPayload("result.Ok.content must be an array");
    const Json is_error = OptValue(ok, "isError");
    // is_success(): Ok and not flagged isError.
    item["status"] = (is_error.is_boolean() && is_error.get<bool>()) ? "failed" : "completed";
    item["result"] = {{"content", content},
                      {"structuredContent", OptValue(ok, "structuredContent")}};
  } else if (result.is_object() && result.contains("Err")) {
    item["status"] = "failed";
    item["error"] = {{"message", ReqString(result, "Err")}};
  } else {
    throw BadPayload("mcp result must be {Ok} or {Err}");
  }
  return item;
}

Json WebSearchItem(const Json& payload, bool end) {
  Json item = {{"type", "webSearch"},
               {"id", ReqString(payload, "call_id")},
               {"query", ""},
               {"action", nullptr}};
  if (!end) return item;
  item["query"] = ReqString(payload, "query");
  item["action"] = WebSearchAction(Req(payload, "action"));
  return item;
}

Json ImageViewItem(const Json& payload) {
  return {{"type", "imageView"},
          {"id", ReqString(payload, "call_id")},
          {"path", ReqString(payload, "path")}};
}

Json ImageGenerationItem(const Json& payload, bool end) {
  return {{"type", "imageGeneration"},
          {"id", ReqString(payload, "call_id")},
          {"status", end ? ReqString(payload, "status") : std::string()},
          {"revisedPrompt", end ? OptString(payload, "revised_prompt") : Json(nullptr)},
          {"result", end ? ReqString(payload, "result") : std::string()}};
}

Json DynamicToolCallItem(const Json& payload, bool response) {
  Json item = {{"type", "dynamicToolCall"},
               {"id", ReqString(payload, response ? "call_id" : "callId")},
               {"tool", ReqString(payload, "tool")},
               {"arguments", OptValue(payload, "arguments")},
               {"status", "inProgress"},
               {"contentItems", nullptr},
               {"success", nullptr},
               {"durationMs", nullptr}};
  ReqString(payload, response ? "turn_id" : "turnId");
  if (!response) return item;
  const Json& success = Req(payload, "success");
  if (!success.is_boolean()) throw BadPayload("success must be a boolean");
  item["status"] = success.get<bool>() ? "completed" : "failed";
  item["contentItems"] = DynamicContentItems(Req(payload, "content_items"));
  item["success"] = success;
  item["durationMs"] = OptMillis(DurationMillis(Req(payload, "duration")));
  return item;
}

std::optional<Json> CollabItem(std::string_view type, const Json& payload) {
  const auto receiver = [&] { return Json::array({ReqString(payload, "receiver_thread_id")}); };
  const auto prompt = [&] { return Json(ReqString(payload, "prompt")); };
  // The *_end events of interaction, close and resume share one shape: one receiver whose
  // status decides the outcome.
  const auto single_end = [&](const char* tool, Json prompt_value) {
    const std::string id = ReqString(payload, "receiver_thread_id");
    AgentState state = AgentStateOf(Req(payload, "status"));
    return Collab(payload, tool, state.failed ? "failed" : "completed", Json::array({id}),
                  std::move(prompt_value), {{id, std::move(state.state)}});
  };
  if (type == "collab_agent_spawn_begin") {
    return Collab(payload, "spawnAgent", "inProgress", Json::array(), prompt(), Json::object());
  }
  if (type == "collab_agent_spawn_end") {
    AgentState state = AgentStateOf(Req(payload, "status"));
    const Json new_id = OptString(payload, "new_thread_id");
    Json receivers = Json::array();
    Json states = Json::object();
    if (new_id.is_string()) {
      receivers.push_back(new_id);
      states[new_id.get<std::string>()] = std::move(state.state);
    }
    const char* status = (!state.failed && new_id.is_string()) ? "completed" : "failed";
    return Collab(payload, "spawnAgent", status, std::move(receivers), prompt(), std::move(states));
  }
  if (type == "collab_agent_interaction_begin") {
    return Collab(payload, "sendInput", "inProgress", receiver(), prompt(), Json::object());
  }
  if (type == "collab_agent_interaction_end") return single_end("sendInput", prompt());
  if (type == "collab_waiting_begin") {
    Json ids = Req(payload, "receiver_thread_ids").get<std::vector<std::string>>();
    return Collab(payload, "wait", "inProgress", std::move(ids), nullptr, Json::object());
  }
  if (type == "collab_waiting_end") {
    const Json& statuses = Req(payload, "statuses");
    if (!statuses.is_object()) throw BadPayload("statuses must be an object");
    Json receivers = Json::array();  // sorted: object keys iterate in byte order
    Json states = Json::object();
    bool failed = false;
    for (const auto& [id, status] : statuses.items()) {
      AgentState state = AgentStateOf(status);
      failed = failed || state.failed;
      receivers.push_back(id);
      states[id] = std::move(state.state);
    }
    return Collab(payload, "wait", failed ? "failed" : "completed", std::move(receivers), nullptr,
                  std::move(states));
  }
  if (type == "collab_close_begin") {
    return Collab(payload, "closeAgent", "inProgress", receiver(), nullptr, Json::object());
  }
  if (type == "collab_close_end") return single_end("closeAgent", nullptr);
  if (type == "collab_resume_begin") {
    return Collab(payload, "resumeAgent", "inProgress", receiver(), nullptr, Json::object());
  }
  if (type == "collab_resume_end") return single_end("resumeAgent", nullptr);
  return std::nullopt;
}

std::string EnteredReviewText(const Json& payload) {
  Req(payload, "target");
  const Json hint = OptString(payload, "user_facing_hint");
  return hint.is_string() ? hint.get<std::string>() : "Review requested.";
}

std::string ExitedReviewText(const Json& payload) {
  static constexpr char kFallback[] = "Reviewer failed to output a response.";
  const Json output = OptValue(payload, "review_output");
  if (output.is_null()) return kFallback;
  const std::string explanation = ReqString(output, "overall_explanation");
  const std::string_view trimmed = TrimUnicode(explanation);
  return trimmed.empty() ? kFallback : std::string(trimmed);
}

std::optional<Json> TurnErrorOf(const Json& payload) {
  // CodexErrorInfo as of 0.113.0; a value outside it makes Codex skip the whole line.
  static constexpr std::pair<const char*, const char*> kUnit[] = {
      {"context_window_exceeded", "contextWindowExceeded"},
      {"usage_limit_exceeded", "usageLimitExceeded"},
      {"server_overloaded", "serverOverloaded"},
      {"internal_server_error", "internalServerError"},
      {"unauthorized", "unauthorized"},
      {"bad_request", "badRequest"},
      {"sandbox_error", "sandboxError"},
      {"thread_rollback_failed", "threadRollbackFailed"},
      {"other", "other"}};
  static constexpr std::pair<const char*, const char*> kWithStatus[] = {
      {"http_connection_failed", "httpConnectionFailed"},
      {"response_stream_connection_failed", "responseStreamConnectionFailed"},
      {"response_stream_disconnected", "responseStreamDisconnected"},
      {"response_too_many_failed_attempts", "responseTooManyFailedAttempts"}};
  const std::string message = ReqString(payload, "message");
  const Json info = OptValue(payload, "codex_error_info");
  Json v2_info;  // null
  if (info.is_string()) {
    const std::string name = info.get<std::string>();
    // A failed rollback leaves the turn as it was (ErrorEvent::affects_turn_status).
    if (name == "thread_rollback_failed") return std::nullopt;
    for (const auto& [snake, camel] : kUnit) {
      if (name == snake) v2_info = camel;
    }
  } else if (info.is_object() && info.size() == 1) {
    for (const auto& [snake, camel] : kWithStatus) {
      if (!info.contains(snake)) continue;
      const Json code = OptValue(info.at(snake), "http_status_code");
      if (!code.is_null() && (!code.is_number_unsigned() || code.get<uint64_t>() > 0xffff)) {
        throw BadPayload("http_status_code must be a u16");
      }
      v2_info = {{camel, {{"httpStatusCode", code}}}};
    }
  }
  if (!info.is_null() && v2_info.is_null()) {
    throw BadPayload("unknown codex_error_info " + info.dump());
  }
  return Json{{"message", message}, {"codexErrorInfo", v2_info}, {"additionalDetails", nullptr}};
}

std::optional<std::pair<std::string, Json>> PlanItemOf(const Json& payload) {
  const Json& item = Req(payload, "item");
  const std::string turn_id = ReqString(payload, "turn_id");
  if (ReqString(item, "type") != "Plan") return std::nullopt;
  const std::string text = ReqString(item, "text");
  if (text.empty()) return std::nullopt;
  return std::make_pair(turn_id,
                        Json{{"type", "plan"}, {"id", ReqString(item, "id")}, {"text", text}});
}

}  // namespace threadlog::internal
