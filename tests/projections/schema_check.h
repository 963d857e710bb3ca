// A small JSON Schema (draft 7 subset) checker, enough for the Codex v2 protocol schema.
#ifndef THREADLOG_TESTS_PROJECTIONS_SCHEMA_CHECK_H_
#define THREADLOG_TESTS_PROJECTIONS_SCHEMA_CHECK_H_

#include <string>
#include <vector>

#include "nlohmann/json.hpp"

namespace threadlog::testing {

// Checks `value` against `root["definitions"][definition]`, resolving "#/definitions/…" refs in
// `root`. Supports what codex_app_server_protocol.v2.schemas.json uses: $ref, oneOf, anyOf,
// allOf, type (one or a list), enum, required, properties, additionalProperties, items, boolean
// schemas, minimum. Returns one message per violation, with its JSON pointer; empty when valid.
// `closed` also rejects properties an object schema does not list (Codex's schema leaves
// additionalProperties open, but Codex never sends unlisted ones, so neither may we).
std::vector<std::string> CheckSchema(const nlohmann::json& root, const std::string& definition,
                                     const nlohmann::json& value, bool closed = true);

}  // namespace threadlog::testing

#endif  // THREADLOG_TESTS_PROJECTIONS_SCHEMA_CHECK_H_
