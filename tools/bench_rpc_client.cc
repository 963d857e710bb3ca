// Benchmark JSON-RPC clients: child processes on pipes, stdio and Beast WebSocket connections.
#include "tools/bench_rpc_client.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/memory/memory.h"
#include "absl/strings/str_cat.h"

extern char** environ;

namespace threadlog::bench {
namespace {

using Clock = std::chrono::steady_clock;

absl::Status Errno(const std::string& what) {
  return absl::InternalError(absl::StrCat(what, ": ", std::strerror(errno)));
}

class StdioRpc : public RpcConnection {
 public:
  StdioRpc(ChildProcess& child, std::chrono::seconds timeout) : child_(child), timeout_(timeout) {}

 protected:
  absl::Status Write(const std::string& message) override {
    std::string line = message + "\n";
    for (size_t done = 0; done < line.size();) {
      ssize_t n = ::write(child_.stdin_fd(), line.data() + done, line.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return Errno("writing to the server's stdin");
      done += static_cast<size_t>(n);
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::string> Read() override {
    absl::StatusOr<std::string> line = ReadUntil(Clock::now() + timeout_);
    if (absl::IsDeadlineExceeded(line.status())) {
      return absl::DeadlineExceededError(
          absl::StrCat("no answer from the server within ", timeout_.count(), " s"));
    }
    return line;
  }

  absl::StatusOr<std::string> ReadUntil(Clock::time_point deadline) override {
    for (;;) {
      if (size_t nl = buffer_.find('\n', scanned_); nl != std::string::npos) {
        std::string line = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        scanned_ = 0;
        return line;
      }
      scanned_ = buffer_.size();
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) return absl::DeadlineExceededError("nothing from the server in time");
      pollfd p{child_.stdout_fd(), POLLIN, 0};
      int ready = ::poll(&p, 1, static_cast<int>(left.count()));
      if (ready < 0 && errno == EINTR) continue;
      if (ready < 0) return Errno("poll");
      if (ready == 0) continue;
      char chunk[1 << 16];
      ssize_t n = ::read(child_.stdout_fd(), chunk, sizeof chunk);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return Errno("reading the server's stdout");
      if (n == 0) {
        return absl::UnavailableError(absl::StrCat(
            "the server closed its stdout; its stderr ends with:\n", child_.StderrTail()));
      }
      buffer_.append(chunk, static_cast<size_t>(n));
    }
  }

 private:
  ChildProcess& child_;
  std::chrono::seconds timeout_;
  std::string buffer_;
  size_t scanned_ = 0;  // bytes of buffer_ already known to hold no newline
};

namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = boost::asio::ip::tcp;

class WsRpc : public RpcConnection {
 public:
  WsRpc() : ws_(io_) {}

  absl::Status Connect(uint16_t port, std::chrono::seconds timeout) {
    beast::error_code ec;
    tcp::endpoint endpoint(boost::asio::ip::make_address("127.0.0.1"), port);
    beast::get_lowest_layer(ws_).connect(endpoint, ec);
    if (ec) return absl::UnavailableError(absl::StrCat("connect: ", ec.message()));
    // The synchronous Beast calls have no timeout of their own; the socket's keeps a stuck
    // server from hanging the benchmark.
    timeval tv{static_cast<time_t>(timeout.count()), 0};
    int fd = beast::get_lowest_layer(ws_).native_handle();
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    beast::get_lowest_layer(ws_).set_option(tcp::no_delay(true), ec);
    ws_.text(true);
    ws_.handshake(absl::StrCat("127.0.0.1:", port), "/", ec);
    if (ec) return absl::UnavailableError(absl::StrCat("WebSocket handshake: ", ec.message()));
    return absl::OkStatus();
  }

  ~WsRpc() override {
    beast::error_code ec;
    ws_.close(websocket::close_code::normal, ec);
  }

 protected:
  absl::Status Write(const std::string& message) override {
    beast::error_code ec;
    ws_.write(boost::asio::buffer(message), ec);
    if (ec) return absl::UnavailableError(absl::StrCat("WebSocket write: ", ec.message()));
    return absl::OkStatus();
  }

  absl::StatusOr<std::string> Read() override {
    beast::flat_buffer buffer;
    beast::error_code ec;
    ws_.read(buffer, ec);
    if (ec) return absl::UnavailableError(absl::StrCat("WebSocket read: ", ec.message()));
    return beast::buffers_to_string(buffer.data());
  }

 private:
  boost::asio::io_context io_;
  websocket::stream<tcp::socket> ws_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<ChildProcess>> ChildProcess::Spawn(
    const std::vector<std::string>& argv,
    const std::vector<std::pair<std::string, std::string>>& env, const std::string& stderr_path) {
  int in[2], out[2];
  if (pipe2(in, O_CLOEXEC) != 0) return Errno("pipe");
  if (pipe2(out, O_CLOEXEC) != 0) {
    close(in[0]);
    close(in[1]);
    return Errno("pipe");
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in[0], STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, stderr_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);

  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string entry = *e;
    bool replaced = false;
    for (const auto& [name, value] : env) replaced |= entry.rfind(name + "=", 0) == 0;
    if (!replaced) env_strings.push_back(std::move(entry));
  }
  for (const auto& [name, value] : env) env_strings.push_back(absl::StrCat(name, "=", value));
  std::vector<char*> envp, args;
  for (std::string& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_copy = argv;
  for (std::string& a : argv_copy) args.push_back(a.data());
  args.push_back(nullptr);

  pid_t pid = -1;
  int rc = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  close(in[0]);
  close(out[1]);
  if (rc != 0) {
    close(in[1]);
    close(out[0]);
    errno = rc;
    return Errno(absl::StrCat("starting ", argv[0]));
  }
  // WrapUnique: the constructor is private, so that every ChildProcess is a spawned one.
  std::unique_ptr<ChildProcess> child = absl::WrapUnique(new ChildProcess());
  child->pid_ = pid;
  child->stdin_fd_ = in[1];
  child->stdout_fd_ = out[0];
  child->stderr_path_ = stderr_path;
  return child;
}

ChildProcess::~ChildProcess() { Stop(); }

std::string ChildProcess::StderrTail() const {
  std::ifstream in(stderr_path_);
  std::stringstream text;
  text << in.rdbuf();
  std::string all = text.str();
  constexpr size_t kTail = 2000;
  return all.size() > kTail ? all.substr(all.size() - kTail) : all;
}

void ChildProcess::Stop(std::chrono::milliseconds grace) {
  if (stdin_fd_ >= 0) close(stdin_fd_);
  stdin_fd_ = -1;
  if (pid_ > 0) {
    const auto deadline = Clock::now() + grace;
    int status = 0;
    bool reaped = false;
    while (!reaped && Clock::now() < deadline) {
      reaped = waitpid(pid_, &status, WNOHANG) == pid_;
      if (!reaped) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (!reaped) {
      kill(pid_, SIGTERM);
      const auto term_deadline = Clock::now() + std::chrono::seconds(5);
      while (!reaped && Clock::now() < term_deadline) {
        reaped = waitpid(pid_, &status, WNOHANG) == pid_;
        if (!reaped) std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    }
    if (!reaped) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
    }
    pid_ = -1;
  }
  if (stdout_fd_ >= 0) close(stdout_fd_);
  stdout_fd_ = -1;
}

absl::StatusOr<nlohmann::json> RpcConnection::Call(const std::string& method,
                                                   const nlohmann::json& params,
                                                   double* latency_ms) {
  const int64_t id = next_id_++;
  nlohmann::json request = {{"id", id}, {"method", method}, {"params", params}};
  const std::string text = request.dump();
  const auto start = Clock::now();
  if (absl::Status s = Write(text); !s.ok()) return s;
  for (;;) {
    absl::StatusOr<std::string> message = Read();
    const auto arrived = Clock::now();
    if (!message.ok()) return message.status();
    nlohmann::json answer = nlohmann::json::parse(*message, nullptr, false);
    if (!answer.is_object() || answer.contains("method")) continue;  // notification, request
    auto it = answer.find("id");
    if (it == answer.end() || !it->is_number_integer() || it->get<int64_t>() != id) continue;
    if (latency_ms != nullptr) {
      *latency_ms = std::chrono::duration<double, std::milli>(arrived - start).count();
    }
    if (auto result = answer.find("result"); result != answer.end()) return std::move(*result);
    return absl::InternalError(
        absl::StrCat(method, " answered with an error: ", message->substr(0, 500)));
  }
}

absl::StatusOr<int64_t> RpcConnection::Send(const std::string& method,
                                            const nlohmann::json& params) {
  const int64_t id = next_id_++;
  nlohmann::json request = {{"id", id}, {"method", method}, {"params", params}};
  if (absl::Status s = Write(request.dump()); !s.ok()) return s;
  return id;
}

absl::Status RpcConnection::Initialize() {
  nlohmann::json params = {{"clientInfo", {{"name", "threadlog-bench"}, {"version", "1"}}},
                           {"capabilities", {{"experimentalApi", true}}}};
  absl::StatusOr<nlohmann::json> init = Call("initialize", params);
  if (!init.ok()) return init.status();
  return Write(R"({"method":"initialized"})");
}

std::unique_ptr<RpcConnection> StdioConnection(ChildProcess& child, std::chrono::seconds timeout) {
  return std::make_unique<StdioRpc>(child, timeout);
}

absl::StatusOr<std::unique_ptr<RpcConnection>> WsConnection(uint16_t port,
                                                            std::chrono::seconds timeout) {
  auto connection = std::make_unique<WsRpc>();
  if (absl::Status s = connection->Connect(port, timeout); !s.ok()) return s;
  return connection;
}

}  // namespace threadlog::bench
