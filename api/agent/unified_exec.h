// Unified exec: Codex 0.117.0's exec_command and write_stdin — their arguments, the processes a
// thread keeps running between calls (and between turns) by session id, the output each call
// hands the model and its text (tests/agent/golden/EXEC_117.md).
#ifndef THREADLOG_API_AGENT_UNIFIED_EXEC_H_
#define THREADLOG_API_AGENT_UNIFIED_EXEC_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "api/agent/cancel_token.h"
#include "api/agent/exec_process.h"

namespace threadlog::agent {

// exec_command's arguments. Errors as Codex words them ("failed to parse function arguments:
// missing field `cmd` at line 1 column 16").
struct ExecCommandArgs {
  std::string cmd;
  std::optional<std::string> workdir;
  std::optional<std::string> shell;
  bool login = true;
  bool tty = false;
  std::optional<double> yield_time_ms;
  std::optional<double> max_output_tokens;
  std::optional<std::string> sandbox_permissions;       // use_default | require_escalated
  std::optional<std::string> justification;             // the question the user is asked
  std::optional<std::vector<std::string>> prefix_rule;  // the amendment the model proposes
};
absl::StatusOr<ExecCommandArgs> ParseExecCommandArgs(std::string_view arguments);

struct WriteStdinArgs {
  int64_t session_id = 0;
  std::string chars;
  std::optional<double> yield_time_ms;
  std::optional<double> max_output_tokens;
};
absl::StatusOr<WriteStdinArgs> ParseWriteStdinArgs(std::string_view arguments);

// A tool call's required string argument `name` (view_image's `path`), read as serde reads it:
// the same "failed to parse function arguments: ..." errors.
absl::StatusOr<std::string> RequiredStringArgument(std::string_view arguments,
                                                   std::string_view name);

// How long a call waits for output: exec_command 10 s unless told, at least 250 ms; an empty
// write_stdin (a poll) at least 5 s; 30 s at most (5 min for a poll).
absl::Duration ExecYield(std::optional<double> yield_time_ms);
absl::Duration WriteStdinYield(std::optional<double> yield_time_ms, bool empty_chars);

// A command's environment: `base` (NAME=value) with Codex 0.117.0's overlay — NO_COLOR=1,
// TERM=dumb, LANG/LC_CTYPE/LC_ALL=C.UTF-8, COLORTERM=, PAGER/GIT_PAGER/GH_PAGER=cat, CODEX_CI=1 —
// and CODEX_THREAD_ID. For a login shell the overlay only adds what `base` lacks: Codex runs it
// from a snapshot of a login shell's exports, which win over the overlay (EXEC_117.md §7).
std::vector<std::string> ExecEnvironment(const std::vector<std::string>& base, bool login,
                                         const std::string& thread_id);

// The environment of `shell` run as a login shell from `base` (its profile scripts run once,
// here, not before every command: Codex's shell snapshot), as NAME=value; the variables bash
// sets for itself (PWD, OLDPWD, SHLVL, _) left out. Errors: the shell could not be run, or did
// not finish within 10 s.
absl::StatusOr<std::vector<std::string>> LoginShellEnvironment(
    const std::string& shell, const std::vector<std::string>& base);

// The bytes as UTF-8, each byte that is not part of a valid sequence replaced by U+FFFD.
std::string LossyUtf8(std::string_view bytes);

// What one call read, and how the model reads it.
struct ExecOutputReport {
  std::string command;  // the argv as a shell string
  absl::Duration wall;  // how long the call waited
  std::optional<int> exit_code;
  std::optional<int64_t> session_id;  // while the process runs
  std::string output;                 // what was read (UTF-8)
  int64_t max_output_tokens = 10000;
};
// "Command: …\nChunk ID: …\nWall time: …\nProcess exited with code N\nOriginal token count: …
// \nOutput:\n…", the output cut to max_output_tokens × 4 bytes (head and tail halves) as Codex
// cuts it.
std::string FormatExecOutput(const ExecOutputReport& report);
// The output part of it: `output` whole when it is at most max_tokens × 4 bytes, else "Total
// output lines: N\n\n" and its first and last halves of that around "…K tokens truncated…".
std::string TruncateOutputTokens(std::string_view output, int64_t max_tokens);

// A process the thread keeps: started by one exec_command, read by it and later write_stdin
// calls. Thread-safe. A reader thread drains the output as it comes (to the observer, and for
// the next call), and reports the exit once.
class ExecSession {
 public:
  struct Observer {
    // Each piece of output as it is read, as UTF-8 (a character split between reads is held
    // until it is whole). On the reader thread.
    std::function<void(std::string_view)> on_output;
    // Once, when the process has exited and its output is drained: the exit and everything it
    // wrote (its first and last 512 KiB when more), before any waiting call returns it.
    std::function<void(const ExecExit&, const std::string& aggregated, absl::Duration ran)> on_exit;
  };

