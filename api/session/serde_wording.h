// How Codex's deserializer (serde) names a JSON value in its error messages, shared by every
// reader of request params so their errors read exactly as Codex's do.
#ifndef THREADLOG_API_SESSION_SERDE_WORDING_H_
#define THREADLOG_API_SESSION_SERDE_WORDING_H_

#include <string>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

namespace threadlog::api::session {

// serde's "unexpected" part: `string "x"`, "integer `5`", "floating point `1.5`",
// "boolean `true`", "sequence", "map", "null" — as in "invalid type: <this>, expected ...".
std::string SerdeUnexpected(const nlohmann::json& value);

// The same for a value read from config.toml (`TomlNode` is toml::node; a template so that this
// header needs no TOML parser): dates and times, which JSON has not, are "date-time".
template <typename TomlNode>
std::string SerdeUnexpectedToml(const TomlNode& node) {
  if (const auto* s = node.as_string()) return absl::StrCat("string \"", s->get(), "\"");
  if (const auto* i = node.as_integer()) return absl::StrCat("integer `", i->get(), "`");
  if (const auto* f = node.as_floating_point()) {
    return absl::StrCat("floating point `", f->get(), "`");
  }
  if (const auto* b = node.as_boolean()) {
    return absl::StrCat("boolean `", b->get() ? "true" : "false", "`");
  }
  if (node.is_array()) return "sequence";
  if (node.is_table()) return "map";
  return "date-time";
}

}  // namespace threadlog::api::session

#endif  // THREADLOG_API_SESSION_SERDE_WORDING_H_
