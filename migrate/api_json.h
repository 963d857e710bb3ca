// The externalAgentConfig/* JSON shapes of the Codex app-server protocol (unchanged from 0.113.0
// to 0.117.0), from and to
// the migration library's types (for the future api/ handlers).
#ifndef THREADLOG_MIGRATE_API_JSON_H_
#define THREADLOG_MIGRATE_API_JSON_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "migrate/migration.h"
#include "nlohmann/json.hpp"

namespace threadlog::migrate {

// ExternalAgentConfigMigrationItem: {"itemType", "description", "cwd"}; cwd is null for home.
nlohmann::json MigrationItemToJson(const MigrationItem& item);

// ExternalAgentConfigDetectResponse: {"items": [ExternalAgentConfigMigrationItem...]}.
nlohmann::json DetectResponseToJson(const DetectReport& report);

// ExternalAgentConfigDetectParams {"includeHome"?: bool (default false), "cwds"?: string[]|null}.
// kInvalidArgument (message naming the field) for wrong types and relative cwds.
absl::StatusOr<DetectOptions> DetectOptionsFromJson(const nlohmann::json& params);

struct ImportRequest {
  std::vector<MigrationItem> items;
  std::vector<std::string> skipped_item_types;  // itemType values this version does not know
};

// ExternalAgentConfigImportParams {"migrationItems": [ExternalAgentConfigMigrationItem...]}.
// Items of unknown itemType (a newer client's "HOOKS", ...) are skipped, not fatal. Null or ""
// cwd means home. kInvalidArgument for a missing migrationItems, wrong types, a relative cwd.
absl::StatusOr<ImportRequest> ImportRequestFromJson(const nlohmann::json& params);

// ExternalAgentConfigImportResponse: {} in 0.113.0 (per-item outcomes are not in the protocol;
// a handler that wants Codex's behaviour turns the first failed item into a JSON-RPC error).
nlohmann::json ImportResponseToJson(const ImportReport& report);

}  // namespace threadlog::migrate

#endif  // THREADLOG_MIGRATE_API_JSON_H_
