// Connection: one client of the server (the stdio pipe or one WebSocket), whatever the transport,
// and the protocol state negotiated on it by initialize.
#ifndef THREADLOG_API_CONNECTION_H_
#define THREADLOG_API_CONNECTION_H_

#include <atomic>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace threadlog::api {

// What initialize negotiated. Written by the initialize handler on the connection's own request
// sequence; read from any thread (notification fan-out), hence the lock.
class ClientSession {
 public:
  bool initialized() const;
  bool experimental_api() const;
  // False when the client listed `method` in capabilities.optOutNotificationMethods.
  bool WantsNotification(std::string_view method) const;

  // initialize's clientInfo.name ("" before initialize): Codex records it as a new thread's
  // originator.
  std::string client_name() const;
  // initialize's clientInfo.version: with the name, what a turn's User-Agent names.
  std::string client_version() const;

  // Records a successful initialize. Returns false (changing nothing) if already initialized.
  bool Initialize(std::string client_name, bool experimental_api,
                  std::set<std::string, std::less<>> opt_out, std::string client_version = "");

 private:
  mutable absl::Mutex mu_;
  bool initialized_ ABSL_GUARDED_BY(mu_) = false;
  bool experimental_api_ ABSL_GUARDED_BY(mu_) = false;
  std::string client_name_ ABSL_GUARDED_BY(mu_);
  std::string client_version_ ABSL_GUARDED_BY(mu_);
  std::set<std::string, std::less<>> opt_out_ ABSL_GUARDED_BY(mu_);
};

class Connection {
 public:
  Connection() : id_(next_id_.fetch_add(1)) {}
  virtual ~Connection() = default;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Queues one encoded message (no newline) for the client. Thread-safe, never blocks on the
  // peer; a transport may drop the connection instead when the client stops reading.
  virtual void Send(std::string text) = 0;

  // Unique for the life of the process.
  uint64_t id() const { return id_; }
  // For logs: "stdio", "ws#3 127.0.0.1:5555".
  virtual std::string Describe() const = 0;

  ClientSession& session() { return session_; }
  const ClientSession& session() const { return session_; }

 private:
  static inline std::atomic<uint64_t> next_id_{1};
  const uint64_t id_;
  ClientSession session_;
};

}  // namespace threadlog::api

#endif  // THREADLOG_API_CONNECTION_H_
