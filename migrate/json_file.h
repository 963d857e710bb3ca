// Reading Claude Code's JSON files (settings.json, .mcp.json, ~/.claude.json) strictly.
#ifndef THREADLOG_MIGRATE_JSON_FILE_H_
#define THREADLOG_MIGRATE_JSON_FILE_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace threadlog::migrate {

// Reads `path` (following symlinks) as strict JSON (no comments, no trailing commas) whose top
// level must be an object. std::nullopt when the file does not exist. Errors, all naming `path`:
// not valid UTF-8, not JSON, nested deeper than kMaxJsonDepth (eventlog/json_parse.h), top level
// not an object -> kInvalidArgument; not a regular file ->
// kFailedPrecondition; read errors -> as ErrnoStatus maps them.
absl::StatusOr<std::optional<nlohmann::json>> ReadJsonObjectFile(const std::string& path);

// Claude Code's layering: objects merge key by key, recursively; anything else in `over`
// replaces what is in `base`.
void DeepMerge(nlohmann::json& base, const nlohmann::json& over);

// The JSON type name of `value` for messages ("array", "string", ...).
std::string JsonTypeName(const nlohmann::json& value);

}  // namespace threadlog::migrate

#endif  // THREADLOG_MIGRATE_JSON_FILE_H_
