// The params of turn/start, turn/steer and turn/interrupt, parsed and checked with Codex's error
// wording.
#ifndef THREADLOG_API_TURN_PARAMS_H_
#define THREADLOG_API_TURN_PARAMS_H_

#include <string>

#include "absl/status/statusor.h"
#include "api/agent/turn_engine.h"
#include "eventlog/thread_id.h"
#include "nlohmann/json.hpp"

namespace threadlog::api {

// The thread id's own error ("invalid thread id: ...") is the handler's to report, after the
// params have been read as a whole (Codex's order).
struct TurnStartParams {
  absl::StatusOr<ThreadId> thread;
  nlohmann::json input;  // UserInput[], checked
  agent::TurnOverrides overrides;
};

struct TurnSteerParams {
  absl::StatusOr<ThreadId> thread;
  std::string expected_turn_id;
  nlohmann::json input;
};

struct TurnInterruptParams {
  absl::StatusOr<ThreadId> thread;
  std::string turn_id;
};

// turn/start: threadId and input (UserInput[]) required; cwd (resolved against the server's
// working directory, as Codex does), model, effort, summary, personality, approvalPolicy,
// approvalsReviewer, sandboxPolicy (a v2 SandboxPolicy), serviceTier, outputSchema,
// collaborationMode optional.
absl::StatusOr<TurnStartParams> ParseTurnStart(const nlohmann::json& params);
absl::StatusOr<TurnSteerParams> ParseTurnSteer(const nlohmann::json& params);
absl::StatusOr<TurnInterruptParams> ParseTurnInterrupt(const nlohmann::json& params);
// thread/compact/start: {threadId}.
absl::StatusOr<absl::StatusOr<ThreadId>> ParseThreadCompact(const nlohmann::json& params);

// A v2 SandboxPolicy (turn/start's sandboxPolicy, command/exec's), as the sandbox mode, network
// access and extra writable roots (made absolute against the server's cwd) it sets in `o`.
absl::Status ParseSandboxPolicy(const nlohmann::json& policy, agent::TurnOverrides& o);

// thread/shellCommand: {threadId, command} (an empty command is the engine's to refuse).
struct ShellCommandParams {
  absl::StatusOr<ThreadId> thread;
  std::string command;
};
absl::StatusOr<ShellCommandParams> ParseShellCommand(const nlohmann::json& params);

}  // namespace threadlog::api

#endif  // THREADLOG_API_TURN_PARAMS_H_
