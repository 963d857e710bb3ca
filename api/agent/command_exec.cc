// CommandExecutor: command/exec's processes, one thread each, by connection and process id.
#include "api/agent/command_exec.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <utility>

#include "absl/strings/str_cat.h"
#include "api/agent/exec_process.h"
#include "api/agent/unified_exec.h"
#include "nlohmann/json.hpp"

namespace threadlog::agent {

struct CommandExecutor::Running {
  std::unique_ptr<ExecProcess> process;
  bool stream_stdin = false;
  std::atomic<bool> ended{false};  // the process exited: controls are too late
};

namespace {

// Codex names a client's process id as JSON ("\"p1\""), a generated one as its number.
std::string Shown(const std::string& process_id) {
  return process_id.starts_with('#') ? process_id.substr(1) : nlohmann::json(process_id).dump();
}

// `base` with the request's changes: a value sets, nullopt unsets.
std::vector<std::string> WithChanges(
    std::vector<std::string> env,
    const std::vector<std::pair<std::string, std::optional<std::string>>>& changes) {
  for (const auto& [name, value] : changes) {
    const std::string prefix = name + "=";
    std::erase_if(env, [&prefix](const std::string& e) { return e.starts_with(prefix); });
    if (value) env.push_back(prefix + *value);
  }
  return env;
}

// Codex's answer when the process cannot be started (the OS's words for a missing file).
absl::Status SpawnError(absl::string_view why) {
  return absl::InternalError(absl::StrCat("failed to spawn command: ", why));
}

}  // namespace

CommandExecutor::CommandExecutor(const Sandbox* sandbox, std::vector<std::string> base_env)
    : sandbox_(sandbox), base_env_(std::move(base_env)) {}

CommandExecutor::~CommandExecutor() { Shutdown(); }

void CommandExecutor::Shutdown() {
  std::vector<std::thread> threads;
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    for (auto& [key, running] : running_) running->process->Kill();
    threads.swap(threads_);
  }
  for (std::thread& t : threads) t.join();
}

