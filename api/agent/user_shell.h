// UserShell: a command the user runs in a thread (thread/shellCommand) as Codex 0.117.0 runs
// it — `shell -lc COMMAND` outside the sandbox, in the thread's cwd — told as a commandExecution
// item (source userShell) while it runs, and kept for the model as a <user_shell_command>
// message and, for the Extended persistence mode, as exec_command_end.
#ifndef THREADLOG_API_AGENT_USER_SHELL_H_
#define THREADLOG_API_AGENT_USER_SHELL_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "api/agent/cancel_token.h"
#include "api/agent/turn_writer.h"
#include "nlohmann/json.hpp"

namespace threadlog::agent {

// A plain value.
struct UserShellCommand {
  std::string command;  // as the user typed it; not empty
  std::string cwd;      // absolute
  std::string shell = "/bin/bash";
  std::vector<std::string> env;  // the command's whole environment, NAME=value
  // `env` is a login shell's already (Codex's shell snapshot): the command runs as `shell -c`
  // rather than `shell -lc`. It is shown as -lc either way.
  bool env_is_login = false;
  int64_t max_output_tokens = 10000;  // the record's cut: the model's truncation policy
};

// The user message the model reads of a finished command in later requests, in Codex's words:
// "<user_shell_command>\n<command>\nCOMMAND\n</command>\n<result>\nExit code: N\nDuration:
// S.SSSS seconds\nOutput:\nOUTPUT\n</result>\n</user_shell_command>", the output cut as
// TruncateOutputTokens cuts it.
nlohmann::json UserShellRecord(const std::string& command, int exit_code, absl::Duration took,
                               std::string_view output, int64_t max_output_tokens);

// What a run leaves to be stored, in Codex's order for a command that is a turn of its own.
struct UserShellOutcome {
  TurnEvent record;      // the response_item (UserShellRecord)
  TurnEvent end;         // exec_command_end (kept by the Extended persistence mode)
  bool aborted = false;  // `cancel` fired: the process group was killed
};

// Runs `command` to its end — or until `cancel` fires, when its process group is killed and it
// is "command aborted by user" (exit code -1, as Codex reports it) — telling item/started, its
// output (item/commandExecution/outputDelta) and item/completed through `writer`, whose notifier
// names turn `turn_id`. Stores nothing. Errors: the process could not be started (nothing was
// told). Blocks; thread-compatible.
absl::StatusOr<UserShellOutcome> RunUserShell(const UserShellCommand& command,
                                              const std::string& turn_id, TurnWriter& writer,
                                              CancelToken& cancel);

}  // namespace threadlog::agent

#endif  // THREADLOG_API_AGENT_USER_SHELL_H_
