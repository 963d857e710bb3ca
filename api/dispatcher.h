// Dispatcher: turns inbound messages of every connection into handler calls — decode, handshake,
// experimental gate, registry lookup — runs them on a worker pool in per-connection order, and
// bounds the work queued so a flooded server answers -32001 instead of growing without limit.
#ifndef THREADLOG_API_DISPATCHER_H_
#define THREADLOG_API_DISPATCHER_H_

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "api/connection.h"
#include "api/jsonrpc.h"
#include "api/method_registry.h"
#include "api/session/notification_sink.h"

namespace threadlog::api {

class Dispatcher {
 public:
  struct Options {
    size_t threads = 4;          // worker threads running handlers
    size_t max_in_flight = 256;  // requests queued or running, all connections together
    // Called (on a transport thread) when a connection is gone, with its id.
    std::function<void(uint64_t connection_id)> on_connection_closed;
    // Called (on a transport thread) with a client's answer (Response or ErrorResponse) to a
    // request the server sent; returns false when it answers nothing that client was asked.
    std::function<bool(uint64_t connection_id, const Message& answer)> on_answer;
  };

  // `registry` and `notifications` (where handlers' notifications go) must outlive the
  // dispatcher.
  Dispatcher(const MethodRegistry& registry, session::NotificationSink& notifications,
             Options options);
  // Drains, then joins the workers.
  ~Dispatcher();
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  // Where a request may run.
  enum class Placement {
    kQueue,       // on the pool (the caller's thread serves other connections)
    kHereIfIdle,  // on the caller's thread when the connection has nothing queued or running:
                  // for a transport thread dedicated to one connection with no more input
                  // waiting, where the client is blocked on this answer
  };

  // Handles one inbound message of `connection`, as read from its transport. Requests run one
  // at a time per connection in arrival order (so initialize is seen by the next request), on
  // the pool or (see Placement) on the caller's thread; answers go back through
  // connection->Send(). Never throws; thread-safe.
  void OnMessage(const std::shared_ptr<Connection>& connection, std::string_view text,
                 Placement placement = Placement::kQueue);

  // The transport lost `connection`: forget it (Options::on_connection_closed). Its queued
  // requests still run (their answers are dropped by the transport).
  void OnClosed(uint64_t connection_id);

  // From now on requests are refused ("Server is shutting down"), so that Drain() terminates.
  void StopAccepting();
  // Blocks until no request is queued or running.
  void Drain();

 private:
  struct Lane;  // a connection's FIFO of requests
  void Run(const std::shared_ptr<Connection>& connection, const Request& request);
  void Finish(Lane* lane);  // lane: the one the request was queued on; nullptr if run in place

  const MethodRegistry& registry_;
  session::NotificationSink& notifications_;
  Options options_;
  struct Pool;
  std::unique_ptr<Pool> pool_;

  // Also guards each Lane's `queued` count.
  absl::Mutex mu_;
  size_t in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  bool accepting_ ABSL_GUARDED_BY(mu_) = true;
  std::map<uint64_t, std::shared_ptr<Lane>> lanes_ ABSL_GUARDED_BY(mu_);
};

}  // namespace threadlog::api

#endif  // THREADLOG_API_DISPATCHER_H_
