// Adding missing keys to an existing config.toml without disturbing a byte of what is there.
#ifndef THREADLOG_MIGRATE_TOML_MERGE_H_
#define THREADLOG_MIGRATE_TOML_MERGE_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "toml++/toml.h"

namespace threadlog::migrate {

// Parses `text` as TOML; blank text is an empty table. A syntax error is kFailedPrecondition
// with the message "invalid existing config.toml: <parser message> (line L, column C)" (the
// prefix is what Codex uses to classify the error).
absl::StatusOr<toml::table> ParseExistingToml(std::string_view text);

// Renders `table` the way Codex's serializer lays out a new config.toml: keys sorted, a table's
// plain values before its sub-tables, each non-empty table under its own [header], one blank
// line between sections, exactly one trailing '\n'. Tables that hold only sub-tables get no
// header of their own. Returns "" for an empty table.
std::string RenderToml(const toml::table& table);

// `key` as written in TOML: bare when it is [A-Za-z0-9_-]+, otherwise a quoted basic string.
std::string FormatTomlKey(std::string_view key);

struct TomlMergeResult {
  std::string text;                // the merged file; equal to the input when nothing was added
  std::vector<std::string> added;  // dotted paths inserted (a new table once; a new table
                                   // holding only tables: each of those)
  std::vector<std::string> kept;   // dotted paths whose existing value has another shape (kept)
};

// Inserts every key of `incoming` that `existing_text` lacks, recursing into tables present on
// both sides, and never changes, moves or reformats existing text: new plain keys go right after
// the last plain key of their table (root keys before the first [header]); new tables are
// appended at the end as [header] sections. An existing value of another shape (a scalar where
// a table is expected, an inline table) is kept and listed in `kept`. Every insertion is checked
// by re-parsing the result with toml++ and comparing it with the expected document; if no
// placement gives exactly that, returns kFailedPrecondition and the caller writes nothing.
// Errors: kFailedPrecondition "invalid existing config.toml: ..." when `existing_text` does not
// parse.
absl::StatusOr<TomlMergeResult> InsertMissingKeys(std::string_view existing_text,
                                                  const toml::table& incoming);

}  // namespace threadlog::migrate

#endif  // THREADLOG_MIGRATE_TOML_MERGE_H_
