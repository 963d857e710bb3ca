// How Codex's deserializer (serde) names a JSON value in its error messages, shared by every
// reader of request params so their errors read exactly as Codex's do.
#ifndef THREADLOG_API_SESSION_SERDE_WORDING_H_
#define THREADLOG_API_SESSION_SERDE_WORDING_H_

#include <string>

#include "nlohmann/json.hpp"

namespace threadlog::api::session {

// serde's "unexpected" part: `string "x"`, "integer `5`", "floating point `1.5`",
// "boolean `true`", "sequence", "map", "null" — as in "invalid type: <this>, expected ...".
std::string SerdeUnexpected(const nlohmann::json& value);

}  // namespace threadlog::api::session

#endif  // THREADLOG_API_SESSION_SERDE_WORDING_H_
