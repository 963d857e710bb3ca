// MCP_SERVER_CONFIG: Claude Code mcpServers -> [mcp_servers.NAME] tables Codex does not have yet.
#ifndef THREADLOG_MIGRATE_MCP_MIGRATION_H_
#define THREADLOG_MIGRATE_MCP_MIGRATION_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "migrate/paths.h"
#include "migrate/plan.h"
#include "nlohmann/json.hpp"
#include "toml++/toml.h"

namespace threadlog::migrate {

// One Claude Code server definition as a Codex [mcp_servers.NAME] table:
//   stdio ({command, args?, env?, cwd?}) -> command, args, env (values as EnvValueToString;
//     a value "${NAME}" for key NAME becomes env_vars = ["NAME"], i.e. passed through);
//   http/sse ({url, headers?}) -> url; "Authorization: Bearer ${X}" -> bearer_token_env_var = "X";
//     other "${X}" headers -> env_http_headers; static headers -> http_headers.
// kInvalidArgument (naming the server) for a definition with neither command nor url.
absl::StatusOr<toml::table> MapMcpServer(const std::string& name, const nlohmann::json& server,
                                         std::vector<std::string>* notes);

// The MCP_SERVER_CONFIG plan of `scope`: servers of `mcpServers` in ~/.claude.json (home) or
// <root>/.mcp.json (repo) whose name is not yet under [mcp_servers] in the scope's config.toml.
// An existing server is never touched, even partly. A bad server definition is a problem of the
// plan; the others are still migrated.
absl::StatusOr<ItemPlan> PlanMcpServers(const Scope& scope, const Overlay* overlay);

}  // namespace threadlog::migrate

#endif  // THREADLOG_MIGRATE_MCP_MIGRATION_H_
