// The params of the thread lifecycle methods, parsed and checked with Codex's error wording.
#ifndef THREADLOG_API_THREAD_PARAMS_H_
#define THREADLOG_API_THREAD_PARAMS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "api/session/thread_service.h"
#include "eventlog/thread_id.h"
#include "nlohmann/json.hpp"
#include "projections/thread_store.h"

namespace threadlog::api {

// The settings start, resume and fork accept (each nullopt when absent or null; cwd made
// absolute as Codex resolves it, against the server's working directory).
using SessionOverrides = session::SettingsOverrides;

struct StartParams {
  SessionOverrides session;
  nlohmann::json config_overrides = nullptr;  // `config` as sent (an object), or null
  nlohmann::json dynamic_tools = nullptr;     // DynamicToolSpec[] as sent, or null
  bool ephemeral = false;                     // kept in memory only, gone once unloaded
};

// `path`/`history` (experimental) name a rollout file or history to resume or fork from;
// threadlog keeps no files, so the handler refuses them — after the experimental gate, which
// runs after parsing and must keep its own error for clients that did not opt in.
struct ResumeParams {
  absl::StatusOr<ThreadId> thread;
  SessionOverrides session;
  nlohmann::json config_overrides = nullptr;
  std::string unsupported_field;  // "path" or "history" when given
};

struct ForkParams {
  absl::StatusOr<ThreadId> thread;
  SessionOverrides session;
  nlohmann::json config_overrides = nullptr;
  std::string unsupported_field;  // "path" when given
  bool ephemeral = false;
};

// thread/read, archive, unarchive, unsubscribe: {threadId} (+ includeTurns for read).
struct ThreadRef {
  absl::StatusOr<ThreadId> thread;
  bool include_turns = false;
};

struct ListParams {
  ListQuery query;
  // modelProviders absent or null: Codex lists only its configured provider's threads (an
  // empty array lists every provider's).
  bool default_model_providers = false;
};

struct LoadedListParams {
  std::string cursor;  // a thread id: the page starts after it
  std::optional<uint32_t> limit;
};

struct SetNameParams {
  absl::StatusOr<ThreadId> thread;
  std::string name;
};

struct RollbackParams {
  absl::StatusOr<ThreadId> thread;
  uint32_t num_turns = 0;
};

// Each returns kInvalidArgument in Codex's words ("Invalid request: missing field `threadId`",
// "Invalid request: invalid type: ..."): what Codex's deserializer refuses. What its handlers
// refuse comes later, after the handshake and the experimental gate, so it is left to ours:
// `thread` holds "invalid thread id: ..." for a threadId that is not a UUID, and an empty name
// or numTurns 0 is passed through.
absl::StatusOr<StartParams> ParseStart(const nlohmann::json& params);
absl::StatusOr<ResumeParams> ParseResume(const nlohmann::json& params);
absl::StatusOr<ForkParams> ParseFork(const nlohmann::json& params);
absl::StatusOr<ThreadRef> ParseRead(const nlohmann::json& params);
// For archive, unarchive and unsubscribe; `type_name` is the params struct Codex names.
absl::StatusOr<ThreadRef> ParseThreadRef(const nlohmann::json& params, const char* type_name);
absl::StatusOr<ListParams> ParseList(const nlohmann::json& params);
absl::StatusOr<LoadedListParams> ParseLoadedList(const nlohmann::json& params);
absl::StatusOr<SetNameParams> ParseSetName(const nlohmann::json& params);
absl::StatusOr<RollbackParams> ParseRollback(const nlohmann::json& params);

}  // namespace threadlog::api

#endif  // THREADLOG_API_THREAD_PARAMS_H_
