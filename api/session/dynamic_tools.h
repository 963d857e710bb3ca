// A thread's dynamic tools (DynamicToolSpec[] from thread/start): the checks Codex 0.117.0
// makes before it accepts them, and each input schema as Codex reduces it for the model.
#ifndef THREADLOG_API_SESSION_DYNAMIC_TOOLS_H_
#define THREADLOG_API_SESSION_DYNAMIC_TOOLS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace threadlog::api::session {

// Codex's reading of a tool's `inputSchema`: the value is first made to fit its small schema
// subset (a missing `type` inferred from the keywords present, else "string"; a `type` list
// reduced to its first supported entry; `true`/`false` made a string schema; missing
// `properties` and `items` filled in), then read as one of boolean, string, number (alias
// integer), array {items}, object {properties, required, additionalProperties}. Returns the
// schema as Codex sends it to the model (only those fields; integer becomes number), or
// kInvalidArgument with serde's message ("unknown variant `foo`, expected one of ...").
// Pure function; thread-safe.
absl::StatusOr<nlohmann::json> ToolInputSchemaForModel(const nlohmann::json& input_schema);

// Checks `tools` (already known to be an array of objects with string `name`) as Codex does
// after reading the params, tool by tool: the name trimmed must not be empty, must not have
// surrounding whitespace, must not be `mcp` or start with `mcp__`, must not repeat; then the
// input schema (ToolInputSchemaForModel). kInvalidArgument with Codex's text ("duplicate dynamic
// tool name: a", "dynamic tool input schema is not supported for a: ...").
absl::Status ValidateDynamicTools(const nlohmann::json& tools);

}  // namespace threadlog::api::session

#endif  // THREADLOG_API_SESSION_DYNAMIC_TOOLS_H_
