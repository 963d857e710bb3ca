// Per-event ThreadItem converters: the item shapes Codex 0.117.0's thread_history.rs produces.
#include "projections/internal/thread_items.h"

#include <algorithm>
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

// ExecCommandSource (snake_case, default agent) -> v2 CommandExecutionSource.
const char* CommandSource(const Json& payload) {
  auto it = payload.find("source");
  if (it == payload.end()) return "agent";
  if (!it->is_string()) throw BadPayload("exec source must be a string");
  const std::string& source = it->get_ref<const std::string&>();
  if (source == "agent") return "agent";
  if (source == "user_shell") return "userShell";
  if (source == "unified_exec_startup") return "unifiedExecStartup";
  if (source == "unified_exec_interaction") return "unifiedExecInteraction";
  throw BadPayload("unknown exec source " + source);
}

uint32_t ReqU32(const Json& obj, const char* key) {
  const uint64_t v = ReqUnsigned(obj, key);
  if (v > std::numeric_limits<uint32_t>::max()) throw BadPayload(std::string(key) + " exceeds u32");
  return static_cast<uint32_t>(v);
}

// Core MemoryCitation {entries: [{path, lineStart, lineEnd, note}], rolloutIds} (camelCase,
// both required) -> v2 {entries, threadIds}; null stays null.
Json MemoryCitation(const Json& payload) {
  const Json citation = OptValue(payload, "memory_citation");
  if (citation.is_null()) return nullptr;
  const Json& entries = Req(citation, "entries");
  if (!entries.is_array()) throw BadPayload("memory_citation.entries must be an array");
  Json out_entries = Json::array();
  for (const Json& entry : entries) {
    out_entries.push_back({{"path", ReqString(entry, "path")},
                           {"lineStart", ReqU32(entry, "lineStart")},
                           {"lineEnd", ReqU32(entry, "lineEnd")},
                           {"note", ReqString(entry, "note")}});
  }
  return {{"entries", std::move(out_entries)},
          {"threadIds", Req(citation, "rolloutIds").get<std::vector<std::string>>()}};
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

// The model and reasoning effort a spawn event names (both required there); null for the
// other collab tools.
struct SpawnSettings {
  Json model;
  Json reasoning_effort;
};

SpawnSettings SpawnSettingsOf(const Json& payload) {
  std::string effort = ReqString(payload, "reasoning_effort");
  static constexpr std::string_view kEfforts[] = {"none",   "minimal", "low",
                                                  "medium", "high",    "xhigh"};
  if (std::find(std::begin(kEfforts), std::end(kEfforts), effort) == std::end(kEfforts)) {
    throw BadPayload("unknown reasoning_effort " + effort);
  }
  return {ReqString(payload, "model"), std::move(effort)};
}

Json Collab(const Json& payload, const char* tool, const char* status, Json receivers, Json prompt,
            Json states, SpawnSettings spawn = {}) {
  return {{"type", "collabAgentToolCall"},
          {"id", ReqString(payload, "call_id")},
          {"tool", tool},
          {"status", status},
          {"senderThreadId", ReqString(payload, "sender_thread_id")},
          {"receiverThreadIds", std::move(receivers)},
          {"prompt", std::move(prompt)},
          {"model", std::move(spawn.model)},
          {"reasoningEffort", std::move(spawn.reasoning_effort)},
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
               {"source", CommandSource(payload)},
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
  Json item = {{"type", "imageGeneration"},
               {"id", ReqString(payload, "call_id")},
               {"status", end ? ReqString(payload, "status") : std::string()},
               {"revisedPrompt", end ? OptString(payload, "revised_prompt") : Json(nullptr)},
               {"result", end ? ReqString(payload, "result") : std::string()}};
  if (end) {
    if (Json saved = OptString(payload, "saved_path"); saved.is_string()) {
      item["savedPath"] = std::move(saved);
    }
  }
  return item;
}

std::optional<Json> AgentMessageItem(const Json& payload) {
  std::string text = ReqString(payload, "message");
  Json phase = OptValue(payload, "phase");
  if (!phase.is_null() && phase != "commentary" && phase != "final_answer") {
    throw BadPayload("unknown agent_message phase " + phase.dump());
  }
  Json citation = MemoryCitation(payload);
  if (text.empty()) return std::nullopt;
  return Json{{"type", "agentMessage"},
              {"text", std::move(text)},
              {"phase", std::move(phase)},
              {"memoryCitation", std::move(citation)}};
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
    return Collab(payload, "spawnAgent", "inProgress", Json::array(), prompt(), Json::object(),
                  SpawnSettingsOf(payload));
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
    return Collab(payload, "spawnAgent", status, std::move(receivers), prompt(), std::move(states),
                  SpawnSettingsOf(payload));
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
  // CodexErrorInfo as of 0.117.0; a value outside it makes Codex skip the whole line.
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
  } else if (info.is_object() && info.size() == 1 && info.contains("active_turn_not_steerable")) {
    // A turn/start or turn/steer refused while a review or compaction runs (0.117.0): the
    // running turn is not failed by it.
    const std::string kind = ReqString(info.at("active_turn_not_steerable"), "turn_kind");
    if (kind != "review" && kind != "compact") throw BadPayload("unknown turn_kind " + kind);
    return std::nullopt;
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

namespace {

// A tiny reader for the one XML shape hook prompts use, following what Codex's serde XML
// deserializer accepts (checked case by case against the 0.117.0 binary, see TURNS.md).
class HookXmlReader {
 public:
  explicit HookXmlReader(std::string_view text) : s_(text) {}

  std::optional<HookPromptFragment> Read() {
    if (!SkipProlog()) return std::nullopt;
    std::string name;
    std::optional<std::string> run_id;
    bool self_closing = false;
    if (!StartTag(&name, &run_id, &self_closing) || !run_id || self_closing) return std::nullopt;
    std::optional<std::string> body = Body(name, /*want_text=*/true);
    if (!body || TrimUnicode(*run_id).empty()) return std::nullopt;
    return HookPromptFragment{std::move(*body), std::move(*run_id)};
  }

 private:
  static bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
  bool AtEnd() const { return i_ >= s_.size(); }
  bool Starts(std::string_view p) const { return s_.substr(i_).starts_with(p); }
  void SkipSpace() {
    while (!AtEnd() && IsSpace(s_[i_])) ++i_;
  }
  // Moves past the next `end`; false when there is none.
  bool SkipPast(std::string_view end) {
    const size_t at = s_.find(end, i_);
    if (at == std::string_view::npos) return false;
    i_ = at + end.size();
    return true;
  }

  // Whitespace, declarations, processing instructions, comments and a doctype before the root.
  bool SkipProlog() {
    for (;;) {
      SkipSpace();
      if (Starts("<?")) {
        if (!SkipPast("?>")) return false;
      } else if (Starts("<!--")) {
        if (!SkipPast("-->")) return false;
      } else if (Starts("<!")) {
        if (!SkipPast(">")) return false;
      } else {
        return Starts("<");
      }
    }
  }

  std::string Name() {
    const size_t start = i_;
    while (!AtEnd() && !IsSpace(s_[i_]) && s_[i_] != '>' && s_[i_] != '/' && s_[i_] != '=') ++i_;
    return std::string(s_.substr(start, i_ - start));
  }

  // `<name attr="v" ...>` or `.../>`; records hook_run_id. False on malformed markup or a
  // repeated attribute.
  bool StartTag(std::string* name, std::optional<std::string>* run_id, bool* self_closing) {
    ++i_;  // '<'
    *name = Name();
    if (name->empty()) return false;
    std::vector<std::string> seen;
    for (;;) {
      SkipSpace();
      if (AtEnd()) return false;
      if (s_[i_] == '>') {
        ++i_;
        return true;
      }
      if (Starts("/>")) {
        i_ += 2;
        *self_closing = true;
        return true;
      }
      std::string attr = Name();
      if (attr.empty()) return false;
      SkipSpace();
      if (AtEnd() || s_[i_] != '=') return false;
      ++i_;
      SkipSpace();
      if (AtEnd() || (s_[i_] != '"' && s_[i_] != '\'')) return false;
      const char quote = s_[i_++];
      const size_t end = s_.find(quote, i_);
      if (end == std::string_view::npos) return false;
      std::optional<std::string> value = Decode(s_.substr(i_, end - i_));
      i_ = end + 1;
      if (!value) return false;
      if (std::find(seen.begin(), seen.end(), attr) != seen.end()) return false;
      seen.push_back(attr);
      if (attr == "hook_run_id") *run_id = std::move(*value);
    }
  }

  // Entity references decoded; false for an unknown or unterminated one.
  static std::optional<std::string> Decode(std::string_view raw) {
    std::string out;
    for (size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] != '&') {
        out.push_back(raw[i]);
        continue;
      }
      const size_t semi = raw.find(';', i);
      if (semi == std::string_view::npos) return std::nullopt;
      const std::string_view ref = raw.substr(i + 1, semi - i - 1);
      i = semi;
      if (ref == "lt") {
        out += '<';
      } else if (ref == "gt") {
        out += '>';
      } else if (ref == "amp") {
        out += '&';
      } else if (ref == "quot") {
        out += '"';
      } else if (ref == "apos") {
        out += '\'';
      } else if (ref.size() > 1 && ref[0] == '#') {
        const bool hex = ref[1] == 'x';
        const std::string_view digits = ref.substr(hex ? 2 : 1);
        if (digits.empty() || digits.size() > 8) return std::nullopt;
        uint32_t cp = 0;
        for (char c : digits) {
          int d = -1;
          if (c >= '0' && c <= '9') d = c - '0';
          if (hex && c >= 'a' && c <= 'f') d = c - 'a' + 10;
          if (hex && c >= 'A' && c <= 'F') d = c - 'A' + 10;
          if (d < 0) return std::nullopt;
          cp = cp * (hex ? 16 : 10) + static_cast<uint32_t>(d);
        }
        if (cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return std::nullopt;
        AppendUtf8(cp, &out);
      } else {
        return std::nullopt;
      }
    }
    return out;
  }

  static void AppendUtf8(uint32_t cp, std::string* out) {
    if (cp < 0x80) {
      out->push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out->push_back(static_cast<char>(0xc0 | (cp >> 6)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    } else if (cp < 0x10000) {
      out->push_back(static_cast<char>(0xe0 | (cp >> 12)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    } else {
      out->push_back(static_cast<char>(0xf0 | (cp >> 18)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    }
  }

  // Skips a child element (and everything inside it) whose '<' is at i_.
  bool SkipElement() {
    std::string name;
    std::optional<std::string> ignored;
    bool self_closing = false;
    if (!StartTag(&name, &ignored, &self_closing)) return false;
    return self_closing || Body(name, /*want_text=*/false).has_value();
  }

  // Reads the element `name` up to its end tag. With `want_text`, returns its text: text, CDATA
  // and comments form one run; child elements are skipped; a second run after a child, or no
  // run at all, fails (what serde's `$text` field makes of them); a run of whitespace alone
  // does not count. Without it (a skipped child), returns "" for any well-formed content.
  std::optional<std::string> Body(const std::string& name, bool want_text) {
    std::optional<std::string> text;  // the completed run, once a child ended it
    std::string run;
    bool run_has_content = false;
    bool failed = false;
    const auto close_run = [&] {
      if (!run_has_content) {
        run.clear();
        return;
      }
      if (text) failed = true;
      text = std::move(run);
      run.clear();
      run_has_content = false;
    };
    while (!AtEnd()) {
      if (Starts("</")) {
        i_ += 2;
        const std::string end = Name();
        SkipSpace();
        if (end != name || AtEnd() || s_[i_] != '>') return std::nullopt;
        ++i_;
        close_run();
        if (!want_text) return std::string();
        if (failed || !text) return std::nullopt;
        return text;
      }
      if (Starts("<!--")) {
        if (!SkipPast("-->")) return std::nullopt;
      } else if (Starts("<![CDATA[")) {
        i_ += 9;
        const size_t end = s_.find("]]>", i_);
        if (end == std::string_view::npos) return std::nullopt;
        run.append(s_.substr(i_, end - i_));
        run_has_content = run_has_content || end > i_;
        i_ = end + 3;
      } else if (s_[i_] == '<') {
        close_run();
        if (!SkipElement()) return std::nullopt;
      } else {
        const size_t end = s_.find('<', i_);
        const std::string_view raw =
            s_.substr(i_, end == std::string_view::npos ? std::string_view::npos : end - i_);
        std::optional<std::string> decoded = Decode(raw);
        if (!decoded) return std::nullopt;
        if (decoded->find_first_not_of(" \t\r\n") != std::string::npos) run_has_content = true;
        run += *decoded;
        i_ += raw.size();
      }
    }
    return std::nullopt;  // no end tag
  }

  std::string_view s_;
  size_t i_ = 0;
};

}  // namespace

std::optional<HookPromptFragment> ParseHookPromptFragment(std::string_view text) {
  return HookXmlReader(TrimUnicode(text)).Read();
}

std::optional<Json> HookPromptFragments(const Json& message) {
  if (!message.is_object() || message.value("role", Json()) != "user") return std::nullopt;
  auto content = message.find("content");
  if (content == message.end() || !content->is_array() || content->empty()) return std::nullopt;
  Json fragments = Json::array();
  for (const Json& part : *content) {
    if (!part.is_object() || part.value("type", Json()) != "input_text") return std::nullopt;
    auto text = part.find("text");
    if (text == part.end() || !text->is_string()) return std::nullopt;
    std::optional<HookPromptFragment> fragment =
        ParseHookPromptFragment(text->get_ref<const std::string&>());
    if (!fragment) return std::nullopt;
    fragments.push_back(
        {{"text", std::move(fragment->text)}, {"hookRunId", std::move(fragment->hook_run_id)}});
  }
  return fragments;
}

}  // namespace threadlog::internal
