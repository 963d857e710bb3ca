// turn/start, turn/steer, turn/interrupt params, in Codex's words.
#include "api/turn_params.h"

#include <array>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "api/agent/user_input.h"
#include "api/params.h"

namespace threadlog::api {
namespace {

using nlohmann::json;

constexpr std::array<std::string_view, 6> kEfforts = {"none",   "minimal", "low",
                                                      "medium", "high",    "xhigh"};
constexpr std::array<std::string_view, 4> kSummaries = {"auto", "concise", "detailed", "none"};
constexpr std::array<std::string_view, 3> kPersonalities = {"none", "friendly", "pragmatic"};
constexpr std::array<std::string_view, 2> kApprovalsReviewers = {"user", "guardian_subagent"};
constexpr std::array<std::string_view, 2> kServiceTiers = {"fast", "flex"};
constexpr std::array<std::string_view, 4> kSandboxPolicies = {"dangerFullAccess", "readOnly",
                                                              "externalSandbox", "workspaceWrite"};

absl::StatusOr<json> RequiredInput(const json& params) {
  auto it = params.find("input");
  if (it == params.end()) return MissingField("input");
  if (absl::Status s = agent::CheckUserInputs(*it); !s.ok()) return s;
  return *it;
}

// An optional string that must be one of `allowed`.
absl::StatusOr<std::optional<std::string>> OptionalVariant(
    const json& params, std::string_view name, std::span<const std::string_view> allowed) {
  absl::StatusOr<std::optional<std::string>> value = OptionalString(params, name);
  if (!value.ok() || !*value) return value;
  if (absl::Status s = CheckVariant(**value, allowed); !s.ok()) return s;
  return value;
}

// A CollaborationMode {mode, settings: {model, reasoning_effort?, developer_instructions?}}
// (snake_case inside settings, as the schema spells it).
absl::StatusOr<agent::CollaborationModeRequest> ParseCollaborationMode(const json& value) {
  if (!value.is_object()) return WrongType(value, "struct CollaborationMode");
  agent::CollaborationModeRequest out;
  auto mode = value.find("mode");
  if (mode == value.end()) return MissingField("mode");
  // Codex 0.117.0 still reads the old mode names, as default (its error lists them all).
  constexpr std::array<std::string_view, 6> kModes = {"plan",    "code",    "custom",
                                                      "default", "execute", "pair_programming"};
  absl::StatusOr<std::string> kind = ParseUnitEnum(*mode, kModes);
  if (!kind.ok()) return kind.status();
  out.mode = *kind == "plan" ? "plan" : "default";
  auto settings = value.find("settings");
  if (settings == value.end()) return MissingField("settings");
  if (!settings->is_object()) return WrongType(*settings, "struct Settings");
  absl::StatusOr<std::string> model = RequiredString(*settings, "model");
  if (!model.ok()) return model.status();
  out.model = *model;
  absl::StatusOr<std::optional<std::string>> effort =
      OptionalVariant(*settings, "reasoning_effort", kEfforts);
  if (!effort.ok()) return effort.status();
  out.reasoning_effort = *effort;
  absl::StatusOr<std::optional<std::string>> instructions =
      OptionalString(*settings, "developer_instructions");
  if (!instructions.ok()) return instructions.status();
  out.developer_instructions = *instructions;
  return out;
}

}  // namespace

absl::Status ParseSandboxPolicy(const json& policy, agent::TurnOverrides& o) {
  if (!policy.is_object()) return WrongType(policy, "internally tagged enum SandboxPolicy");
  auto type = policy.find("type");
  if (type == policy.end()) return MissingField("type");
  if (!type->is_string()) return WrongType(*type, "a string");
  const std::string kind = type->get<std::string>();
  if (absl::Status s = CheckVariant(kind, kSandboxPolicies); !s.ok()) return s;
  bool network = false;
  if (auto n = policy.find("networkAccess"); n != policy.end() && !n->is_null()) {
    if (kind == "externalSandbox") {
      if (!n->is_string()) return WrongType(*n, "a string");
      constexpr std::array<std::string_view, 2> kNetwork = {"restricted", "enabled"};
      if (absl::Status s = CheckVariant(n->get<std::string>(), kNetwork); !s.ok()) return s;
      network = n->get<std::string>() == "enabled";
    } else {
      if (!n->is_boolean()) return WrongType(*n, "a boolean");
      network = n->get<bool>();
    }
  }
  if (kind == "workspaceWrite") {
    absl::StatusOr<std::optional<std::vector<std::string>>> roots =
        OptionalStringArray(policy, "writableRoots");
    if (!roots.ok()) return roots.status();
    std::vector<std::string> absolute;
    for (const std::string& root : roots->value_or(std::vector<std::string>{})) {
      absolute.push_back(ResolveAgainstServerCwd(root));
    }
    o.writable_roots = std::move(absolute);
    for (const char* flag : {"excludeTmpdirEnvVar", "excludeSlashTmp"}) {
      if (absl::Status s = OptionalBool(policy, flag).status(); !s.ok()) return s;
    }
    o.sandbox_mode = "workspace-write";
  } else if (kind == "readOnly") {
    o.sandbox_mode = "read-only";
  } else {
    // An external sandbox: threadlog runs nothing itself; Codex describes it as full access.
    o.sandbox_mode = "danger-full-access";
  }
  o.network_access = network;
  return absl::OkStatus();
}

absl::StatusOr<TurnStartParams> ParseTurnStart(const json& params) {
  if (absl::Status s = RequireObject(params, "TurnStartParams"); !s.ok()) return s;
  TurnStartParams out;
  agent::TurnOverrides& o = out.overrides;
  absl::StatusOr<std::optional<std::string>> cwd = OptionalString(params, "cwd");
  if (!cwd.ok()) return cwd.status();
  if (*cwd) o.cwd = ResolveAgainstServerCwd(**cwd);
  absl::StatusOr<std::optional<std::string>> model = OptionalString(params, "model");
  if (!model.ok()) return model.status();
  o.model = *model;
  absl::StatusOr<std::optional<std::string>> effort = OptionalVariant(params, "effort", kEfforts);
  if (!effort.ok()) return effort.status();
  o.effort = *effort;
  absl::StatusOr<std::optional<std::string>> summary =
      OptionalVariant(params, "summary", kSummaries);
  if (!summary.ok()) return summary.status();
  o.summary = *summary;
  if (auto it = params.find("personality"); it != params.end() && !it->is_null()) {
    absl::StatusOr<std::string> personality = ParseUnitEnum(*it, kPersonalities);
    if (!personality.ok()) return personality.status();
    o.personality = *personality;
  }
  if (auto it = params.find("approvalPolicy"); it != params.end() && !it->is_null()) {
    absl::StatusOr<json> policy = ParseAskForApproval(*it);
    if (!policy.ok()) return policy.status();
    o.approval_policy = *policy;
  }
  absl::StatusOr<std::optional<std::string>> reviewer =
      OptionalVariant(params, "approvalsReviewer", kApprovalsReviewers);
  if (!reviewer.ok()) return reviewer.status();
  o.approvals_reviewer = *reviewer;
  if (auto it = params.find("sandboxPolicy"); it != params.end() && !it->is_null()) {
    if (absl::Status s = ParseSandboxPolicy(*it, o); !s.ok()) return s;
  }
  if (absl::Status s = OptionalVariant(params, "serviceTier", kServiceTiers).status(); !s.ok()) {
    return s;
  }
  if (auto it = params.find("outputSchema"); it != params.end()) o.output_schema = *it;
  if (auto it = params.find("collaborationMode"); it != params.end() && !it->is_null()) {
    absl::StatusOr<agent::CollaborationModeRequest> mode = ParseCollaborationMode(*it);
    if (!mode.ok()) return mode.status();
    o.collaboration_mode = *std::move(mode);
  }
  absl::StatusOr<json> input = RequiredInput(params);
  if (!input.ok()) return input.status();
  out.input = *std::move(input);
  absl::StatusOr<absl::StatusOr<ThreadId>> id = ParseThreadIdField(params);
  if (!id.ok()) return id.status();
  out.thread = *id;
  return out;
}

absl::StatusOr<TurnSteerParams> ParseTurnSteer(const json& params) {
  if (absl::Status s = RequireObject(params, "TurnSteerParams"); !s.ok()) return s;
  TurnSteerParams out;
  absl::StatusOr<json> input = RequiredInput(params);
  if (!input.ok()) return input.status();
  out.input = *std::move(input);
  absl::StatusOr<std::string> expected = RequiredString(params, "expectedTurnId");
  if (!expected.ok()) return expected.status();
  out.expected_turn_id = *std::move(expected);
  absl::StatusOr<absl::StatusOr<ThreadId>> id = ParseThreadIdField(params);
  if (!id.ok()) return id.status();
  out.thread = *id;
  return out;
}

absl::StatusOr<TurnInterruptParams> ParseTurnInterrupt(const json& params) {
  if (absl::Status s = RequireObject(params, "TurnInterruptParams"); !s.ok()) return s;
  TurnInterruptParams out;
  absl::StatusOr<std::string> turn = RequiredString(params, "turnId");
  if (!turn.ok()) return turn.status();
  out.turn_id = *std::move(turn);
  absl::StatusOr<absl::StatusOr<ThreadId>> id = ParseThreadIdField(params);
  if (!id.ok()) return id.status();
  out.thread = *id;
  return out;
}

absl::StatusOr<absl::StatusOr<ThreadId>> ParseThreadCompact(const json& params) {
  if (absl::Status s = RequireObject(params, "ThreadCompactStartParams"); !s.ok()) return s;
  return ParseThreadIdField(params);
}

absl::StatusOr<ShellCommandParams> ParseShellCommand(const json& params) {
  if (absl::Status s = RequireObject(params, "ThreadShellCommandParams"); !s.ok()) return s;
  ShellCommandParams out;
  absl::StatusOr<std::string> command = RequiredString(params, "command");
  if (!command.ok()) return command.status();
  out.command = *std::move(command);
  absl::StatusOr<absl::StatusOr<ThreadId>> id = ParseThreadIdField(params);
  if (!id.ok()) return id.status();
  out.thread = *id;
  return out;
}

}  // namespace threadlog::api
