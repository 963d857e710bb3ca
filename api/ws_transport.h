// WsTransport: the WebSocket listener (Boost.Beast) — many connections, one JSON-RPC message per
// frame, with the admission rules of ws_policy.h, a message-size cap and bounded output queues.
#ifndef THREADLOG_API_WS_TRANSPORT_H_
#define THREADLOG_API_WS_TRANSPORT_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "api/dispatcher.h"

namespace threadlog::api {

struct WsOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 0;                   // 0: any free port (see WsTransport::port())
  std::optional<std::string> token;    // when set, every upgrade needs "Authorization: Bearer <t>"
  size_t max_message_bytes = 8 << 20;  // a bigger inbound frame closes the socket (1009)
  size_t max_outbound_bytes = 16 << 20;  // a client this far behind in reading is dropped
};

class WsTransport {
 public:
  // Binds and listens. kFailedPrecondition for a non-loopback address without a token (the
  // server would be open to the network); kUnavailable when the address cannot be bound.
  static absl::StatusOr<std::unique_ptr<WsTransport>> Listen(Dispatcher& dispatcher,
                                                             WsOptions options);
  ~WsTransport();

  uint16_t port() const;
  // Serves on the calling thread until Shutdown() has closed every connection.
  void Run();
  // Thread-safe. Step 1 of a graceful stop: no new connections, no new messages read.
  void StopAccepting();
  // Thread-safe. Step 2, after the dispatcher drained: flush queued answers, close each
  // connection with "going away", and make Run() return (forcibly after a few seconds).
  void Shutdown();

  class Impl;

 private:
  explicit WsTransport(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace threadlog::api

#endif  // THREADLOG_API_WS_TRANSPORT_H_
