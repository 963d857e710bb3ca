// NotificationSink: where the thread-write service sends what clients hear about threads. The
// API's connection directory implements it; a request handler may wrap it to order what comes
// before and after its answer.
#ifndef THREADLOG_API_SESSION_NOTIFICATION_SINK_H_
#define THREADLOG_API_SESSION_NOTIFICATION_SINK_H_

#include <cstdint>
#include <span>
#include <string_view>

#include "nlohmann/json.hpp"

namespace threadlog::session {

// A client (one connection) as the service knows it; the API maps it to its connection.
using ClientId = uint64_t;

class NotificationSink {
 public:
  virtual ~NotificationSink() = default;
  // Sends the notification {method, params} to each of `clients` that is still connected and
  // did not opt out of `method`. Thread-safe; never blocks on a client.
  virtual void Notify(std::span<const ClientId> clients, std::string_view method,
                      const nlohmann::json& params) = 0;
};

}  // namespace threadlog::session

#endif  // THREADLOG_API_SESSION_NOTIFICATION_SINK_H_
