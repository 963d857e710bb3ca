// The command/exec methods (command/exec, command/exec/write, command/exec/terminate,
// command/exec/resize): params checked in Codex 0.117.0's words, then the CommandExecutor. A
// command/exec is answered once its process ended, after its output deltas.
#ifndef THREADLOG_API_COMMAND_EXEC_HANDLERS_H_
#define THREADLOG_API_COMMAND_EXEC_HANDLERS_H_

#include <string>

#include "api/agent/command_exec.h"
#include "api/method_registry.h"

namespace threadlog::api {

struct CommandExecDefaults {
  std::string server_cwd;                  // a command's cwd when it names none (absolute)
  std::string sandbox_mode = "read-only";  // config.toml's, when a command names no sandboxPolicy
};

// Registers the four methods. `executor` must outlive the registry.
void RegisterCommandExecHandlers(MethodRegistry& registry, agent::CommandExecutor& executor,
                                 CommandExecDefaults defaults);

}  // namespace threadlog::api

#endif  // THREADLOG_API_COMMAND_EXEC_HANDLERS_H_
