// Payload builders for the thread methods, the retried durable append, and session settings.
#include "api/thread_events.h"

#include <span>

#include "eventlog/codex_version.h"
#include "eventlog/timestamp.h"

namespace threadlog::api {
namespace {

using nlohmann::json;

constexpr int kAppendAttempts = 8;

// v2 SandboxPolicy for a SandboxMode (kebab case, as params and turn_context spell it).
json SandboxPolicyJson(const std::string& mode, const std::string& cwd) {
  if (mode == "danger-full-access") return {{"type", "dangerFullAccess"}};
  if (mode == "workspace-write") {
    return {{"type", "workspaceWrite"},
            {"writableRoots", cwd.empty() ? json::array() : json::array({cwd})},
            {"readOnlyAccess", {{"type", "fullAccess"}}},
            {"networkAccess", false},
            {"excludeTmpdirEnvVar", false},
            {"excludeSlashTmp", false}};
  }
  return {{"type", "readOnly"}, {"access", {{"type", "fullAccess"}}}, {"networkAccess", false}};
}

std::optional<std::string> StringAt(const json& object, const char* key) {
  if (!object.is_object()) return std::nullopt;
  auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

}  // namespace

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

absl::StatusOr<AppendResult> AppendDurably(ThreadStore& store, const ThreadId& thread,
                                           const std::vector<NewEvent>& events, bool new_thread) {
  absl::Status last_error;
  for (int attempt = 0; attempt < kAppendAttempts; ++attempt) {
    uint64_t expected = EventStore::kNewThread;
    if (!new_thread) {
      absl::StatusOr<uint64_t> last = store.log().LastSeq(thread);
      if (!last.ok()) return last.status();
      expected = *last;
    }
    absl::StatusOr<AppendResult> appended =
        store.Append(thread, expected, std::span<const NewEvent>(events), Durability::kSync);
    // A new thread id that already exists is not a race worth retrying.
    if (appended.ok() || appended.status().code() != absl::StatusCode::kAborted || new_thread) {
      return appended;
    }
    last_error = appended.status();
  }
  return last_error;
}

json SessionSettingsJson(const SessionOverrides& overrides, const ThreadSummary& summary,
                         const json& last_turn_context, const SessionDefaults& defaults) {
  const std::string cwd = overrides.cwd.value_or(summary.cwd);
  std::string model =
      overrides.model.value_or(StringAt(last_turn_context, "model").value_or(defaults.model));
  std::string provider = overrides.model_provider.value_or(
      summary.model_provider.empty() ? defaults.model_provider : summary.model_provider);
  // Approvals and sandbox are the params' or the configuration's, never what the thread ran
  // with before (Codex 0.117.0 on resume and fork).
  json approval =
      overrides.approval_policy ? json(*overrides.approval_policy) : defaults.approval_policy;
  std::string sandbox = overrides.sandbox.value_or(defaults.sandbox_mode);
  json effort = nullptr;
  if (!overrides.model) {
    if (std::optional<std::string> e = StringAt(last_turn_context, "effort")) effort = *e;
  }
  json reviewer = overrides.approvals_reviewer ? json(*overrides.approvals_reviewer)
                                               : json(defaults.approvals_reviewer);
  return {{"model", model},
          {"modelProvider", provider},
          {"serviceTier", overrides.service_tier ? json(*overrides.service_tier) : json(nullptr)},
          {"cwd", cwd},
          {"approvalPolicy", approval},
          {"approvalsReviewer", std::move(reviewer)},
          {"sandbox", SandboxPolicyJson(sandbox, cwd)},
          {"reasoningEffort", effort}};
}

absl::StatusOr<json> LastTurnContext(ThreadStore& store, const ThreadId& thread) {
  // The thread index remembers where the newest turn_context is, so resume reads one event
  // whatever the thread's length.
  absl::StatusOr<std::optional<ThreadSummary>> summary = store.GetThread(thread);
  if (!summary.ok()) return summary.status();
  if (!*summary || (*summary)->last_turn_context_position == 0) return json(nullptr);
  std::unique_ptr<EventIterator> it = store.log().ReadAll((*summary)->last_turn_context_position);
  if (!it->status().ok()) return it->status();
  if (!it->Valid()) return json(nullptr);
  if (it->event().kind != EventKind::kTurnContext) {
    return absl::DataLossError("the thread index points at an event that is not a turn_context");
  }
  json parsed = json::parse(it->event().payload, nullptr, /*allow_exceptions=*/false);
  return parsed.is_discarded() ? json(nullptr) : parsed;
}

}  // namespace threadlog::api
