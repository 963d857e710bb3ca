// SubscriptionRegistry: which connections follow which threads, and the fan-out of a thread's
// notifications to exactly those connections.
#ifndef THREADLOG_API_SUBSCRIPTIONS_H_
#define THREADLOG_API_SUBSCRIPTIONS_H_

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "api/connection.h"
#include "nlohmann/json.hpp"

namespace threadlog::api {

class SubscriptionRegistry {
 public:
  // Idempotent. The registry keeps `connection` alive until it is unsubscribed or removed.
  void Subscribe(const std::shared_ptr<Connection>& connection, const std::string& thread_id);

  // Returns true when `connection` was subscribed and was the thread's last subscriber (the
  // caller then unloads the thread: thread/closed, status notLoaded).
  bool Unsubscribe(uint64_t connection_id, const std::string& thread_id);

  // Drops a closed connection everywhere. Returns the threads it was the last subscriber of.
  std::vector<std::string> RemoveConnection(uint64_t connection_id);

  // Unsubscribes every connection from `thread_id` (the thread was unloaded, e.g. archived) and
  // returns them, so the caller can still tell them about it.
  std::vector<std::shared_ptr<Connection>> RemoveThread(const std::string& thread_id);

  bool IsSubscribed(uint64_t connection_id, const std::string& thread_id) const;
  size_t SubscriberCount(const std::string& thread_id) const;
  // Threads with at least one subscriber, sorted.
  std::vector<std::string> LoadedThreads() const;

  // Sends {"method", "params"} to every subscriber of `thread_id` that did not opt out of
  // `method`. Encodes once. Returns how many connections it was sent to.
  size_t Notify(const std::string& thread_id, std::string_view method,
                const nlohmann::json& params) const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::map<uint64_t, std::shared_ptr<Connection>>> by_thread_;
  std::map<uint64_t, std::set<std::string>> by_connection_;
};

}  // namespace threadlog::api

#endif  // THREADLOG_API_SUBSCRIPTIONS_H_
