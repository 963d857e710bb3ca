// The replay comparison: a readable JSON diff of a projected v2 Thread against Codex's answer,
// minus the fields the store rightly assigns differently.
#ifndef THREADLOG_TOOLS_REPLAY_DIFF_H_
#define THREADLOG_TOOLS_REPLAY_DIFF_H_

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "nlohmann/json.hpp"

namespace threadlog {

// A field left out of the comparison. `pattern` is a JSON pointer in which `*` matches any one
// array index or key ("/turns/*/id"); it matches that exact depth only, so "/path" does not
// cover an item's "path".
struct IgnoredField {
  std::string_view pattern;
  // When true the field is ignored only if Codex's value occurs nowhere in the case's
  // events.jsonl, i.e. Codex made it up at read time rather than reading it from the rollout.
  bool only_if_made_up = false;
  std::string_view reason;
};

// The fields `threadlog replay` does not compare, with the reason printed beside each (and
// documented in tests/replay/README.md).
std::span<const IgnoredField> ReplayIgnoredFields();

// One place where the two documents differ. A missing side is nullopt (a key or array element
// present on one side only).
struct JsonDifference {
  std::string path;  // JSON pointer
  std::optional<nlohmann::json> expected;
  std::optional<nlohmann::json> got;
};

// Every difference between `expected` and `got` outside the ignored fields, in document order
// (object keys sorted, arrays by index). `events_text` is the case's events.jsonl, which
// decides `only_if_made_up` fields. Empty when they are equal.
std::vector<JsonDifference> DiffJson(const nlohmann::json& expected, const nlohmann::json& got,
                                     std::span<const IgnoredField> ignored,
                                     std::string_view events_text);

// "PATH: expected X vs got Y" lines, values as compact JSON cut to `max_value` bytes.
std::string FormatDifferences(const std::vector<JsonDifference>& differences,
                              size_t max_value = 200);

}  // namespace threadlog

#endif  // THREADLOG_TOOLS_REPLAY_DIFF_H_
