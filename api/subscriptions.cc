// The connection <-> thread subscription maps and notification fan-out.
#include "api/subscriptions.h"

#include "api/jsonrpc.h"

namespace threadlog::api {

void SubscriptionRegistry::Subscribe(const std::shared_ptr<Connection>& connection,
                                     const std::string& thread_id) {
  std::lock_guard lock(mu_);
  by_thread_[thread_id][connection->id()] = connection;
  by_connection_[connection->id()].insert(thread_id);
}

bool SubscriptionRegistry::Unsubscribe(uint64_t connection_id, const std::string& thread_id) {
  std::lock_guard lock(mu_);
  auto thread = by_thread_.find(thread_id);
  if (thread == by_thread_.end() || thread->second.erase(connection_id) == 0) return false;
  if (auto c = by_connection_.find(connection_id); c != by_connection_.end()) {
    c->second.erase(thread_id);
    if (c->second.empty()) by_connection_.erase(c);
  }
  if (!thread->second.empty()) return false;
  by_thread_.erase(thread);
  return true;
}

std::vector<std::string> SubscriptionRegistry::RemoveConnection(uint64_t connection_id) {
  std::lock_guard lock(mu_);
  std::vector<std::string> orphaned;
  auto c = by_connection_.find(connection_id);
  if (c == by_connection_.end()) return orphaned;
  for (const std::string& thread_id : c->second) {
    auto thread = by_thread_.find(thread_id);
    if (thread == by_thread_.end()) continue;
    thread->second.erase(connection_id);
    if (thread->second.empty()) {
      by_thread_.erase(thread);
      orphaned.push_back(thread_id);
    }
  }
  by_connection_.erase(c);
  return orphaned;
}

std::vector<std::shared_ptr<Connection>> SubscriptionRegistry::RemoveThread(
    const std::string& thread_id) {
  std::lock_guard lock(mu_);
  std::vector<std::shared_ptr<Connection>> removed;
  auto thread = by_thread_.find(thread_id);
  if (thread == by_thread_.end()) return removed;
  for (auto& [id, connection] : thread->second) {
    if (auto c = by_connection_.find(id); c != by_connection_.end()) {
      c->second.erase(thread_id);
      if (c->second.empty()) by_connection_.erase(c);
    }
    removed.push_back(std::move(connection));
  }
  by_thread_.erase(thread);
  return removed;
}

bool SubscriptionRegistry::IsSubscribed(uint64_t connection_id,
                                        const std::string& thread_id) const {
  std::lock_guard lock(mu_);
  auto thread = by_thread_.find(thread_id);
  return thread != by_thread_.end() && thread->second.count(connection_id) > 0;
}

size_t SubscriptionRegistry::SubscriberCount(const std::string& thread_id) const {
  std::lock_guard lock(mu_);
  auto thread = by_thread_.find(thread_id);
  return thread == by_thread_.end() ? 0 : thread->second.size();
}

std::vector<std::string> SubscriptionRegistry::LoadedThreads() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (const auto& [thread_id, subscribers] : by_thread_) out.push_back(thread_id);
  return out;
}

size_t SubscriptionRegistry::Notify(const std::string& thread_id, std::string_view method,
                                    const nlohmann::json& params) const {
  std::vector<std::shared_ptr<Connection>> targets;
  {
    // Copy the targets so that sending (which may take a transport's lock) happens unlocked.
    std::lock_guard lock(mu_);
    auto thread = by_thread_.find(thread_id);
    if (thread == by_thread_.end()) return 0;
    for (const auto& [id, connection] : thread->second) targets.push_back(connection);
  }
  const std::string text = Encode(Notification{std::string(method), params});
  size_t sent = 0;
  for (const std::shared_ptr<Connection>& connection : targets) {
    if (!connection->session().WantsNotification(method)) continue;
    connection->Send(text);
    ++sent;
  }
  return sent;
}

}  // namespace threadlog::api
