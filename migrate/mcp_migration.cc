// MCP_SERVER_CONFIG: Claude Code mcpServers -> [mcp_servers.NAME] tables Codex does not have yet.
#include "migrate/mcp_migration.h"

#include <optional>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "migrate/config_migration.h"
#include "migrate/internal/absl_sv.h"
#include "migrate/json_file.h"
#include "migrate/toml_merge.h"

namespace threadlog::migrate {

using internal::Sv;
namespace {

// "${NAME}" -> NAME.
std::optional<std::string> EnvReference(std::string_view value) {
  if (value.size() < 4 || !absl::StartsWith(Sv(value), "${") || !absl::EndsWith(Sv(value), "}")) {
    return std::nullopt;
  }
  std::string_view name = value.substr(2, value.size() - 3);
  if (name.find_first_of("${} ") != std::string_view::npos) return std::nullopt;
  return std::string(name);
}

}  // namespace

absl::StatusOr<toml::table> MapMcpServer(const std::string& name, const nlohmann::json& server,
                                         std::vector<std::string>* notes) {
  if (!server.is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat("MCP server ", name, " is ", JsonTypeName(server), ", not an object"));
  }
  toml::table out;
  auto string_field = [&](const char* key) -> std::optional<std::string> {
    auto it = server.find(key);
    if (it == server.end() || !it->is_string()) return std::nullopt;
    return it->get<std::string>();
  };
  if (std::optional<std::string> command = string_field("command")) {
    out.insert("command", *command);
    if (auto args = server.find("args"); args != server.end() && args->is_array()) {
      toml::array list;
      for (const nlohmann::json& a : *args) {
        if (std::optional<std::string> s = EnvValueToString(a)) list.push_back(*s);
      }
      if (!list.empty()) out.insert("args", std::move(list));
    }
    if (auto env = server.find("env"); env != server.end() && env->is_object()) {
      toml::table env_table;
      toml::array env_vars;
      for (auto it = env->begin(); it != env->end(); ++it) {
        std::optional<std::string> v = EnvValueToString(it.value());
        if (!v) continue;
        if (EnvReference(*v) == it.key()) {
          env_vars.push_back(it.key());  // "${X}" for X: Codex passes X through by name
        } else {
          if (absl::StrContains(*v, "${")) {
            notes->push_back(absl::StrCat("MCP server ", name, ": env ", it.key(),
                                          " is copied literally; Codex does not expand ${...}"));
          }
          env_table.insert(it.key(), *v);
        }
      }
      if (!env_table.empty()) out.insert("env", std::move(env_table));
      if (!env_vars.empty()) out.insert("env_vars", std::move(env_vars));
    }
    if (std::optional<std::string> cwd = string_field("cwd")) out.insert("cwd", *cwd);
    return out;
  }
  if (std::optional<std::string> url = string_field("url")) {
    out.insert("url", *url);
    if (auto headers = server.find("headers"); headers != server.end() && headers->is_object()) {
      toml::table static_headers, env_headers;
      for (auto it = headers->begin(); it != headers->end(); ++it) {
        if (!it.value().is_string()) continue;
        std::string v = it.value().get<std::string>();
        if (absl::EqualsIgnoreCase(it.key(), "authorization") && absl::StartsWith(v, "Bearer ")) {
          if (std::optional<std::string> var = EnvReference(v.substr(7))) {
            out.insert("bearer_token_env_var", *var);
            continue;
          }
        }
        if (std::optional<std::string> var = EnvReference(v)) {
          env_headers.insert(it.key(), *var);
        } else {
          static_headers.insert(it.key(), v);
        }
      }
      if (!static_headers.empty()) out.insert("http_headers", std::move(static_headers));
      if (!env_headers.empty()) out.insert("env_http_headers", std::move(env_headers));
    }
    return out;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("MCP server ", name, " has neither a command nor a url; not migrated"));
}

absl::StatusOr<ItemPlan> PlanMcpServers(const Scope& scope, const Overlay* overlay) {
  absl::StatusOr<std::optional<nlohmann::json>> source = ReadJsonObjectFile(scope.mcp_json);
  if (!source.ok()) return source.status();
  if (!*source) return ItemPlan{};
  auto servers = (*source)->find("mcpServers");
  if (servers == (*source)->end()) return ItemPlan{};
  if (!servers->is_object()) {
    return absl::InvalidArgumentError(absl::StrCat(scope.mcp_json, ": mcpServers is ",
                                                   JsonTypeName(*servers), ", not an object"));
  }
  if (servers->empty()) return ItemPlan{};
  absl::StatusOr<std::optional<std::string>> existing_text =
      ReadPlannedFile(scope.config_toml, overlay);
  if (!existing_text.ok()) return existing_text.status();
  absl::StatusOr<toml::table> existing = ParseExistingToml(existing_text->value_or(""));
  if (!existing.ok()) {
    return absl::Status(existing.status().code(),
                        absl::StrCat(scope.config_toml, ": ", existing.status().message()));
  }
  ItemPlan result;
  const toml::node* have = existing->get("mcp_servers");
  if (have != nullptr && !have->is_table()) {
    result.notes.push_back(
        absl::StrCat("mcp_servers in ", scope.config_toml, " is not a table; no server added"));
    return result;
  }
  toml::table add;
  for (auto it = servers->begin(); it != servers->end(); ++it) {
    if (have != nullptr && have->as_table()->contains(it.key())) {
      result.notes.push_back(absl::StrCat("kept the existing MCP server ", it.key()));
      continue;
    }
    absl::StatusOr<toml::table> server = MapMcpServer(it.key(), it.value(), &result.notes);
    if (!server.ok()) {
      result.problems.push_back(server.status());
      continue;
    }
    add.insert(it.key(), *std::move(server));
  }
  if (add.empty()) return result;
  toml::table incoming;
  incoming.insert("mcp_servers", std::move(add));
  absl::StatusOr<ItemPlan> plan = PlanConfigTomlInsert(scope.config_toml, incoming, overlay);
  if (!plan.ok()) return plan.status();
  plan->notes.insert(plan->notes.begin(), result.notes.begin(), result.notes.end());
  plan->problems = std::move(result.problems);
  return plan;
}

}  // namespace threadlog::migrate
