// Reading request params with Codex's exact error wording (serde's: "Invalid request: invalid
// type: string \"x\", expected a boolean"), so a client that matches on Codex's messages
// matches on threadlog's.
#ifndef THREADLOG_API_PARAMS_H_
#define THREADLOG_API_PARAMS_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "eventlog/thread_id.h"
#include "nlohmann/json.hpp"

namespace threadlog::api {

// Every function returns kInvalidArgument (a -32600 at the wire) with Codex's text.

// "Invalid request: missing field `<name>`".
absl::Status MissingField(std::string_view name);

// "Invalid request: invalid type: <what value is>, expected <expected>".
absl::Status WrongType(const nlohmann::json& value, std::string_view expected);

// A path a client sent, made absolute against the server's working directory and normalized,
// as Codex does with a relative cwd.
std::string ResolveAgainstServerCwd(const std::string& path);

// Params must be a JSON object (Codex's "invalid type: ..., expected struct <Type>").
absl::Status RequireObject(const nlohmann::json& params, std::string_view type_name);

// Optional members: std::nullopt when absent or null. Wrong types are WrongType errors.
absl::StatusOr<std::optional<bool>> OptionalBool(const nlohmann::json& object,
                                                 std::string_view name);
absl::StatusOr<std::optional<std::string>> OptionalString(const nlohmann::json& object,
                                                          std::string_view name);
absl::StatusOr<std::optional<std::vector<std::string>>> OptionalStringArray(
    const nlohmann::json& object, std::string_view name);
// serde's u32: a negative or too large integer is "invalid value: integer `-1`, expected u32",
// a float or any other type "invalid type: ..., expected u32".
absl::StatusOr<std::optional<uint32_t>> OptionalU32(const nlohmann::json& object,
                                                    std::string_view name);
absl::StatusOr<uint32_t> RequiredU32(const nlohmann::json& object, std::string_view name);

// serde's "unknown variant `x`, expected one of `a`, `b`" ("expected `a` or `b`" for two); OK
// when `value` is one of `allowed`.
absl::Status CheckVariant(std::string_view value, std::span<const std::string_view> allowed);

// An enum of unit variants (Personality): "name", or {"name": null} as serde also takes it.
// Returns the variant's name.
absl::StatusOr<std::string> ParseUnitEnum(const nlohmann::json& value,
                                          std::span<const std::string_view> variants);

// AskForApproval: one of "untrusted", "on-failure", "on-request", "never" (also as
// {"never": null}), or {"granular": {sandbox_approval, rules, mcp_elicitations,
// request_permissions?, skill_approval?}}. Returns the value as Codex echoes it (the granular
// form with its defaults filled in), or Codex's serde error.
absl::StatusOr<nlohmann::json> ParseAskForApproval(const nlohmann::json& value);

// Required string member.
absl::StatusOr<std::string> RequiredString(const nlohmann::json& object, std::string_view name);

// params.threadId: the outer status is the deserializer's (missing, not a string); the inner
// one the handler's to report after the rest was read ("invalid thread id: <the UUID parser's
// words>").
absl::StatusOr<absl::StatusOr<ThreadId>> ParseThreadIdField(const nlohmann::json& params);

}  // namespace threadlog::api

#endif  // THREADLOG_API_PARAMS_H_
