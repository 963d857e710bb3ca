// Where Claude Code and Codex keep things: the environment, repo roots and per-scope paths.
#include "migrate/paths.h"

#include <cstdlib>
#include <filesystem>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "migrate/file_io.h"

namespace threadlog::migrate {

std::string NormalizePath(const std::string& path) {
  std::string out = std::filesystem::path(path).lexically_normal().string();
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

absl::StatusOr<Environment> EnvironmentFromProcess() {
  const char* home = std::getenv("HOME");
  if (home == nullptr || *home == '\0') {
    return absl::FailedPreconditionError("HOME is not set; cannot find ~/.claude");
  }
  if (home[0] != '/') {
    return absl::FailedPreconditionError(absl::StrCat("HOME is not absolute: ", home));
  }
  Environment env;
  env.home = NormalizePath(home);
  const char* codex_home = std::getenv("CODEX_HOME");
  if (codex_home != nullptr && *codex_home != '\0') {
    std::error_code ec;
    env.codex_home = NormalizePath(std::filesystem::absolute(codex_home, ec).string());
    if (ec) return absl::FailedPreconditionError("cannot resolve CODEX_HOME: " + ec.message());
  } else {
    env.codex_home = JoinPath(env.home, ".codex");
  }
  return env;
}

absl::Status ValidateEnvironment(const Environment& env) {
  if (!absl::StartsWith(env.home, "/")) {
    return absl::InvalidArgumentError(absl::StrCat("home must be an absolute path: ", env.home));
  }
  if (!absl::StartsWith(env.codex_home, "/")) {
    return absl::InvalidArgumentError(
        absl::StrCat("codex home must be an absolute path: ", env.codex_home));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<std::string>> FindRepoRoot(const std::string& cwd) {
  if (!absl::StartsWith(cwd, "/")) {
    return absl::InvalidArgumentError(absl::StrCat("cwd must be an absolute path: ", cwd));
  }
  std::string dir = NormalizePath(cwd);
  absl::StatusOr<EntryKind> kind = ResolvedKindOf(dir);
  if (!kind.ok()) return kind.status();
  if (*kind == EntryKind::kMissing) return std::nullopt;
  if (*kind != EntryKind::kDirectory) dir = ParentPath(dir);
  for (std::string at = dir;; at = ParentPath(at)) {
    absl::StatusOr<EntryKind> git = EntryKindOf(JoinPath(at, ".git"));
    if (git.ok() && *git != EntryKind::kMissing) return at;
    if (at == "/") break;
  }
  return dir;
}

Scope HomeScope(const Environment& env) {
  Scope s;
  s.is_home = true;
  s.claude_dir = JoinPath(env.home, ".claude");
  s.settings_json = JoinPath(s.claude_dir, "settings.json");
  s.settings_local_json = JoinPath(s.claude_dir, "settings.local.json");
  s.config_toml = JoinPath(env.codex_home, "config.toml");
  s.mcp_json = JoinPath(env.home, ".claude.json");
  s.skills_source = JoinPath(s.claude_dir, "skills");
  // Codex puts user skills beside CODEX_HOME, not inside it: ~/.agents/skills by default.
  s.skills_target = JoinPath(JoinPath(ParentPath(env.codex_home), ".agents"), "skills");
  return s;
}

Scope RepoScope(const std::string& root) {
  Scope s;
  s.root = root;
  s.claude_dir = JoinPath(root, ".claude");
  s.settings_json = JoinPath(s.claude_dir, "settings.json");
  s.settings_local_json = JoinPath(s.claude_dir, "settings.local.json");
  s.config_toml = JoinPath(JoinPath(root, ".codex"), "config.toml");
  s.mcp_json = JoinPath(root, ".mcp.json");
  s.skills_source = JoinPath(s.claude_dir, "skills");
  s.skills_target = JoinPath(JoinPath(root, ".agents"), "skills");
  s.claude_md_candidates = {JoinPath(root, "CLAUDE.md"), JoinPath(s.claude_dir, "CLAUDE.md")};
  s.agents_md = JoinPath(root, "AGENTS.md");
  return s;
}

absl::Status CheckNotThroughSymlinkedClaudeDir(const Scope& scope, const std::string& source) {
  if (!absl::StartsWith(source, scope.claude_dir + "/")) return absl::OkStatus();
  absl::StatusOr<EntryKind> dir = EntryKindOf(scope.claude_dir);
  if (!dir.ok()) return dir.status();
  if (*dir != EntryKind::kSymlink) return absl::OkStatus();
  absl::StatusOr<EntryKind> target = ResolvedKindOf(source);
  if (target.ok() && *target == EntryKind::kMissing) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat(scope.claude_dir, " is a symlink; threadlog does not follow it (", source,
                   " not migrated). Migrate from the link's target directory instead"));
}

}  // namespace threadlog::migrate
