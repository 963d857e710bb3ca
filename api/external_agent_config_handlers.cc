// externalAgentConfig/*: params checked with Codex's wording, then migrate::Detect / Import.
#include "api/external_agent_config_handlers.h"

#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "api/params.h"
#include "eventlog/absl_compat.h"
#include "migrate/api_json.h"
#include "migrate/migration.h"

namespace threadlog::api {
namespace {

using nlohmann::json;

// The enum of ExternalAgentConfigMigrationItemType, in the schema's order (Codex lists them so).
constexpr char kItemTypes[] = "`AGENTS_MD`, `CONFIG`, `SKILLS`, `MCP_SERVER_CONFIG`";

absl::StatusOr<migrate::DetectOptions> ParseDetect(const json& params) {
  if (absl::Status s = RequireObject(params, "ExternalAgentConfigDetectParams"); !s.ok()) {
    return s;
  }
  migrate::DetectOptions options;
  absl::StatusOr<std::optional<bool>> home = OptionalBool(params, "includeHome");
  if (!home.ok()) return home.status();
  options.include_home = home->value_or(false);
  absl::StatusOr<std::optional<std::vector<std::string>>> cwds =
      OptionalStringArray(params, "cwds");
  if (!cwds.ok()) return cwds.status();
  if (*cwds) options.cwds = **cwds;
  // Codex resolves a relative cwd against its own working directory; so do we.
  for (std::string& cwd : options.cwds) cwd = ResolveAgainstServerCwd(cwd);
  return options;
}

absl::StatusOr<std::vector<migrate::MigrationItem>> ParseImport(const json& params) {
  if (absl::Status s = RequireObject(params, "ExternalAgentConfigImportParams"); !s.ok()) {
    return s;
  }
  auto list = params.find("migrationItems");
  if (list == params.end()) return MissingField("migrationItems");
  if (!list->is_array()) return WrongType(*list, "a sequence");
  std::vector<migrate::MigrationItem> items;
  for (size_t i = 0; i < list->size(); ++i) {
    const json& entry = (*list)[i];
    if (!entry.is_object()) {
      return WrongType(entry, "struct ExternalAgentConfigMigrationItem");
    }
    absl::StatusOr<std::string> type = RequiredString(entry, "itemType");
    if (!type.ok()) return type.status();
    std::optional<migrate::ItemType> parsed = migrate::ParseItemType(*type);
    if (!parsed) {
      return absl::InvalidArgumentError(absl::StrCat("Invalid request: unknown variant `", *type,
                                                     "`, expected one of ", kItemTypes));
    }
    absl::StatusOr<std::string> description = RequiredString(entry, "description");
    if (!description.ok()) return description.status();
    absl::StatusOr<std::optional<std::string>> cwd = OptionalString(entry, "cwd");
    if (!cwd.ok()) return cwd.status();
    migrate::MigrationItem item;
    item.type = *parsed;
    item.description = *std::move(description);
    item.cwd = cwd->value_or("");
    if (!item.cwd.empty()) item.cwd = ResolveAgainstServerCwd(item.cwd);
    items.push_back(std::move(item));
  }
  return items;
}

std::string DescribeScope(const std::string& cwd) { return cwd.empty() ? "home" : cwd; }

}  // namespace

void RegisterExternalAgentConfigHandlers(MethodRegistry& registry,
                                         absl::StatusOr<migrate::Environment> env) {
  auto shared_env = std::make_shared<const absl::StatusOr<migrate::Environment>>(std::move(env));

  registry.Register<migrate::DetectOptions>(
      "externalAgentConfig/detect", ParseDetect,
      [shared_env](const migrate::DetectOptions& options, RequestContext&) -> absl::StatusOr<json> {
        if (!shared_env->ok()) return shared_env->status();
        absl::StatusOr<migrate::DetectReport> report = migrate::Detect(**shared_env, options);
        if (!report.ok()) return report.status();
        // Codex fails the whole call on a bad item; migrate/ lists the rest and reports these.
        for (const migrate::ItemProblem& problem : report->problems) {
          std::cerr << "threadlog serve: externalAgentConfig/detect: "
                    << (problem.type ? migrate::ItemTypeName(*problem.type) : "scope") << " ("
                    << DescribeScope(problem.cwd) << "): " << problem.status << "\n";
        }
        return migrate::DetectResponseToJson(*report);
      });

  registry.Register<std::vector<migrate::MigrationItem>>(
      "externalAgentConfig/import", ParseImport,
      [shared_env](const std::vector<migrate::MigrationItem>& items,
                   RequestContext&) -> absl::StatusOr<json> {
        if (!shared_env->ok()) return shared_env->status();
        absl::StatusOr<migrate::ImportReport> report =
            migrate::Import(**shared_env, items, migrate::ImportOptions{});
        if (!report.ok()) return report.status();
        // The 0.113.0 response has no per-item outcome: a failed item becomes the error (the
        // other items were still imported; running import again retries only what is left).
        std::vector<std::string> failures;
        absl::StatusCode code = absl::StatusCode::kOk;
        for (const migrate::ItemResult& result : report->results) {
          if (result.status.ok()) continue;
          if (code == absl::StatusCode::kOk) code = result.status.code();
          failures.push_back(absl::StrCat(ToAbsl(migrate::ItemTypeName(result.item.type)), " (",
                                          DescribeScope(result.item.cwd),
                                          "): ", result.status.message()));
        }
        if (!failures.empty()) {
          return absl::Status(code, absl::StrCat("externalAgentConfig/import failed for ",
                                                 absl::StrJoin(failures, "; ")));
        }
        return migrate::ImportResponseToJson(*report);
      });
}

}  // namespace threadlog::api