  ~ExecSession();  // kills the process group and joins the reader
  ExecSession(const ExecSession&) = delete;
  ExecSession& operator=(const ExecSession&) = delete;

  int64_t id() const { return id_; }

  struct Read {
    std::string output;            // read since the last call (first and last 512 KiB of it)
    std::optional<ExecExit> exit;  // the process ended and all its output is in
    absl::Duration waited;
  };
  // Waits for the exit, until `deadline`, or until `cancel` fires, and takes what was read
  // since the last call.
  Read ReadUntil(absl::Time deadline, CancelToken* cancel);
  // Waits for the exit (the observer has heard it by then) until `deadline`, taking nothing:
  // the exit, or nullopt while the process runs.
  std::optional<ExecExit> WaitForExit(absl::Time deadline);
  absl::Time started() const { return started_; }
  absl::Status Write(std::string_view chars) { return process_->Write(chars); }
  // SIGKILL to the process group; the exit is reported as for any other.
  void Kill() { process_->Kill(); }
  // What the starter keeps with the session (the tool dispatcher: who hears of it), for the
  // later calls that find it by id.
  const std::shared_ptr<void>& attachment() const { return attachment_; }

 private:
  friend class ExecSessions;
  ExecSession(int64_t id, std::unique_ptr<ExecProcess> process, Observer observer,
              std::shared_ptr<void> attachment);
  void ReadLoop();

  const int64_t id_;
  const std::unique_ptr<ExecProcess> process_;
  const Observer observer_;
  const std::shared_ptr<void> attachment_;
  const absl::Time started_ = absl::Now();
  mutable absl::Mutex mu_;
  std::string unread_ ABSL_GUARDED_BY(mu_);       // head of what the next call gets
  std::string unread_tail_ ABSL_GUARDED_BY(mu_);  // its last 512 KiB once the head is full
  std::optional<ExecExit> exit_ ABSL_GUARDED_BY(mu_);
  std::thread reader_;
};

// The processes of one thread, by session id. Thread-safe.
class ExecSessions {
 public:
  ExecSessions() = default;
  ~ExecSessions() { KillAll(); }
  ExecSessions(const ExecSessions&) = delete;
  ExecSessions& operator=(const ExecSessions&) = delete;

  // Starts `spec` under a fresh session id (a random number, as Codex's). Errors:
  // ExecProcess::Start's.
  absl::StatusOr<std::shared_ptr<ExecSession>> Start(const ExecSpec& spec,
                                                     ExecSession::Observer observer,
                                                     std::shared_ptr<void> attachment = nullptr);
  // The session, while it is kept (until a call took its exit, or it was killed).
  std::shared_ptr<ExecSession> Find(int64_t id) const;
  void Forget(int64_t id);
  // Kills every process and waits until each is reaped (its exit reported); they are forgotten.
  // Returns how many there were.
  int KillAll();
  int size() const;

  // Commands the user approved for the rest of the session (acceptForSession): the same argv
  // runs without asking again.
  void ApproveForSession(const std::vector<std::string>& argv);
  bool ApprovedForSession(const std::vector<std::string>& argv) const;

 private:
  mutable absl::Mutex mu_;
  std::map<int64_t, std::shared_ptr<ExecSession>> sessions_ ABSL_GUARDED_BY(mu_);
  std::set<std::vector<std::string>> approved_ ABSL_GUARDED_BY(mu_);
};

}  // namespace threadlog::agent

#endif  // THREADLOG_API_AGENT_UNIFIED_EXEC_H_
