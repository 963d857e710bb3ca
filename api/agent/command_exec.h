// CommandExecutor: command/exec — commands a client runs on the server outside any thread or
// turn, each in the sandbox it names, their output buffered or streamed, their stdin, terminal
// and life in the client's hands (command/exec/write, resize, terminate), as Codex 0.117.0
// runs them. A command belongs to the connection that started it and ends with it.
#ifndef THREADLOG_API_AGENT_COMMAND_EXEC_H_
#define THREADLOG_API_AGENT_COMMAND_EXEC_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "api/agent/sandbox.h"

namespace threadlog::agent {

// A plain value.
struct CommandExecRequest {
  std::vector<std::string> argv;  // not empty
  std::string cwd;                // absolute
  // Changes to the server's environment: a value sets the variable, nullopt unsets it.
  std::vector<std::pair<std::string, std::optional<std::string>>> env;
  std::optional<std::string> process_id;  // the client's; required for tty and streaming
  bool tty = false;                       // a terminal (implies both streams)
  bool stream_stdin = false;              // command/exec/write may write to it
  bool stream_output = false;             // output as command/exec/outputDelta, not buffered
  uint16_t rows = 24;                     // tty: the terminal's first size
  uint16_t cols = 80;
  SandboxPolicy policy;
  std::optional<size_t> output_cap = size_t{1} << 20;         // per stream; nullopt: none
  std::optional<absl::Duration> timeout = absl::Seconds(10);  // nullopt: none
};

// The final answer. Output that was streamed is not repeated here.
struct CommandExecResult {
  int exit_code = 0;  // 124 when the timeout killed it, -1 when a signal did
  std::string stdout_text;
  std::string stderr_text;
};

// Thread-safe. `sandbox` must outlive it. The destructor kills every command and waits for it
// (Shutdown).
class CommandExecutor {
 public:
  struct Callbacks {
    // Each streamed chunk in order (stream_output or tty), on the command's own thread;
    // `cap_reached` on the last chunk of a stream output_cap cut.
    std::function<void(bool is_stderr, std::string_view bytes, bool cap_reached)> on_output;
    // Once, after the last on_output, when the command has ended.
    std::function<void(const CommandExecResult&)> done;
  };

  // `base_env`: the environment commands start from (NAME=value), before the request's changes.
  CommandExecutor(const Sandbox* sandbox, std::vector<std::string> base_env);
  ~CommandExecutor();
  CommandExecutor(const CommandExecutor&) = delete;
  CommandExecutor& operator=(const CommandExecutor&) = delete;

  // Starts the command on a thread of its own; `callbacks.done` comes later. Errors, in Codex's
  // words, with nothing started: kInvalidArgument "command must not be empty", "command/exec tty
  // or streaming requires a client-supplied processId", "duplicate active command/exec process
  // id: \"ID\""; kInternal "failed to spawn command: ..." (no such program or working
  // directory, the sandbox cannot run).
  absl::Status Start(uint64_t connection, CommandExecRequest request, Callbacks callbacks);
  // command/exec/write: `bytes` to stdin, then closes it when asked. Errors (kInvalidArgument):
  // "no active command/exec for process id \"ID\"", "stdin streaming is not enabled for this
  // command/exec", "stdin is already closed", "command/exec \"ID\" is no longer running".
  absl::Status Write(uint64_t connection, const std::string& process_id, std::string_view bytes,
                     bool close_stdin);
  // command/exec/terminate: kills it (it answers with exit code -1). Errors as Write's.
  absl::Status Terminate(uint64_t connection, const std::string& process_id);
  // command/exec/resize. Errors as Write's, and "failed to resize PTY: process is not attached
  // to a PTY".
  absl::Status Resize(uint64_t connection, const std::string& process_id, uint16_t rows,
                      uint16_t cols);
  // The connection is gone: its commands are killed.
  void ConnectionClosed(uint64_t connection);
  // Kills every command and waits until each has ended (its `done` run): before the
  // connections' transport goes, so that no answer is sent through one that is gone. Later
  // Starts are refused. Idempotent; the destructor calls it.
  void Shutdown();

 private:
  struct Running;
  using Key = std::pair<uint64_t, std::string>;  // connection, process id ("#N" when generated)
  void Run(const Key& key, std::shared_ptr<Running> running, CommandExecRequest request,
           Callbacks callbacks);
  absl::StatusOr<std::shared_ptr<Running>> Find(uint64_t connection, const std::string& process_id);

  const Sandbox* const sandbox_;
  const std::vector<std::string> base_env_;
  absl::Mutex mu_;
  std::map<Key, std::shared_ptr<Running>> running_ ABSL_GUARDED_BY(mu_);
  std::vector<std::thread> threads_ ABSL_GUARDED_BY(mu_);  // joined once their command ended
  std::vector<std::thread::id> ended_ ABSL_GUARDED_BY(mu_);
  int64_t next_generated_ ABSL_GUARDED_BY(mu_) = 1;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace threadlog::agent

#endif  // THREADLOG_API_AGENT_COMMAND_EXEC_H_
