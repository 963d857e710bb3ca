// ExecProcess: one command the agent runs — spawned in a session and process group of its own,
// on a pseudo-terminal or on pipes, its output collected as it comes, its stdin written, and
// killed with its whole group; reaped, never left a zombie.
#ifndef THREADLOG_API_AGENT_EXEC_PROCESS_H_
#define THREADLOG_API_AGENT_EXEC_PROCESS_H_

#include <sys/types.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "api/agent/cancel_token.h"

namespace threadlog::agent {

struct ExecSpec {
  std::vector<std::string> argv;  // argv[0] is looked up in the PATH of `env`
  std::string cwd;                // absolute
  std::vector<std::string> env;   // "NAME=value": the child's whole environment
  // A pseudo-terminal as stdin, stdout and stderr (the child's controlling terminal), else
  // stdout and stderr on one pipe (interleaved as written) and stdin on another.
  bool tty = false;
  // Pipes only: stderr on a pipe of its own (Collect hands it to its on_error_chunk).
  bool split_stderr = false;
  // The terminal's first size (tty only), in character cells.
  uint16_t rows = 24;
  uint16_t cols = 80;
  // When set, the child's fd 3 is a file holding these bytes, read from its start (what
  // bubblewrap's `--seccomp 3` reads its system call filter from).
  std::optional<std::string> fd3_contents;
};

// The program `name` (argv[0]) names, looked up in the PATH of `env` as a child would see it;
// empty when nothing executable is found. A name with a slash is taken as it is.
std::string ResolveProgram(const std::string& name, const std::vector<std::string>& env);

// How a process ended: its exit status, or the signal that killed it.
struct ExecExit {
  int code = 0;               // WEXITSTATUS, or 128 + signal as a shell reports it
  std::optional<int> signal;  // set when a signal ended it
};

// Thread-safe: Collect runs on one thread at a time (a second caller waits for the first);
// Write and Kill may be called from any thread meanwhile. The destructor kills the group
// (SIGKILL) if the process is still running and reaps it.
class ExecProcess {
 public:
  // Forks and execs. Errors: kInvalidArgument for an empty argv or a relative cwd;
  // kInternal when the terminal, pipes or fork cannot be had. A program that cannot be executed
  // (not found, not executable) is not an error here: the child writes why to its output and
  // exits 127 (not found) or 126, as a shell does.
  static absl::StatusOr<std::unique_ptr<ExecProcess>> Start(const ExecSpec& spec);
  ~ExecProcess();
  ExecProcess(const ExecProcess&) = delete;
  ExecProcess& operator=(const ExecProcess&) = delete;

  struct Collected {
    std::string output;            // what was read during this call
    std::string error_output;      // split_stderr: what stderr gave during this call
    std::optional<ExecExit> exit;  // set once the process exited and its output is drained
  };
  // Reads output for at most `timeout` (0: only what is there now), handing each chunk to
  // `on_chunk` (stderr's to `on_error_chunk` with split_stderr) as it arrives (on this thread),
  // until the process exits and its output is drained, or the time passes, or `cancel` (may be
  // null) fires. Once the process exited every later call returns at once with `exit` set and
  // no output.
  Collected Collect(absl::Duration timeout, const std::function<void(std::string_view)>& on_chunk,
                    CancelToken* cancel,
                    const std::function<void(std::string_view)>& on_error_chunk = nullptr);

  // Writes to the process's stdin. Errors: kFailedPrecondition once it exited or its stdin is
  // closed; kDeadlineExceeded if it does not take the bytes within 5 s.
  absl::Status Write(std::string_view chars);
  // Closes stdin: a process reading it sees its end (on a terminal, later writes are refused).
  void CloseStdin();
  bool stdin_closed() const;
  // Sets the terminal's size (the foreground group gets SIGWINCH). Errors: kFailedPrecondition
  // for a process on pipes.
  absl::Status Resize(uint16_t rows, uint16_t cols);

  // SIGKILL to the whole process group (children the command started included). The next
  // Collect reaps it.
  void Kill();

  pid_t pid() const { return pid_; }
  bool tty() const { return tty_; }
  // The exit, once a Collect saw it.
  std::optional<ExecExit> exit() const;

 private:
  ExecProcess(pid_t pid, int output_fd, int error_fd, int input_fd, int terminal_fd, bool tty);
  // waitpid without blocking; records the exit. Requires collect_mu_.
  void Reap(bool block);

  const pid_t pid_;
  const bool tty_;
  absl::Mutex collect_mu_;  // one Collect at a time; guards output_fd_ reads
  int output_fd_;           // PTY master or the output pipe's read end; -1 once drained
  int error_fd_;            // split_stderr: stderr's read end; -1 once drained (or none)
  mutable absl::Mutex input_mu_;
  int input_fd_ ABSL_GUARDED_BY(input_mu_);  // PTY master (dup) or the input pipe's write end
  const int terminal_fd_;                    // tty: the PTY master (dup) for Resize; else -1
  mutable absl::Mutex state_mu_;
  std::optional<ExecExit> exit_ ABSL_GUARDED_BY(state_mu_);
  bool reaped_ ABSL_GUARDED_BY(state_mu_) = false;
};

}  // namespace threadlog::agent

#endif  // THREADLOG_API_AGENT_EXEC_PROCESS_H_
