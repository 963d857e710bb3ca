// The v2 `Thread` JSON (Codex 0.117.0 app-server schema) of a thread index row.
#ifndef THREADLOG_PROJECTIONS_THREAD_JSON_H_
#define THREADLOG_PROJECTIONS_THREAD_JSON_H_

#include <optional>
#include <string>

#include "nlohmann/json.hpp"
#include "projections/thread_store.h"

namespace threadlog {

// What the row alone cannot say: whether the caller's process has the thread loaded, where
// its file is, and which turns to include.
struct ThreadJsonOptions {
  // v2 ThreadStatus. Codex answers `notLoaded` for a thread its process has not loaded; an API
  // that has it loaded passes ThreadStatusJson(summary.last_status) or its live status.
  nlohmann::json status = {{"type", "notLoaded"}};
  // A thread the server keeps in memory only (thread/start or fork with ephemeral: true).
  bool ephemeral = false;
  // `path` ([UNSTABLE] rollout file path); the store keeps no file, so null unless the caller
  // has one (e.g. an export).
  std::optional<std::string> path;
  // v2 `Turn` objects; empty for thread/list and the notifications (as the schema says).
  nlohmann::json turns = nlohmann::json::array();
  // The modelProvider of a thread whose session_meta named none: Codex reports its configured
  // provider (config.toml's model_provider, "openai" by default).
  std::string default_model_provider = "openai";
};

// The v2 `Thread` object for `summary`, with every field the 0.117.0 schema lists (and no
// other: it has no `forkedFromId`). Mapping, checked against the real Codex 0.117.0
// (tests/projections/thread_json_test.cc, tests/replay):
//   createdAt/updatedAt   Unix seconds (milliseconds truncated)
//   source                session_meta.source: "mcp" -> "appServer", {"subagent": X} ->
//                         {"subAgent": X}, {"custom": NAME} kept, unknown strings -> "unknown"
//   turns                 options.turns, where unless options.status is `active` every
//                         `inProgress` turn reads `interrupted` (InterruptStaleTurns)
//   gitInfo               {commit_hash, branch, repository_url} -> {sha, branch, originUrl},
//                         missing keys null; null when the meta had no git
//   agentNickname/Role    from a thread_spawn sub-agent source, else null
//   modelProvider         options.default_model_provider when the meta named none
//   ephemeral             options.ephemeral
nlohmann::json ThreadToJson(const ThreadSummary& summary, const ThreadJsonOptions& options = {});

// What Codex's thread/read does to the turns of a thread with no live turn: every `inProgress`
// turn becomes `interrupted` (the process that ran it is gone or idle). Other values untouched.
void InterruptStaleTurns(nlohmann::json& turns);

// v2 ThreadStatus for the last status the log shows (a loaded thread's status).
nlohmann::json ThreadStatusJson(LastStatus status);

// v2 SessionSource for a rollout's session_meta.source value.
nlohmann::json SessionSourceJson(const nlohmann::json& rollout_source);

// v2 GitInfo (or null) for a rollout's session_meta.git value.
nlohmann::json GitInfoJson(const nlohmann::json& rollout_git);

// v2 TurnError for an `error` event's payload ({message, codex_error_info snake_case, ...}), as
// thread history reads it; nullopt when the error leaves the turn's status alone (a failed
// rollback, a refused steer) or the payload is not one Codex reads.
std::optional<nlohmann::json> TurnErrorOfErrorEvent(const nlohmann::json& payload);

// v2 DynamicToolCall item for a dynamic_tool_call_request (response=false) or
// dynamic_tool_call_response payload, as thread history shows it; nullopt for a payload Codex
// would not read.
std::optional<nlohmann::json> DynamicToolCallItemOfEvent(const nlohmann::json& payload,
                                                         bool response);

}  // namespace threadlog

#endif  // THREADLOG_PROJECTIONS_THREAD_JSON_H_
