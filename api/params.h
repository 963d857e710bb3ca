// Reading request params with Codex's error wording, plus the field path it leaves out, so a
// person can tell which field was wrong and why ("Invalid request: invalid type: string \"x\",
// expected a boolean (at `includeHome`)").
#ifndef THREADLOG_API_PARAMS_H_
#define THREADLOG_API_PARAMS_H_

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace threadlog::api {

// kInvalidArgument "Invalid request: missing field `<name>`" (Codex's exact text).
absl::Status MissingField(std::string_view name);

// kInvalidArgument "Invalid request: invalid type: <what value is>, expected <expected> (at
// `<path>`)"; the part before " (at" is Codex's exact text.
absl::Status WrongType(const nlohmann::json& value, std::string_view expected,
                       std::string_view path);

// kInvalidArgument "Invalid request: <path> must be an absolute path, got \"<value>\"".
absl::Status NotAbsolute(std::string_view value, std::string_view path);

// Params must be a JSON object (Codex's "invalid type: ..., expected struct <Type>").
absl::Status RequireObject(const nlohmann::json& params, std::string_view type_name);

// Optional members: std::nullopt when absent or null. Wrong types are WrongType errors.
absl::StatusOr<std::optional<bool>> OptionalBool(const nlohmann::json& object,
                                                 std::string_view name, std::string_view path);
absl::StatusOr<std::optional<std::string>> OptionalString(const nlohmann::json& object,
                                                          std::string_view name,
                                                          std::string_view path);
absl::StatusOr<std::optional<std::vector<std::string>>> OptionalStringArray(
    const nlohmann::json& object, std::string_view name, std::string_view path);
// serde's "unknown variant `x`, expected one of `a`, `b`" ("expected `a` or `b`" for two),
// plus the field path; OK when `value` is one of `allowed`.
absl::Status CheckVariant(std::string_view value, std::span<const std::string_view> allowed,
                          std::string_view path);

// AskForApproval: one of "untrusted", "on-failure", "on-request", "never", or
// {"granular": {sandbox_approval, rules, mcp_elicitations, request_permissions?,
// skill_approval?}}. Returns the value as Codex echoes it (the granular form with its defaults
// filled in), or Codex's serde error.
absl::StatusOr<nlohmann::json> ParseAskForApproval(const nlohmann::json& value,
                                                   std::string_view path);

// Required string member.
absl::StatusOr<std::string> RequiredString(const nlohmann::json& object, std::string_view name,
                                           std::string_view path);

}  // namespace threadlog::api

#endif  // THREADLOG_API_PARAMS_H_
