// ExecProcess: fork/exec in a new session, the terminal or pipes, polling reads, group kills.
#include "api/agent/exec_process.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <string_view>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace threadlog::agent {
namespace {

void CloseIfOpen(int fd) {
  if (fd >= 0) ::close(fd);
}

// In the child, between fork and exec: only async-signal-safe calls.
[[noreturn]] void ChildFail(const char* what, const char* name, int code) {
  const char* reason = std::strerror(errno);  // not async-signal-safe in theory; glibc's is
  auto put = [](const char* s) { (void)!::write(2, s, std::strlen(s)); };
  put(name);
  put(": ");
  put(what);
  put(reason);
  put("\n");
  ::_exit(code);
}

}  // namespace

// (execvp would use the server's own PATH.)
std::string ResolveProgram(const std::string& name, const std::vector<std::string>& env) {
  if (name.find('/') != std::string::npos) return name;
  absl::string_view path = "/usr/local/bin:/usr/bin:/bin";
  for (const std::string& e : env) {
    if (absl::StartsWith(e, "PATH=")) path = absl::string_view(e).substr(5);
  }
  for (absl::string_view dir : absl::StrSplit(path, ':')) {
    const std::string candidate = absl::StrCat(dir.empty() ? "." : dir, "/", name);
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

absl::StatusOr<std::unique_ptr<ExecProcess>> ExecProcess::Start(const ExecSpec& spec) {
  if (spec.argv.empty()) return absl::InvalidArgumentError("no command to run");
  if (spec.cwd.empty() || spec.cwd[0] != '/') {
    return absl::InvalidArgumentError(
        absl::StrCat("the working directory must be absolute: ", spec.cwd));
  }
  // Everything the child needs is made before fork: it may not allocate.
  const std::string program = ResolveProgram(spec.argv[0], spec.env);
  std::vector<char*> argv;
  for (const std::string& a : spec.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (const std::string& e : spec.env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  // fd3_contents: an anonymous file, written and rewound here (close-on-exec: only this child
  // gets it, as its fd 3).
  int fd3 = -1;
  if (spec.fd3_contents) {
    fd3 = ::memfd_create("threadlog-fd3", MFD_CLOEXEC);
    if (fd3 < 0) return absl::InternalError(absl::StrCat("no memfd: ", std::strerror(errno)));
    std::string_view rest = *spec.fd3_contents;
    while (!rest.empty()) {
      const ssize_t n = ::write(fd3, rest.data(), rest.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        const int err = errno;
        ::close(fd3);
        return absl::InternalError(absl::StrCat("cannot write the memfd: ", std::strerror(err)));
      }
      rest.remove_prefix(static_cast<size_t>(n));
    }
    ::lseek(fd3, 0, SEEK_SET);
  }
  // The server's copy goes whatever happens (the child exits or execs without returning here).
  struct CloseOnReturn {
    int fd;
    ~CloseOnReturn() { CloseIfOpen(fd); }
  } fd3_closer{fd3};

  int child_in = -1, child_out = -1, our_out = -1, our_in = -1;
  int child_err = -1, our_err = -1, terminal = -1;
  if (spec.tty) {
    struct winsize size {};
    size.ws_row = spec.rows;
    size.ws_col = spec.cols;
    int master = -1, slave = -1;
    if (::openpty(&master, &slave, nullptr, nullptr, &size) != 0) {
      return absl::InternalError(absl::StrCat("no pseudo-terminal: ", std::strerror(errno)));
    }
    ::fcntl(master, F_SETFD, FD_CLOEXEC);
    ::fcntl(slave, F_SETFD, FD_CLOEXEC);
    child_in = child_out = slave;
    our_out = master;
    our_in = ::fcntl(master, F_DUPFD_CLOEXEC, 0);
    terminal = ::fcntl(master, F_DUPFD_CLOEXEC, 0);
  } else {
    int out[2], in[2];
    if (::pipe2(out, O_CLOEXEC) != 0) {
      return absl::InternalError(absl::StrCat("no pipe: ", std::strerror(errno)));
    }
    if (::pipe2(in, O_CLOEXEC) != 0) {
      ::close(out[0]);
      ::close(out[1]);
      return absl::InternalError(absl::StrCat("no pipe: ", std::strerror(errno)));
    }
    our_out = out[0];
    child_out = out[1];
    child_in = in[0];
    our_in = in[1];
    if (spec.split_stderr) {
      int err[2];
      if (::pipe2(err, O_CLOEXEC) != 0) {
        const int e = errno;
        for (int fd : {out[0], out[1], in[0], in[1]}) ::close(fd);
        return absl::InternalError(absl::StrCat("no pipe: ", std::strerror(e)));
      }
      our_err = err[0];
      child_err = err[1];
    }
  }
  // The ends that are the server's and the child's, closed together on a failure.
  auto close_all = [&] {
    CloseIfOpen(child_out);
    if (child_in != child_out) CloseIfOpen(child_in);
    CloseIfOpen(child_err);
    CloseIfOpen(our_out);
    CloseIfOpen(our_in);
    CloseIfOpen(our_err);
    CloseIfOpen(terminal);
  };

  // Closed by the child's exec (or exit): once it reads EOF the child is in its own session, so a
  // kill of its group cannot miss it.
  int started[2];
  if (::pipe2(started, O_CLOEXEC) != 0) {
    const int err = errno;
    close_all();
    return absl::InternalError(absl::StrCat("no pipe: ", std::strerror(err)));
  }
  const pid_t pid = ::fork();
  if (pid < 0) {
    const int err = errno;
    close_all();
    ::close(started[0]);
    ::close(started[1]);
    return absl::InternalError(absl::StrCat("fork failed: ", std::strerror(err)));
  }
  if (pid == 0) {
    // A session of its own: a group that Kill reaches entirely, and (on a terminal) its
    // controlling terminal.
    ::setsid();
    if (spec.tty) ::ioctl(child_out, TIOCSCTTY, 0);
    ::dup2(child_in, 0);
    ::dup2(child_out, 1);
    ::dup2(child_err >= 0 ? child_err : child_out, 2);
    // The server blocks its stop signals and ignores SIGPIPE; the command starts clean.
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    for (int sig = 1; sig < NSIG; ++sig) ::signal(sig, SIG_DFL);
    // fd 3 for fd3_contents (`started` moved out of its way first).
    int started_fd = started[1];
    int first_closed = 3;
    if (fd3 >= 0) {
      if (started_fd == 3) started_fd = ::fcntl(3, F_DUPFD_CLOEXEC, 4);
      if (fd3 == 3) {
        ::fcntl(3, F_SETFD, 0);
      } else {
        ::dup2(fd3, 3);  // (the copy is not close-on-exec)
      }
      first_closed = 4;
    }
    // Everything else closes; `started` (close-on-exec) stays open until the exec.
    const int keep = started_fd >= first_closed ? started_fd : first_closed;
    if (keep > first_closed) {
      ::close_range(static_cast<unsigned>(first_closed), static_cast<unsigned>(keep - 1), 0);
    }
    ::close_range(static_cast<unsigned>(keep + 1), ~0U, 0);
    if (::chdir(spec.cwd.c_str()) != 0)
      ChildFail("cannot enter the working directory: ", spec.cwd.c_str(), 1);
    if (program.empty()) {
      errno = ENOENT;
      ChildFail("", spec.argv[0].c_str(), 127);
    }
    ::execve(program.c_str(), argv.data(), envp.data());
    ChildFail("", spec.argv[0].c_str(), errno == ENOENT ? 127 : 126);
  }
  // Ours: the child's ends are its own now.
  ::close(started[1]);
  char ignored;
  while (::read(started[0], &ignored, 1) < 0 && errno == EINTR) {
  }
  ::close(started[0]);
  ::close(child_out);
  if (child_in != child_out) ::close(child_in);
  CloseIfOpen(child_err);
  ::fcntl(our_out, F_SETFL, ::fcntl(our_out, F_GETFL) | O_NONBLOCK);
  ::fcntl(our_in, F_SETFL, ::fcntl(our_in, F_GETFL) | O_NONBLOCK);
  if (our_err >= 0) ::fcntl(our_err, F_SETFL, ::fcntl(our_err, F_GETFL) | O_NONBLOCK);
  return std::unique_ptr<ExecProcess>(
      new ExecProcess(pid, our_out, our_err, our_in, terminal, spec.tty));
}

ExecProcess::ExecProcess(pid_t pid, int output_fd, int error_fd, int input_fd, int terminal_fd,
                         bool tty)
    : pid_(pid),
      tty_(tty),
      output_fd_(output_fd),
      error_fd_(error_fd),
      input_fd_(input_fd),
      terminal_fd_(terminal_fd) {}

ExecProcess::~ExecProcess() {
  bool reaped;
  {
    absl::MutexLock lock(&state_mu_);
    reaped = reaped_;
  }
  if (!reaped) {
    ::kill(-pid_, SIGKILL);
    absl::MutexLock lock(&collect_mu_);
    Reap(/*block=*/true);
  }
  absl::MutexLock lock(&collect_mu_);
  CloseIfOpen(output_fd_);
  CloseIfOpen(error_fd_);
  CloseIfOpen(terminal_fd_);
  absl::MutexLock input_lock(&input_mu_);
  CloseIfOpen(input_fd_);
}

void ExecProcess::Reap(bool block) {
  {
    absl::MutexLock lock(&state_mu_);
    if (reaped_) return;
  }
  int status = 0;
  pid_t got;
  do {
    got = ::waitpid(pid_, &status, block ? 0 : WNOHANG);
  } while (got < 0 && errno == EINTR);
  if (got != pid_) return;
  ExecExit exit;
  if (WIFSIGNALED(status)) {
    exit.signal = WTERMSIG(status);
    exit.code = 128 + WTERMSIG(status);
  } else {
    exit.code = WEXITSTATUS(status);
  }
  // The group may live on (a command's background children): they go with it.
  ::kill(-pid_, SIGKILL);
  absl::MutexLock lock(&state_mu_);
  reaped_ = true;
  exit_ = exit;
}

std::optional<ExecExit> ExecProcess::exit() const {
  absl::MutexLock lock(&state_mu_);
  return exit_;
}

ExecProcess::Collected ExecProcess::Collect(
    absl::Duration timeout, const std::function<void(std::string_view)>& on_chunk,
    CancelToken* cancel, const std::function<void(std::string_view)>& on_error_chunk) {
  absl::MutexLock lock(&collect_mu_);
  Collected out;
  const absl::Time deadline = absl::Now() + timeout;
  char buffer[65536];
  // Reads what `fd` has now; false once it is drained (EOF, or EIO from a terminal whose other
  // side is gone), when it is closed and set to -1.
  auto drain_one = [&](int& fd, std::string& into,
                       const std::function<void(std::string_view)>& tell) -> bool {
    while (fd >= 0) {
      const ssize_t n = ::read(fd, buffer, sizeof(buffer));
      if (n > 0) {
        into.append(buffer, static_cast<size_t>(n));
        if (tell) tell(std::string_view(buffer, static_cast<size_t>(n)));
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
      ::close(fd);  // EOF, EIO
      fd = -1;
    }
    return false;
  };
  auto drain = [&]() -> bool {
    const bool output_open = drain_one(output_fd_, out.output, on_chunk);
    const bool error_open = drain_one(error_fd_, out.error_output, on_error_chunk);
    return output_open || error_open;
  };
  int idle_ms = 1;
  while (true) {
    const bool open = drain();
    Reap(/*block=*/false);
    std::optional<ExecExit> exited = exit();
    if (exited) {
      // What it wrote before it ended is in the buffer now; its background children may keep
      // the output open, so nothing is waited for.
      drain();
      out.exit = exited;
      return out;
    }
    const absl::Time now = absl::Now();
    if (now >= deadline || (cancel != nullptr && cancel->cancelled())) return out;
    // Slices of at most 50 ms: the exit (with the output still open) and cancellation are
    // noticed within that.
    const int wait_ms =
        static_cast<int>(std::min<int64_t>(50, absl::ToInt64Milliseconds(deadline - now) + 1));
    if (open) {
      struct pollfd p[2] = {{output_fd_, POLLIN, 0}, {error_fd_, POLLIN, 0}};
      ::poll(p, 2, wait_ms);  // (a negative fd is passed over)
    } else {
      // The output ended: the exit follows at once, as a rule (from 1 ms, doubling, to 50 ms
      // for a process that closed its output and runs on).
      ::usleep(static_cast<useconds_t>(std::min(wait_ms, idle_ms)) * 1000);
      idle_ms = std::min(idle_ms * 2, 50);
    }
  }
}

void ExecProcess::CloseStdin() {
  absl::MutexLock lock(&input_mu_);
  CloseIfOpen(input_fd_);
  input_fd_ = -1;
}

bool ExecProcess::stdin_closed() const {
  absl::MutexLock lock(&input_mu_);
  return input_fd_ < 0;
}

absl::Status ExecProcess::Resize(uint16_t rows, uint16_t cols) {
  if (terminal_fd_ < 0) {
    return absl::FailedPreconditionError("process is not attached to a PTY");
  }
  struct winsize size {};
  size.ws_row = rows;
  size.ws_col = cols;
  if (::ioctl(terminal_fd_, TIOCSWINSZ, &size) != 0) {
    return absl::InternalError(absl::StrCat("cannot resize the terminal: ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

absl::Status ExecProcess::Write(std::string_view chars) {
  if (exit()) return absl::FailedPreconditionError("the process has exited");
  absl::MutexLock input_lock(&input_mu_);
  if (input_fd_ < 0) return absl::FailedPreconditionError("stdin is already closed");
  // A pipe whose reader is gone raises SIGPIPE: blocked here, and taken back if it came.
  sigset_t pipe_only, old;
  sigemptyset(&pipe_only);
  sigaddset(&pipe_only, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_only, &old);
  absl::Status status;
  bool broken_pipe = false;
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (!chars.empty()) {
    const ssize_t n = ::write(input_fd_, chars.data(), chars.size());
    if (n > 0) {
      chars.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (absl::Now() >= deadline) {
        status = absl::DeadlineExceededError("the process does not read its input");
        break;
      }
      struct pollfd p {
        input_fd_, POLLOUT, 0
      };
      ::poll(&p, 1, 50);
      continue;
    }
    broken_pipe = errno == EPIPE;
    status = absl::FailedPreconditionError(
        absl::StrCat("the process's input is closed: ", std::strerror(errno)));
    break;
  }
  if (broken_pipe) {
    const struct timespec zero = {0, 0};
    sigtimedwait(&pipe_only, nullptr, &zero);
  }
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  return status;
}

void ExecProcess::Kill() {
  {
    absl::MutexLock lock(&state_mu_);
    if (reaped_) return;
  }
  ::kill(-pid_, SIGKILL);
}

}  // namespace threadlog::agent
