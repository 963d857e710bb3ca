// Params readers of the thread methods: types, enums and ids checked before any handler runs.
#include "api/thread_params.h"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "api/params.h"
#include "api/session/dynamic_tools.h"
#include "eventlog/absl_compat.h"

namespace threadlog::api {
namespace {

using nlohmann::json;

// Codex's thread/list page size: 25 unless asked, at most 100 (its
// THREAD_LIST_DEFAULT_LIMIT / THREAD_LIST_MAX_LIMIT).
constexpr size_t kDefaultListLimit = 25;
constexpr size_t kMaxListLimit = 100;

constexpr std::array<std::string_view, 3> kSandboxModes = {"read-only", "workspace-write",
                                                           "danger-full-access"};
constexpr std::array<std::string_view, 2> kApprovalsReviewers = {"user", "guardian_subagent"};
constexpr std::array<std::string_view, 2> kServiceTiers = {"fast", "flex"};
constexpr std::array<std::string_view, 10> kSourceKinds = {"cli",
                                                           "vscode",
                                                           "exec",
                                                           "appServer",
                                                           "subAgent",
                                                           "subAgentReview",
                                                           "subAgentCompact",
                                                           "subAgentThreadSpawn",
                                                           "subAgentOther",
                                                           "unknown"};

// Assigns an optional string member, or returns its type error.
#define THREADLOG_OPTIONAL_STRING(target, object, name)                              \
  do {                                                                               \
    absl::StatusOr<std::optional<std::string>> value = OptionalString(object, name); \
    if (!value.ok()) return value.status();                                          \
    target = *std::move(value);                                                      \
  } while (0)

absl::StatusOr<SessionOverrides> ParseSession(const json& params) {
  SessionOverrides s;
  THREADLOG_OPTIONAL_STRING(s.model, params, "model");
  THREADLOG_OPTIONAL_STRING(s.model_provider, params, "modelProvider");
  THREADLOG_OPTIONAL_STRING(s.service_tier, params, "serviceTier");
  if (s.service_tier) {
    if (absl::Status st = CheckVariant(*s.service_tier, kServiceTiers); !st.ok()) {
      return st;
    }
  }
  THREADLOG_OPTIONAL_STRING(s.cwd, params, "cwd");
  if (s.cwd) s.cwd = ResolveAgainstServerCwd(*s.cwd);
  THREADLOG_OPTIONAL_STRING(s.sandbox_mode, params, "sandbox");
  if (s.sandbox_mode) {
    if (absl::Status st = CheckVariant(*s.sandbox_mode, kSandboxModes); !st.ok()) {
      return st;
    }
  }
  THREADLOG_OPTIONAL_STRING(s.base_instructions, params, "baseInstructions");
  if (auto it = params.find("approvalPolicy"); it != params.end() && !it->is_null()) {
    absl::StatusOr<json> policy = ParseAskForApproval(*it);
    if (!policy.ok()) return policy.status();
    s.approval_policy = *std::move(policy);
  }
  THREADLOG_OPTIONAL_STRING(s.approvals_reviewer, params, "approvalsReviewer");
  if (s.approvals_reviewer) {
    if (absl::Status st = CheckVariant(*s.approvals_reviewer, kApprovalsReviewers); !st.ok()) {
      return st;
    }
  }
  absl::StatusOr<std::optional<bool>> extended = OptionalBool(params, "persistExtendedHistory");
  if (!extended.ok()) return extended.status();
  s.persist_extended = extended->value_or(false);
  THREADLOG_OPTIONAL_STRING(s.developer_instructions, params, "developerInstructions");
  if (auto it = params.find("config"); it != params.end() && !it->is_null() && !it->is_object()) {
    return WrongType(*it, "a map");
  }
  return s;
}

// `config` once ParseSession has checked it is a map: the object, or null.
json ConfigOverrides(const json& params) {
  auto it = params.find("config");
  return it != params.end() && it->is_object() ? *it : json();
}

// Personality (thread/start and thread/resume): none, friendly or pragmatic, kept in `s`.
absl::Status ParsePersonality(const json& params, SessionOverrides& s) {
  auto it = params.find("personality");
  if (it == params.end() || it->is_null()) return absl::OkStatus();
  constexpr std::array<std::string_view, 3> kPersonalities = {"none", "friendly", "pragmatic"};
  absl::StatusOr<std::string> personality = ParseUnitEnum(*it, kPersonalities);
  if (!personality.ok()) return personality.status();
  s.personality = *std::move(personality);
  return absl::OkStatus();
}

absl::Status CheckDynamicTools(const json& tools) {
  if (!tools.is_array()) return WrongType(tools, "a sequence");
  for (size_t i = 0; i < tools.size(); ++i) {
    const json& tool = tools[i];
    if (!tool.is_object()) return WrongType(tool, "struct DynamicToolSpec");
    for (const char* field : {"name", "description"}) {
      absl::StatusOr<std::string> s = RequiredString(tool, field);
      if (!s.ok()) return s.status();
    }
    if (!tool.contains("inputSchema")) return MissingField("inputSchema");
    absl::StatusOr<std::optional<bool>> defer = OptionalBool(tool, "deferLoading");
    if (!defer.ok()) return defer.status();
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<StartParams> ParseStart(const json& params) {
  if (absl::Status s = RequireObject(params, "ThreadStartParams"); !s.ok()) return s;
  absl::StatusOr<SessionOverrides> session = ParseSession(params);
  if (!session.ok()) return session.status();
  StartParams out;
  out.session = *std::move(session);
  out.config_overrides = ConfigOverrides(params);
  if (absl::Status s = ParsePersonality(params, out.session); !s.ok()) return s;
  absl::StatusOr<std::optional<bool>> ephemeral = OptionalBool(params, "ephemeral");
  if (!ephemeral.ok()) return ephemeral.status();
  out.ephemeral = ephemeral->value_or(false);
  // Accepted as Codex accepts them; nothing threadlog does depends on them.
  std::optional<std::string> unused;
  THREADLOG_OPTIONAL_STRING(unused, params, "serviceName");
  THREADLOG_OPTIONAL_STRING(unused, params, "mockExperimentalField");
  absl::StatusOr<std::optional<bool>> raw_events = OptionalBool(params, "experimentalRawEvents");
  if (!raw_events.ok()) return raw_events.status();
  if (auto it = params.find("dynamicTools"); it != params.end() && !it->is_null()) {
    if (absl::Status s = CheckDynamicTools(*it); !s.ok()) return s;
    out.dynamic_tools = *it;
  }
  // Codex's own checks come once the params have been read.
  if (out.dynamic_tools.is_array()) {
    if (absl::Status s = session::ValidateDynamicTools(out.dynamic_tools); !s.ok()) return s;
  }
  return out;
}

absl::StatusOr<ResumeParams> ParseResume(const json& params) {
  if (absl::Status s = RequireObject(params, "ThreadResumeParams"); !s.ok()) return s;
  absl::StatusOr<SessionOverrides> session = ParseSession(params);
  if (!session.ok()) return session.status();
  if (absl::Status s = ParsePersonality(params, *session); !s.ok()) return s;
  absl::StatusOr<absl::StatusOr<ThreadId>> id = ParseThreadIdField(params);
  if (!id.ok()) return id.status();
  ResumeParams out{*id, *std::move(session), ConfigOverrides(params), ""};
  // Codex lets `history` and `path` stand in for threadId (history first).
  for (const char* field : {"history", "path"}) {
    auto it = params.find(field);
    if (it != params.end() && !it->is_null() && out.unsupported_field.empty()) {
      out.unsupported_field = field;
    }
  }
  return out;
}

absl::StatusOr<ForkParams> ParseFork(const json& params) {
  if (absl::Status s = RequireObject(params, "ThreadForkParams"); !s.ok()) return s;
  absl::StatusOr<SessionOverrides> session = ParseSession(params);
  if (!session.ok()) return session.status();
  absl::StatusOr<std::optional<bool>> ephemeral = OptionalBool(params, "ephemeral");
  if (!ephemeral.ok()) return ephemeral.status();
  absl::StatusOr<absl::StatusOr<ThreadId>> id = ParseThreadIdField(params);
  if (!id.ok()) return id.status();
  ForkParams out{*id, *std::move(session), ConfigOverrides(params), ""};
  if (auto it = params.find("path"); it != params.end() && !it->is_null()) {
    out.unsupported_field = "path";
  }
  out.ephemeral = ephemeral->value_or(false);
  return out;
}

absl::StatusOr<ThreadRef> ParseThreadRef(const json& params, const char* type_name) {
  if (absl::Status s = RequireObject(params, type_name); !s.ok()) return s;
  absl::StatusOr<absl::StatusOr<ThreadId>> id = ParseThreadIdField(params);
  if (!id.ok()) return id.status();
  return ThreadRef{*id, false};
}

absl::StatusOr<ThreadRef> ParseRead(const json& params) {
  if (absl::Status s = RequireObject(params, "ThreadReadParams"); !s.ok()) return s;
  absl::StatusOr<std::optional<bool>> turns = OptionalBool(params, "includeTurns");
  if (!turns.ok()) return turns.status();
  absl::StatusOr<ThreadRef> ref = ParseThreadRef(params, "ThreadReadParams");
  if (!ref.ok()) return ref.status();
  ref->include_turns = turns->value_or(false);
  return ref;
}

absl::StatusOr<ListParams> ParseList(const json& params) {
  if (absl::Status s = RequireObject(params, "ThreadListParams"); !s.ok()) return s;
  ListParams out;
  ListQuery& q = out.query;
  q.require_user_message = true;  // Codex lists a thread only once it has a user message
  std::optional<std::string> text;
  THREADLOG_OPTIONAL_STRING(text, params, "cursor");
  q.cursor = text.value_or("");
  THREADLOG_OPTIONAL_STRING(text, params, "sortKey");
  if (text) {
    constexpr std::array<std::string_view, 2> kSortKeys = {"created_at", "updated_at"};
    if (absl::Status s = CheckVariant(*text, kSortKeys); !s.ok()) return s;
    q.sort = *text == "updated_at" ? SortKey::kUpdatedAt : SortKey::kCreatedAt;
  }
  THREADLOG_OPTIONAL_STRING(text, params, "cwd");
  if (text) {
    // Made absolute but not normalized: the store compares by components like Codex, which
    // ignores "." and extra slashes but not "..".
    std::error_code ec;
    std::filesystem::path absolute = std::filesystem::absolute(*text, ec);
    q.cwd = ec ? *text : absolute.string();
  }
  THREADLOG_OPTIONAL_STRING(text, params, "searchTerm");
  if (text) {
    return absl::UnimplementedError("thread/list.searchTerm is not supported by threadlog yet");
  }
  absl::StatusOr<std::optional<bool>> archived = OptionalBool(params, "archived");
  if (!archived.ok()) return archived.status();
  q.archived = archived->value_or(false);
  q.limit = kDefaultListLimit;
  absl::StatusOr<std::optional<uint32_t>> limit = OptionalU32(params, "limit");
  if (!limit.ok()) return limit.status();
  if (*limit) q.limit = std::clamp<size_t>(**limit, 1, kMaxListLimit);
  absl::StatusOr<std::optional<std::vector<std::string>>> providers =
      OptionalStringArray(params, "modelProviders");
  if (!providers.ok()) return providers.status();
  if (*providers) {
    q.model_providers = **providers;
  } else {
    out.default_model_providers = true;
  }
  absl::StatusOr<std::optional<std::vector<std::string>>> kinds =
      OptionalStringArray(params, "sourceKinds");
  if (!kinds.ok()) return kinds.status();
  if (*kinds) {
    for (size_t i = 0; i < (*kinds)->size(); ++i) {
      if (absl::Status s = CheckVariant((**kinds)[i], kSourceKinds); !s.ok()) {
        return s;
      }
    }
    q.source_kinds = **kinds;
  }
  // Omitted or empty: Codex's interactive sources.
  if (q.source_kinds.empty()) q.source_kinds = {"cli", "vscode"};
  return out;
}

absl::StatusOr<LoadedListParams> ParseLoadedList(const json& params) {
  if (absl::Status s = RequireObject(params, "ThreadLoadedListParams"); !s.ok()) return s;
  LoadedListParams out;
  std::optional<std::string> cursor;
  THREADLOG_OPTIONAL_STRING(cursor, params, "cursor");
  out.cursor = cursor.value_or("");
  absl::StatusOr<std::optional<uint32_t>> limit = OptionalU32(params, "limit");
  if (!limit.ok()) return limit.status();
  out.limit = *limit;
  return out;
}

absl::StatusOr<SetNameParams> ParseSetName(const json& params) {
  if (absl::Status s = RequireObject(params, "ThreadSetNameParams"); !s.ok()) return s;
  if (auto it = params.find("name"); it != params.end() && !it->is_string()) {
    return WrongType(*it, "a string");
  }
  absl::StatusOr<absl::StatusOr<ThreadId>> id = ParseThreadIdField(params);
  if (!id.ok()) return id.status();
  absl::StatusOr<std::string> name = RequiredString(params, "name");
  if (!name.ok()) return name.status();
  return SetNameParams{*id, *std::move(name)};
}

absl::StatusOr<RollbackParams> ParseRollback(const json& params) {
  if (absl::Status s = RequireObject(params, "ThreadRollbackParams"); !s.ok()) return s;
  if (params.contains("numTurns")) {
    if (absl::Status s = RequiredU32(params, "numTurns").status(); !s.ok()) return s;
  }
  absl::StatusOr<absl::StatusOr<ThreadId>> id = ParseThreadIdField(params);
  if (!id.ok()) return id.status();
  absl::StatusOr<uint32_t> turns = RequiredU32(params, "numTurns");
  if (!turns.ok()) return turns.status();
  return RollbackParams{*id, *turns};
}

}  // namespace threadlog::api
