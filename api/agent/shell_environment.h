// ShellEnvironmentPolicy: config.toml's [shell_environment_policy] — which of the server's
// environment variables the commands the agent and the user run (exec_command, the user's
// shell commands, command/exec) start from, as Codex 0.117.0 derives it: inherit all, the core
// set or none; drop the default secret patterns unless told not to; drop `exclude`; add `set`;
// keep only `include_only`.
#ifndef THREADLOG_API_AGENT_SHELL_ENVIRONMENT_H_
#define THREADLOG_API_AGENT_SHELL_ENVIRONMENT_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace threadlog::agent {

// A plain value; the defaults are Codex's (everything inherited, nothing filtered).
struct ShellEnvironmentPolicy {
  enum class Inherit { kAll, kCore, kNone };
  Inherit inherit = Inherit::kAll;
  // false: names matching *KEY*, *SECRET* or *TOKEN* (in any case) are dropped first.
  bool ignore_default_excludes = true;
  std::vector<std::string> exclude;  // glob patterns (* ? [...]), matched without case
  std::vector<std::pair<std::string, std::string>> set;
  std::vector<std::string> include_only;  // when not empty, only matching names stay

  // `env` (NAME=value) as the policy leaves it, in its order (set's additions last).
  std::vector<std::string> Apply(const std::vector<std::string>& env) const;
};

// Whether environment variable `name` matches glob `pattern`, without regard to case.
bool EnvironmentPatternMatches(std::string_view pattern, std::string_view name);

// The [shell_environment_policy] table of the config.toml at `path`: the defaults when the file
// or the table is absent. Errors (kInvalidArgument, naming the key): a value of the wrong type,
// an unknown `inherit`, a file that is not TOML.
absl::StatusOr<ShellEnvironmentPolicy> ReadShellEnvironmentPolicy(const std::string& path);

}  // namespace threadlog::agent

#endif  // THREADLOG_API_AGENT_SHELL_ENVIRONMENT_H_