absl::Status CommandExecutor::Start(uint64_t connection, CommandExecRequest request,
                                    Callbacks callbacks) {
  if (!request.process_id && (request.tty || request.stream_stdin || request.stream_output)) {
    return absl::InvalidArgumentError(
        "command/exec tty or streaming requires a client-supplied processId");
  }
  if (request.argv.empty()) return absl::InvalidArgumentError("command must not be empty");
  // The threads of commands that ended are joined here (and at the end).
  std::vector<std::thread> done;
  {
    absl::MutexLock lock(&mu_);
    for (auto it = threads_.begin(); it != threads_.end();) {
      if (std::find(ended_.begin(), ended_.end(), it->get_id()) != ended_.end()) {
        std::erase(ended_, it->get_id());
        done.push_back(std::move(*it));
        it = threads_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (std::thread& t : done) t.join();

  auto running = std::make_shared<Running>();
  running->stream_stdin = request.tty || request.stream_stdin;
  absl::MutexLock lock(&mu_);
  if (stopping_) return absl::UnavailableError("the server is shutting down");
  Key key{connection,
          request.process_id ? *request.process_id : absl::StrCat("#", next_generated_++)};
  if (running_.count(key) != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("duplicate active command/exec process id: ", Shown(key.second)));
  }
  ExecSpec spec;
  spec.argv = request.argv;
  spec.cwd = request.cwd;
  spec.env = WithChanges(base_env_, request.env);
  // What the OS would refuse, refused as Codex reports it.
  struct stat st {};
  if (::stat(request.cwd.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) ||
      ResolveProgram(request.argv[0], spec.env).empty()) {
    return SpawnError("No such file or directory (os error 2)");
  }
  if (absl::Status applied = sandbox_->Apply(request.policy, spec); !applied.ok()) {
    return SpawnError(applied.message());
  }
  spec.tty = request.tty;
  spec.split_stderr = !request.tty;
  spec.rows = request.rows;
  spec.cols = request.cols;
  absl::StatusOr<std::unique_ptr<ExecProcess>> process = ExecProcess::Start(spec);
  if (!process.ok()) return SpawnError(process.status().message());
  running->process = *std::move(process);
  // Without stdin streaming the command reads an empty input, as from /dev/null.
  if (!running->stream_stdin) running->process->CloseStdin();
  running_[key] = running;
  threads_.emplace_back([this, key, running, request = std::move(request),
                         callbacks = std::move(callbacks)]() mutable {
    Run(key, running, std::move(request), std::move(callbacks));
  });
  return absl::OkStatus();
}

void CommandExecutor::Run(const Key& key, std::shared_ptr<Running> running,
                          CommandExecRequest request, Callbacks callbacks) {
  const bool stream = request.tty || request.stream_output;
  // Per stream: what is kept for the answer, and how much of the cap is used.
  struct Stream {
    bool is_stderr = false;
    std::string kept;
    size_t seen = 0;
    bool capped = false;
  };
  Stream out, err;
  err.is_stderr = true;
  auto take = [&](Stream& s, std::string_view chunk) {
    if (s.capped) return;  // Codex stops reading a stream at its cap
    if (request.output_cap) {
      chunk = chunk.substr(0, std::min(chunk.size(), *request.output_cap - s.seen));
      s.seen += chunk.size();
      s.capped = s.seen == *request.output_cap;
    }
    if (stream) {
      if (callbacks.on_output) callbacks.on_output(s.is_stderr, chunk, s.capped);
    } else {
      s.kept.append(chunk);
    }
  };
  const std::function<void(std::string_view)> on_out = [&](std::string_view c) { take(out, c); };
  const std::function<void(std::string_view)> on_err = [&](std::string_view c) { take(err, c); };
  const absl::Time deadline =
      request.timeout ? absl::Now() + *request.timeout : absl::InfiniteFuture();
  bool timed_out = false;
  std::optional<ExecExit> exit;
  while (!exit) {
    exit = running->process->Collect(absl::Milliseconds(50), on_out, nullptr, on_err).exit;
    if (!exit && !timed_out && absl::Now() >= deadline) {
      timed_out = true;
      running->process->Kill();
    }
  }
  running->ended = true;
  CommandExecResult result;
  result.exit_code = timed_out ? 124 : exit->signal ? -1 : exit->code;
  result.stdout_text = LossyUtf8(out.kept);
  result.stderr_text = LossyUtf8(err.kept);
  if (callbacks.done) callbacks.done(result);
  absl::MutexLock lock(&mu_);
  running_.erase(key);
  ended_.push_back(std::this_thread::get_id());
}

absl::StatusOr<std::shared_ptr<CommandExecutor::Running>> CommandExecutor::Find(
    uint64_t connection, const std::string& process_id) {
  absl::MutexLock lock(&mu_);
  auto it = running_.find(Key{connection, process_id});
  if (it == running_.end()) {
    return absl::InvalidArgumentError(
        absl::StrCat("no active command/exec for process id ", Shown(process_id)));
  }
  if (it->second->ended) {
    return absl::InvalidArgumentError(
        absl::StrCat("command/exec ", Shown(process_id), " is no longer running"));
  }
  return it->second;
}

absl::Status CommandExecutor::Write(uint64_t connection, const std::string& process_id,
                                    std::string_view bytes, bool close_stdin) {
  absl::StatusOr<std::shared_ptr<Running>> running = Find(connection, process_id);
  if (!running.ok()) return running.status();
  if (!(*running)->stream_stdin) {
    return absl::InvalidArgumentError("stdin streaming is not enabled for this command/exec");
  }
  if (!bytes.empty()) {
    if ((*running)->process->stdin_closed()) {
      return absl::InvalidArgumentError("stdin is already closed");
    }
    if (absl::Status st = (*running)->process->Write(bytes); !st.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("command/exec ", Shown(process_id), " is no longer running"));
    }
  }
  if (close_stdin) (*running)->process->CloseStdin();
  return absl::OkStatus();
}

absl::Status CommandExecutor::Terminate(uint64_t connection, const std::string& process_id) {
  absl::StatusOr<std::shared_ptr<Running>> running = Find(connection, process_id);
  if (!running.ok()) return running.status();
  (*running)->process->Kill();
  return absl::OkStatus();
}

absl::Status CommandExecutor::Resize(uint64_t connection, const std::string& process_id,
                                     uint16_t rows, uint16_t cols) {
  absl::StatusOr<std::shared_ptr<Running>> running = Find(connection, process_id);
  if (!running.ok()) return running.status();
  if (absl::Status st = (*running)->process->Resize(rows, cols); !st.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("failed to resize PTY: ", st.message()));
  }
  return absl::OkStatus();
}

void CommandExecutor::ConnectionClosed(uint64_t connection) {
  absl::MutexLock lock(&mu_);
  for (auto& [key, running] : running_) {
    if (key.first == connection) running->process->Kill();
  }
}

}  // namespace threadlog::agent
