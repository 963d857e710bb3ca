// ConnectionDirectory: every initialized connection, by id: how a notification reaches the
// clients the thread-write service names (it is the service's NotificationSink), and the
// notifications Codex sends to all clients (account/login/completed, account/updated).
#ifndef THREADLOG_API_CONNECTION_DIRECTORY_H_
#define THREADLOG_API_CONNECTION_DIRECTORY_H_

#include <map>
#include <memory>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "api/connection.h"
#include "api/session/notification_sink.h"
#include "nlohmann/json.hpp"

namespace threadlog::api {

// Thread-safe. Holds connections weakly: a connection that is gone is skipped and forgotten,
// so nothing has to unregister it.
class ConnectionDirectory final : public session::NotificationSink {
 public:
  // Called by initialize once the connection is initialized. Idempotent.
  void Add(const std::shared_ptr<Connection>& connection);
  // Sends {"method", "params"} to every live initialized connection that did not opt out of
  // `method`, encoding once. Returns how many it was sent to.
  size_t Broadcast(std::string_view method, const nlohmann::json& params);
  // To the connections with these ids (Connection::id()) that are still live, initialized and
  // did not opt out of `method`, encoding once.
  void Notify(std::span<const session::ClientId> clients, std::string_view method,
              const nlohmann::json& params) override;
  // The live initialized connection with this id, or nullptr.
  std::shared_ptr<Connection> Find(uint64_t id);

 private:
  absl::Mutex mu_;
  std::map<uint64_t, std::weak_ptr<Connection>> connections_ ABSL_GUARDED_BY(mu_);
};

}  // namespace threadlog::api

#endif  // THREADLOG_API_CONNECTION_DIRECTORY_H_
