// ServerRequests: the requests the server sends to its clients (item/tool/call, approvals) and
// the routing of their answers back to whoever waits — the API's side of agent::ClientRequests.
#ifndef THREADLOG_API_SERVER_REQUESTS_H_
#define THREADLOG_API_SERVER_REQUESTS_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "api/agent/turn_engine.h"
#include "api/connection_directory.h"
#include "api/jsonrpc.h"

namespace threadlog::api {

// Thread-safe. `clients` must outlive it. Every request is settled exactly once: by its
// client's answer, by that client's going away (ConnectionClosed), or by the destructor.
class ServerRequests final : public agent::ClientRequests {
 public:
  explicit ServerRequests(ConnectionDirectory& clients) : clients_(clients) {}
  ~ServerRequests() override;

  // Sends {id, method, params} to the connection `client` (ids are integers from 0, shared by
  // all connections, as Codex numbers them). kUnavailable at once when it is not connected.
  void Send(session::ClientId client, std::string method, nlohmann::json params,
            std::function<void(absl::StatusOr<nlohmann::json>)> done) override;
  // The same with `check` on the answer and serverRequest/resolved to the client once one
  // passes (agent::ClientRequests::Ask).
  std::function<void()> Ask(session::ClientId client, std::string method, nlohmann::json params,
                            std::string thread_id,
                            std::function<absl::Status(const nlohmann::json&)> check,
                            std::function<void(absl::StatusOr<nlohmann::json>)> done) override;

  // A Response or ErrorResponse that `connection` sent. Returns false when it answers nothing
  // this connection was asked (an unknown id, or a request sent to another connection): it
  // changes nothing then. An approval's answer that fails its check is refused (logged; the
  // request stays pending).
  bool OnAnswer(uint64_t connection, const Message& answer);

  // The connection is gone: what it was asked is settled with kUnavailable.
  void ConnectionClosed(uint64_t connection);

 private:
  struct Pending {
    uint64_t connection = 0;
    std::function<void(absl::StatusOr<nlohmann::json>)> done;
    std::string resolved_thread;  // approvals: serverRequest/resolved names it
    std::function<absl::Status(const nlohmann::json&)> check;
  };
  // The request's id, or nullopt when the client is not connected (`done` has run).
  std::optional<int64_t> SendPending(session::ClientId client, std::string method,
                                     nlohmann::json params, Pending pending);
  // Settles request `id` with kCancelled and tells its client serverRequest/resolved, if it is
  // still pending.
  void Withdraw(int64_t id);

  ConnectionDirectory& clients_;
  absl::Mutex mu_;
  int64_t next_id_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<int64_t, Pending> pending_ ABSL_GUARDED_BY(mu_);
};

}  // namespace threadlog::api

#endif  // THREADLOG_API_SERVER_REQUESTS_H_
