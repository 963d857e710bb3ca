// JSONL over a pair of file descriptors; reads poll so that a signal can end the loop.
#include "api/stdio_transport.h"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <iostream>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "api/jsonrpc.h"

namespace threadlog::api {
namespace {

class StdioConnection : public Connection {
 public:
  explicit StdioConnection(int out_fd) : out_fd_(out_fd) {}

  // Writes synchronously: a stdio client is the process that spawned us, and blocking it
  // behind its own unread output is the pipe's normal backpressure.
  void Send(std::string text) override {
    text.push_back('\n');
    absl::MutexLock lock(&mu_);
    if (broken_) return;
    const char* p = text.data();
    size_t left = text.size();
    while (left > 0) {
      ssize_t n = ::write(out_fd_, p, left);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        broken_ = true;  // the reader went away; drop further output
        return;
      }
      p += n;
      left -= static_cast<size_t>(n);
    }
  }
  std::string Describe() const override { return "stdio"; }

 private:
  const int out_fd_;
  absl::Mutex mu_;  // one message written whole at a time
  bool broken_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace

StdioTransport::StdioTransport(Dispatcher& dispatcher, int in_fd, int out_fd, size_t max_line_bytes)
    : dispatcher_(dispatcher), in_fd_(in_fd), out_fd_(out_fd), max_line_bytes_(max_line_bytes) {}

void StdioTransport::Run() {
  auto connection = std::make_shared<StdioConnection>(out_fd_);
  std::string pending;
  bool discarding = false;  // inside an over-long line, up to its newline
  char buf[64 * 1024];
  // `last`: no further input is already read, so the client is most likely waiting for this
  // answer; a request then runs on this thread (Placement::kHereIfIdle). A burst of lines goes
  // to the pool so that reading, and refusing when overloaded, goes on meanwhile.
  auto handle_line = [&](std::string_view line, bool last) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) return;
    try {
      dispatcher_.OnMessage(
          connection, line,
          last ? Dispatcher::Placement::kHereIfIdle : Dispatcher::Placement::kQueue);
    } catch (const std::exception& e) {
      // OnMessage does not throw by contract; if memory ran out, the next line may still work.
      std::cerr << "threadlog serve: stdio: a message was dropped: " << e.what() << std::endl;
    }
  };
  auto too_long = [&] {
    connection->Send(Encode(ErrorResponse{
        std::nullopt,
        ErrorFromStatus(absl::InvalidArgumentError(absl::StrCat(
            "Invalid request: message longer than ", max_line_bytes_, " bytes was discarded")))}));
  };
  while (!stop_) {
    pollfd pfd{in_fd_, POLLIN, 0};
    int ready = ::poll(&pfd, 1, 100);
    if (ready < 0 && errno != EINTR) break;
    if (ready <= 0) continue;
    ssize_t n = ::read(in_fd_, buf, sizeof buf);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) break;  // end of input: the client is done
    std::string_view chunk(buf, static_cast<size_t>(n));
    while (!chunk.empty()) {
      size_t nl = chunk.find('\n');
      std::string_view piece = chunk.substr(0, nl);
      if (!discarding) pending.append(piece);
      if (!discarding && pending.size() > max_line_bytes_) {
        pending.clear();
        discarding = true;
        too_long();
      }
      if (nl == std::string_view::npos) break;
      chunk.remove_prefix(nl + 1);
      if (!discarding) handle_line(pending, chunk.empty());
      pending.clear();
      discarding = false;
    }
  }
  if (!stop_ && !discarding && !pending.empty()) handle_line(pending, false);  // no newline
  dispatcher_.OnClosed(connection->id());
}

}  // namespace threadlog::api
