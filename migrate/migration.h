// Detect and import of a Claude Code setup into Codex: the items, their order, and the reports.
#ifndef THREADLOG_MIGRATE_MIGRATION_H_
#define THREADLOG_MIGRATE_MIGRATION_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "migrate/atomic_file.h"
#include "migrate/paths.h"

namespace threadlog::migrate {

// The item types of the app-server protocol (ExternalAgentConfigMigrationItemType).
enum class ItemType { kConfig, kMcpServerConfig, kSkills, kAgentsMd };

// "CONFIG", "MCP_SERVER_CONFIG", "SKILLS", "AGENTS_MD".
std::string_view ItemTypeName(ItemType type);
// The inverse of ItemTypeName; std::nullopt for anything else (e.g. a newer Codex's "HOOKS").
std::optional<ItemType> ParseItemType(std::string_view name);

// One thing to migrate, as the API lists it.
struct MigrationItem {
  ItemType type = ItemType::kConfig;
  std::string description;  // for people; import ignores it
  std::string cwd;          // the repo root; empty for the home scope
};

// Something detect or import could not do; the rest still ran.
struct ItemProblem {
  std::optional<ItemType> type;  // std::nullopt: the whole scope (e.g. a cwd that is missing)
  std::string cwd;               // as for MigrationItem
  absl::Status status;
};

struct DetectOptions {
  bool include_home = true;
  std::vector<std::string> cwds;  // absolute; each resolved to its repo root
};

struct DetectReport {
  std::vector<MigrationItem> items;   // home first, then each cwd in order; duplicates kept
  std::vector<ItemProblem> problems;  // items that would fail; not in `items` unless partial
  std::vector<std::string> notes;     // things left alone on purpose
};

// Lists what Import would do, reading only. Per scope the order is CONFIG, MCP_SERVER_CONFIG,
// SKILLS, AGENTS_MD, each listed only when it would change something (so after an import,
// detect is empty). A bad input fails only its own item (reported in `problems`).
// Errors: kInvalidArgument when `env` or a cwd is not absolute.
absl::StatusOr<DetectReport> Detect(const Environment& env, const DetectOptions& options);

struct ImportOptions {
  bool dry_run = false;  // plan and diff only; touch nothing
  FaultHook fault_hook;  // tests: fail chosen writes
};

// What happened to one item.
struct ItemResult {
  MigrationItem item;
  absl::Status status;               // OK, or why (part of) the item failed
  std::vector<std::string> written;  // files and skill directories written (dry run: would be)
  std::vector<std::string> added;    // TOML keys added, source files used
  std::vector<std::string> notes;    // things left alone on purpose
  std::string diff;                  // dry run: the unified diff of the item's changes
  bool changed() const { return !written.empty(); }
};

struct ImportReport {
  std::vector<ItemResult> results;
  bool ok() const;
  bool changed() const;
};

// Imports `items` in order, re-reading everything from disk (an item's description is ignored;
// a cwd is resolved to its repo root, empty means home; a cwd that no longer exists is a no-op).
// Each file is written atomically; a failing item does not stop the next one. Running it again
// changes nothing. Errors: kInvalidArgument when `env` or an item's cwd is not absolute.
absl::StatusOr<ImportReport> Import(const Environment& env, const std::vector<MigrationItem>& items,
                                    const ImportOptions& options);

}  // namespace threadlog::migrate

#endif  // THREADLOG_MIGRATE_MIGRATION_H_
