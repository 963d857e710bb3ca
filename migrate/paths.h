// Where Claude Code and Codex keep things: the environment, repo roots and per-scope paths.
#ifndef THREADLOG_MIGRATE_PATHS_H_
#define THREADLOG_MIGRATE_PATHS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace threadlog::migrate {

// The user's home and the Codex home, both absolute.
struct Environment {
  std::string home;        // $HOME: holds .claude/, .claude.json and (usually) .agents/
  std::string codex_home;  // $CODEX_HOME, default $HOME/.codex
};

// From $HOME and $CODEX_HOME (default "$HOME/.codex"), as Codex reads them. A relative
// CODEX_HOME is resolved against the process cwd. kFailedPrecondition when HOME is unset or
// relative.
absl::StatusOr<Environment> EnvironmentFromProcess();

// kInvalidArgument unless both paths are absolute.
absl::Status ValidateEnvironment(const Environment& env);

// `path` lexically normalised ("a/./b/" -> "a/b"), no trailing '/'.
std::string NormalizePath(const std::string& path);

// The repo root for the absolute directory `cwd`, as Codex finds it: the nearest ancestor
// (including `cwd`) holding a `.git` entry (directory or file); without one, `cwd` itself. A
// `cwd` that is a file is replaced by its parent. std::nullopt when `cwd` does not exist.
// Requires: `cwd` is absolute.
absl::StatusOr<std::optional<std::string>> FindRepoRoot(const std::string& cwd);

// Every path one scope reads from or writes to.
struct Scope {
  bool is_home = false;
  std::string root;  // repo root; empty for the home scope
  std::string claude_dir;
  std::string settings_json;
  std::string settings_local_json;
  std::string config_toml;
  std::string mcp_json;  // ~/.claude.json or <root>/.mcp.json
  std::string skills_source;
  std::string skills_target;
  std::vector<std::string> claude_md_candidates;  // first non-blank wins; empty for home
  std::string agents_md;                          // empty for home (repo scope only)
};

Scope HomeScope(const Environment& env);
Scope RepoScope(const std::string& root);

// kFailedPrecondition when `scope.claude_dir` is a symlink and `source` (a path under it)
// exists through it: threadlog does not follow a symlinked .claude. OK otherwise.
absl::Status CheckNotThroughSymlinkedClaudeDir(const Scope& scope, const std::string& source);

}  // namespace threadlog::migrate

#endif  // THREADLOG_MIGRATE_PATHS_H_
