// CONFIG: Claude Code settings.json (env, sandbox) -> keys missing from Codex's config.toml.
#ifndef THREADLOG_MIGRATE_CONFIG_MIGRATION_H_
#define THREADLOG_MIGRATE_CONFIG_MIGRATION_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "migrate/paths.h"
#include "migrate/plan.h"
#include "nlohmann/json.hpp"
#include "toml++/toml.h"

namespace threadlog::migrate {

// An `env` value as Codex stores it in [shell_environment_policy.set]: strings as they are,
// booleans "true"/"false", numbers their JSON text; null, arrays and objects -> std::nullopt.
std::optional<std::string> EnvValueToString(const nlohmann::json& value);

// The Codex config for `settings` (an object): `env` (a non-empty object) ->
// [shell_environment_policy] inherit = "core" with the values in .set; `sandbox.enabled` ==
// true -> sandbox_mode = "workspace-write". Nothing else is mapped. Dropped env keys and an
// `env` of the wrong type are described in `*notes`.
toml::table MapSettings(const nlohmann::json& settings, std::vector<std::string>* notes);

// The plan adding `incoming`'s missing keys to the config.toml at `path` (see
// InsertMissingKeys). Empty when nothing is missing. Errors: an invalid existing config.toml
// (kFailedPrecondition "invalid existing config.toml: ..."), an unreadable one, a target that
// cannot be created.
absl::StatusOr<ItemPlan> PlanConfigTomlInsert(const std::string& path, const toml::table& incoming,
                                              const Overlay* overlay);

// The CONFIG plan of `scope`: settings.json with settings.local.json merged over it (an invalid
// local file is ignored with a note, as Codex does), mapped and merged into config.toml.
// Empty when there are no settings or nothing to add. Errors name the file at fault.
absl::StatusOr<ItemPlan> PlanConfig(const Scope& scope, const Overlay* overlay);

}  // namespace threadlog::migrate

#endif  // THREADLOG_MIGRATE_CONFIG_MIGRATION_H_
