// StdioTransport: the default transport — one connection, JSONL on stdin/stdout.
#ifndef THREADLOG_API_STDIO_TRANSPORT_H_
#define THREADLOG_API_STDIO_TRANSPORT_H_

#include <atomic>
#include <cstddef>

#include "api/dispatcher.h"

namespace threadlog::api {

class StdioTransport {
 public:
  // Reads requests from `in_fd`, writes answers to `out_fd` (one JSON per line). `dispatcher`
  // must outlive this. A line longer than `max_line_bytes` is discarded with an error.
  StdioTransport(Dispatcher& dispatcher, int in_fd, int out_fd, size_t max_line_bytes);

  // The read loop, on the calling thread. Returns at end of input or soon after Stop(); the
  // caller then drains the dispatcher (answers still go out: writes are synchronous).
  void Run();
  // Thread-safe; makes Run() return within ~100 ms.
  void Stop() { stop_ = true; }

 private:
  Dispatcher& dispatcher_;
  int in_fd_;
  int out_fd_;
  size_t max_line_bytes_;
  std::atomic<bool> stop_{false};
};

}  // namespace threadlog::api

#endif  // THREADLOG_API_STDIO_TRANSPORT_H_
