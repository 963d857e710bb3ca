// `threadlog migrate detect|import`: a Claude Code setup into Codex (see migrate/README.md).
#include <filesystem>
#include <iostream>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "migrate/api_json.h"
#include "migrate/migration.h"
#include "tools/cli.h"

namespace threadlog::cli {
namespace {

namespace mg = ::threadlog::migrate;

struct MigrateOptions {
  std::vector<std::string> repos;
  bool no_home = false;
  bool json = false;
  bool dry_run = false;
};

std::string ScopeLabel(const std::string& cwd) { return cwd.empty() ? "home" : cwd; }

std::string ItemLabel(std::optional<mg::ItemType> type, const std::string& cwd) {
  return std::string(type ? mg::ItemTypeName(*type) : "SCOPE") + " [" + ScopeLabel(cwd) + "]";
}

// Detects with the CLI's options; relative --repo paths are resolved against the cwd here,
// because the library (like the JSON-RPC API) takes absolute paths only.
absl::StatusOr<mg::DetectReport> RunDetect(const MigrateOptions& options, mg::Environment* env) {
  absl::StatusOr<mg::Environment> e = mg::EnvironmentFromProcess();
  if (!e.ok()) return e.status();
  *env = *e;
  mg::DetectOptions detect;
  detect.include_home = !options.no_home;
  for (const std::string& repo : options.repos) {
    std::error_code ec;
    std::filesystem::path abs = std::filesystem::absolute(repo, ec);
    if (ec) return absl::InvalidArgumentError(absl::StrCat("--repo ", repo, ": ", ec.message()));
    detect.cwds.push_back(mg::NormalizePath(abs.string()));
  }
  return mg::Detect(*env, detect);
}

void PrintProblems(const mg::DetectReport& report) {
  for (const mg::ItemProblem& p : report.problems) {
    std::cerr << ItemLabel(p.type, p.cwd) << ": error: " << p.status.message() << "\n";
  }
}

int Detect(const MigrateOptions& options) {
  mg::Environment env;
  absl::StatusOr<mg::DetectReport> report = RunDetect(options, &env);
  if (!report.ok()) return ReportError(report.status());
  if (options.json) {
    std::cout << mg::DetectResponseToJson(*report).dump(2) << "\n";
  } else if (report->items.empty()) {
    std::cout << "Nothing to migrate.\n";
  } else {
    for (const mg::MigrationItem& item : report->items) {
      std::cout << ItemLabel(item.type, item.cwd) << ": " << item.description << "\n";
    }
  }
  PrintProblems(*report);
  return report->problems.empty() ? 0 : 1;
}

int Import(const MigrateOptions& options) {
  mg::Environment env;
  absl::StatusOr<mg::DetectReport> detected = RunDetect(options, &env);
  if (!detected.ok()) return ReportError(detected.status());
  PrintProblems(*detected);
  if (detected->items.empty()) {
    if (detected->problems.empty()) {
      std::cout << "Nothing to migrate: everything is already migrated; nothing was changed.\n";
      return 0;
    }
    std::cout << "Nothing was migrated.\n";
    return 1;
  }
  mg::ImportOptions import_options;
  import_options.dry_run = options.dry_run;
  absl::StatusOr<mg::ImportReport> report = mg::Import(env, detected->items, import_options);
  if (!report.ok()) return ReportError(report.status());
  size_t changed = 0, failed = 0;
  for (const mg::ItemResult& r : report->results) {
    const std::string label = ItemLabel(r.item.type, r.item.cwd);
    if (options.dry_run) {
      std::cout << r.diff;
      if (!r.status.ok()) std::cerr << label << ": error: " << r.status.message() << "\n";
    } else {
      if (r.changed()) {
        std::cout << label << ": " << (r.status.ok() ? "done" : "partly done") << ": wrote "
                  << absl::StrJoin(r.written, ", ");
        if (!r.added.empty() && r.item.type != mg::ItemType::kAgentsMd) {
          std::cout << " (added " << absl::StrJoin(r.added, ", ") << ")";
        }
        std::cout << "\n";
      } else if (r.status.ok()) {
        std::cout << label << ": nothing to do\n";
      }
      if (!r.status.ok()) std::cout << label << ": FAILED: " << r.status.message() << "\n";
      for (const std::string& note : r.notes) std::cout << label << ": note: " << note << "\n";
    }
    changed += r.changed() ? 1 : 0;
    failed += r.status.ok() ? 0 : 1;
  }
  failed += detected->problems.size();
  if (options.dry_run) {
    std::cout << "dry run: " << changed << " item(s) would change; nothing was written.\n";
  } else {
    std::cout << changed << " item(s) migrated, " << failed << " failed.\n";
  }
  return failed == 0 ? 0 : 1;
}

void AddScopeOptions(CLI::App* cmd, MigrateOptions* options) {
  cmd->add_option("--repo", options->repos,
                  "a repository (or any directory in it) to migrate; repeatable. Relative paths "
                  "are resolved against the current directory; the repo root is the nearest "
                  "ancestor holding .git");
  cmd->add_flag("--no-home", options->no_home,
                "skip the home scope (~/.claude -> $CODEX_HOME and ~/.agents)");
}

}  // namespace

void RegisterMigrate(CLI::App& app, GlobalOptions& /*global*/, Action* action) {
  auto options = std::make_shared<MigrateOptions>();
  CLI::App* cmd = app.add_subcommand(
      "migrate",
      "Migrate a Claude Code setup to Codex: settings.json -> config.toml, MCP servers, skills, "
      "CLAUDE.md -> AGENTS.md. Uses $HOME and $CODEX_HOME (default ~/.codex); never overwrites.");
  cmd->require_subcommand(1);
  CLI::App* detect = cmd->add_subcommand("detect", "List what would be migrated");
  AddScopeOptions(detect, options.get());
  detect->add_flag("--json", options->json,
                   "print the items as the externalAgentConfig/detect response");
  detect->callback([options, action] { *action = [options] { return Detect(*options); }; });
  CLI::App* import = cmd->add_subcommand("import", "Migrate everything detect lists");
  AddScopeOptions(import, options.get());
  import->add_flag("--dry-run", options->dry_run,
                   "print a unified diff of every file that would be created or changed; "
                   "touch nothing");
  import->callback([options, action] { *action = [options] { return Import(*options);
};
}  // namespace threadlog::cli
);
}

}  // namespace threadlog::cli
