// Reading Claude Code's JSON files (settings.json, .mcp.json, ~/.claude.json) strictly.
#include "migrate/json_file.h"

#include "absl/strings/str_cat.h"
#include "eventlog/json_parse.h"
#include "migrate/file_io.h"

namespace threadlog::migrate {

absl::StatusOr<std::optional<nlohmann::json>> ReadJsonObjectFile(const std::string& path) {
  absl::StatusOr<EntryKind> kind = ResolvedKindOf(path);
  if (!kind.ok()) return kind.status();
  if (*kind == EntryKind::kMissing) return std::nullopt;
  absl::StatusOr<std::string> text = ReadFileToString(path);
  if (!text.ok()) return text.status();
  if (!IsValidUtf8(*text)) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": not valid UTF-8"));
  }
  absl::StatusOr<nlohmann::json> parsed = ParseJson(*text);
  if (parsed.status().code() == absl::StatusCode::kOutOfRange ||
      parsed.status().code() == absl::StatusCode::kResourceExhausted) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", parsed.status().message()));
  }
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": invalid JSON: ", parsed.status().message()));
  }
  nlohmann::json& value = *parsed;
  if (!value.is_object()) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": the top level must be a JSON object, but it is ", JsonTypeName(value)));
  }
  return std::optional<nlohmann::json>(std::move(value));
}

void DeepMerge(nlohmann::json& base, const nlohmann::json& over) {
  if (!base.is_object() || !over.is_object()) {
    base = over;
    return;
  }
  for (auto it = over.begin(); it != over.end(); ++it) {
    auto found = base.find(it.key());
    if (found == base.end()) {
      base[it.key()] = it.value();
    } else {
      DeepMerge(*found, it.value());
    }
  }
}

std::string JsonTypeName(const nlohmann::json& value) {
  if (value.is_number()) return "a number";
  switch (value.type()) {
    case nlohmann::json::value_t::null:
      return "null";
    case nlohmann::json::value_t::object:
      return "an object";
    case nlohmann::json::value_t::array:
      return "an array";
    case nlohmann::json::value_t::string:
      return "a string";
    case nlohmann::json::value_t::boolean:
      return "a boolean";
    default:
      return "binary";
  }
}

}  // namespace threadlog::migrate
