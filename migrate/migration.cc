// Detect and import of a Claude Code setup into Codex: the items, their order, and the reports.
#include "migrate/migration.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "migrate/agents_md_migration.h"
#include "migrate/config_migration.h"
#include "migrate/mcp_migration.h"
#include "migrate/plan.h"
#include "migrate/skills_migration.h"

namespace threadlog::migrate {
namespace {

constexpr ItemType kScopeOrder[] = {ItemType::kConfig, ItemType::kMcpServerConfig,
                                    ItemType::kSkills, ItemType::kAgentsMd};

absl::StatusOr<ItemPlan> PlanItem(ItemType type, const Scope& scope, const Overlay* overlay) {
  switch (type) {
    case ItemType::kConfig:
      return PlanConfig(scope, overlay);
    case ItemType::kMcpServerConfig:
      return PlanMcpServers(scope, overlay);
    case ItemType::kSkills:
      return PlanSkills(scope);
    case ItemType::kAgentsMd:
      return PlanAgentsMd(scope);
  }
  return absl::InternalError("unknown item type");
}

// The description Codex 0.113.0 shows for the item (no final period).
std::string Describe(ItemType type, const Scope& scope, const ItemPlan& plan) {
  switch (type) {
    case ItemType::kConfig:
      return absl::StrCat("Migrate ", scope.settings_json, " into ", scope.config_toml);
    case ItemType::kMcpServerConfig:
      return absl::StrCat("Migrate MCP servers from ", scope.mcp_json, " into ", scope.config_toml);
    case ItemType::kSkills:
      return absl::StrCat("Copy skill folders from ", scope.skills_source, " to ",
                          scope.skills_target);
    case ItemType::kAgentsMd: {
      std::string source = plan.writes.empty() || plan.writes[0].added.empty()
                               ? scope.claude_md_candidates.front()
                               : plan.writes[0].added[0];
      return absl::StrCat("Import ", source, " to ", scope.agents_md);
    }
  }
  return "";
}

absl::Status JoinProblems(const std::vector<absl::Status>& problems) {
  if (problems.empty()) return absl::OkStatus();
  std::string message;
  for (const absl::Status& p : problems) {
    absl::StrAppend(&message, message.empty() ? "" : "; ", p.message());
  }
  return absl::Status(problems[0].code(), message);
}

// The scope of an item's or a detect call's cwd: home for "", else the repo root of `cwd`;
// std::nullopt when that directory does not exist.
absl::StatusOr<std::optional<Scope>> ScopeFor(const Environment& env, const std::string& cwd) {
  if (cwd.empty()) return std::optional<Scope>(HomeScope(env));
  absl::StatusOr<std::optional<std::string>> root = FindRepoRoot(cwd);
  if (!root.ok()) return root.status();
  if (!*root) return std::nullopt;
  return std::optional<Scope>(RepoScope(**root));
}

}  // namespace

std::string_view ItemTypeName(ItemType type) {
  switch (type) {
    case ItemType::kConfig:
      return "CONFIG";
    case ItemType::kMcpServerConfig:
      return "MCP_SERVER_CONFIG";
    case ItemType::kSkills:
      return "SKILLS";
    case ItemType::kAgentsMd:
      return "AGENTS_MD";
  }
  return "";
}

std::optional<ItemType> ParseItemType(std::string_view name) {
  for (ItemType t : kScopeOrder) {
    if (ItemTypeName(t) == name) return t;
  }
  return std::nullopt;
}

bool ImportReport::ok() const {
  return std::all_of(results.begin(), results.end(),
                     [](const ItemResult& r) { return r.status.ok(); });
}

bool ImportReport::changed() const {
  return std::any_of(results.begin(), results.end(),
                     [](const ItemResult& r) { return r.changed(); });
}

absl::StatusOr<DetectReport> Detect(const Environment& env, const DetectOptions& options) {
  if (absl::Status s = ValidateEnvironment(env); !s.ok()) return s;
  for (const std::string& cwd : options.cwds) {
    if (!absl::StartsWith(cwd, "/")) {
      return absl::InvalidArgumentError(absl::StrCat("cwd must be an absolute path: ", cwd));
    }
  }
  std::vector<std::string> scopes;  // "" = home
  if (options.include_home) scopes.push_back("");
  scopes.insert(scopes.end(), options.cwds.begin(), options.cwds.end());
  DetectReport report;
  for (const std::string& cwd : scopes) {
    absl::StatusOr<std::optional<Scope>> scope = ScopeFor(env, cwd);
    if (!scope.ok() || !*scope) {
      report.problems.push_back({std::nullopt, cwd,
                                 scope.ok()
                                     ? absl::NotFoundError(absl::StrCat(cwd, ": no such directory"))
                                     : scope.status()});
      continue;
    }
    const std::string item_cwd = (*scope)->root;
    for (ItemType type : kScopeOrder) {
      absl::StatusOr<ItemPlan> plan = PlanItem(type, **scope, nullptr);
      if (!plan.ok()) {
        report.problems.push_back({type, item_cwd, plan.status()});
        continue;
      }
      report.notes.insert(report.notes.end(), plan->notes.begin(), plan->notes.end());
      for (const absl::Status& p : plan->problems) report.problems.push_back({type, item_cwd, p});
      if (!plan->empty()) {
        report.items.push_back({type, Describe(type, **scope, *plan), item_cwd});
      }
    }
  }
  return report;
}

absl::StatusOr<ImportReport> Import(const Environment& env, const std::vector<MigrationItem>& items,
                                    const ImportOptions& options) {
  if (absl::Status s = ValidateEnvironment(env); !s.ok()) return s;
  for (const MigrationItem& item : items) {
    if (!item.cwd.empty() && !absl::StartsWith(item.cwd, "/")) {
      return absl::InvalidArgumentError(absl::StrCat("cwd must be an absolute path: ", item.cwd));
    }
  }
  ImportReport report;
  Overlay overlay;  // dry run: what earlier items would have written
  for (const MigrationItem& item : items) {
    ItemResult result;
    result.item = item;
    absl::StatusOr<std::optional<Scope>> scope = ScopeFor(env, item.cwd);
    if (!scope.ok()) {
      result.status = scope.status();
    } else if (*scope) {
      absl::StatusOr<ItemPlan> plan =
          PlanItem(item.type, **scope, options.dry_run ? &overlay : nullptr);
      if (!plan.ok()) {
        result.status = plan.status();
      } else {
        result.notes = plan->notes;
        for (const FileWrite& w : plan->writes) {
          result.added.insert(result.added.end(), w.added.begin(), w.added.end());
        }
        absl::Status status = JoinProblems(plan->problems);
        if (options.dry_run) {
          result.diff = PlanDiff(*plan);
          for (const FileWrite& w : plan->writes) {
            overlay[w.path] = w.new_content;
            result.written.push_back(w.path);
          }
          for (const TreeCreate& t : plan->trees) result.written.push_back(t.path);
        } else {
          absl::Status applied = ApplyPlan(*plan, options.fault_hook, &result.written);
          if (!applied.ok()) status = status.ok() ? applied : JoinProblems({applied, status});
        }
        result.status = status;
      }
    }
    report.results.push_back(std::move(result));
  }
  return report;
}

}  // namespace threadlog::migrate
