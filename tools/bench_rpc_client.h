// Benchmark JSON-RPC clients: a child app-server process on pipes, and stdio / WebSocket
// connections that time one request's round trip or hand every message to their caller.
#ifndef THREADLOG_TOOLS_BENCH_RPC_CLIENT_H_
#define THREADLOG_TOOLS_BENCH_RPC_CLIENT_H_

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace threadlog::bench {

// A server process with its stdin and stdout on pipes and its stderr in a file (so a chatty
// server never blocks on a pipe nobody reads, and its log can be quoted when it fails).
class ChildProcess {
 public:
  // Starts argv[0] (a path) with `env` added to this process's environment.
  static absl::StatusOr<std::unique_ptr<ChildProcess>> Spawn(
      const std::vector<std::string>& argv,
      const std::vector<std::pair<std::string, std::string>>& env, const std::string& stderr_path);
  ~ChildProcess();  // Stop()s the process if still running
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }  // -1 once stopped
  int stdin_fd() const { return stdin_fd_; }
  int stdout_fd() const { return stdout_fd_; }
  const std::string& stderr_path() const { return stderr_path_; }
  // The last lines of the stderr file, for error messages.
  std::string StderrTail() const;

  // Closes stdin (a stdio server's cue to stop), then SIGTERM after `grace`, then SIGKILL.
  // Returns once the process is reaped.
  void Stop(std::chrono::milliseconds grace = std::chrono::seconds(10));

 private:
  ChildProcess() = default;
  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  int stdout_fd_ = -1;
  std::string stderr_path_;
};

// One JSON-RPC client connection. Call keeps at most one request outstanding (what a latency
// benchmark wants: each sample is one round trip) and skips the notifications and server
// requests that arrive meanwhile; Send and Next are for a client that reads every message
// itself (turns: their notifications are what is measured).
class RpcConnection {
 public:
  virtual ~RpcConnection() = default;

  // Sends a request and waits for its answer. An error answer is kInternal quoting it: a
  // benchmark of error replies would measure nothing. `*latency_ms` gets the round trip from
  // just before the write to the arrival of the answer (parsing it is not counted).
  absl::StatusOr<nlohmann::json> Call(const std::string& method, const nlohmann::json& params,
                                      double* latency_ms = nullptr);
  // The Codex handshake: initialize (experimentalApi) then the initialized notification.
  absl::Status Initialize();

  // Writes a request and returns its id at once; its answer comes from Next, among the rest.
  absl::StatusOr<int64_t> Send(const std::string& method, const nlohmann::json& params);
  // Writes `message` (one JSON-RPC message, e.g. an answer to a server request) as is.
  absl::Status SendMessage(const std::string& message) { return Write(message); }
  // The next message the server sent, whatever it is, waiting until `deadline` at most
  // (kDeadlineExceeded then). A WebSocket connection waits its own timeout instead.
  absl::StatusOr<std::string> Next(std::chrono::steady_clock::time_point deadline) {
    return ReadUntil(deadline);
  }

 protected:
  virtual absl::Status Write(const std::string& message) = 0;
  // The next whole message (one JSONL line or one WebSocket message).
  virtual absl::StatusOr<std::string> Read() = 0;
  // Read with a deadline of the caller's instead of the connection's timeout.
  virtual absl::StatusOr<std::string> ReadUntil(
      std::chrono::steady_clock::time_point /*deadline*/) {
    return Read();
  }

 private:
  int64_t next_id_ = 1;
};

// A connection to a stdio server: writes lines to `child`'s stdin, reads lines from its stdout.
// `child` must outlive the connection. Reads time out after `timeout`.
std::unique_ptr<RpcConnection> StdioConnection(ChildProcess& child, std::chrono::seconds timeout);

// A WebSocket connection to ws://127.0.0.1:port/ (Boost.Beast, synchronous). Reads time out
// after `timeout`.
absl::StatusOr<std::unique_ptr<RpcConnection>> WsConnection(uint16_t port,
                                                            std::chrono::seconds timeout);

}  // namespace threadlog::bench

#endif  // THREADLOG_TOOLS_BENCH_RPC_CLIENT_H_
