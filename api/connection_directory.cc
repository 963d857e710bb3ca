// The all-clients fan-out: weak references pruned as they expire.
#include "api/connection_directory.h"

#include <string>
#include <vector>

#include "api/jsonrpc.h"

namespace threadlog::api {

void ConnectionDirectory::Add(const std::shared_ptr<Connection>& connection) {
  absl::MutexLock lock(&mu_);
  connections_[connection->id()] = connection;
}

size_t ConnectionDirectory::Broadcast(std::string_view method, const nlohmann::json& params) {
  std::vector<std::shared_ptr<Connection>> live;
  {
    absl::MutexLock lock(&mu_);
    for (auto it = connections_.begin(); it != connections_.end();) {
      if (std::shared_ptr<Connection> c = it->second.lock()) {
        live.push_back(std::move(c));
        ++it;
      } else {
        it = connections_.erase(it);
      }
    }
  }
  const std::string text = Encode(Notification{std::string(method), params});
  size_t sent = 0;
  for (const std::shared_ptr<Connection>& c : live) {
    if (!c->session().WantsNotification(method)) continue;
    c->Send(text);
    ++sent;
  }
  return sent;
}

void ConnectionDirectory::Notify(std::span<const session::ClientId> clients,
                                 std::string_view method, const nlohmann::json& params) {
  std::vector<std::shared_ptr<Connection>> targets;
  {
    absl::MutexLock lock(&mu_);
    for (session::ClientId id : clients) {
      auto it = connections_.find(id);
      if (it == connections_.end()) continue;
      if (std::shared_ptr<Connection> c = it->second.lock()) {
        targets.push_back(std::move(c));
      } else {
        connections_.erase(it);
      }
    }
  }
  if (targets.empty()) return;
  // Sent outside the lock: a transport may take its own.
  const std::string text = Encode(Notification{std::string(method), params});
  for (const std::shared_ptr<Connection>& c : targets) {
    if (c->session().WantsNotification(method)) c->Send(text);
  }
}

std::shared_ptr<Connection> ConnectionDirectory::Find(uint64_t id) {
  absl::MutexLock lock(&mu_);
  auto it = connections_.find(id);
  if (it == connections_.end()) return nullptr;
  std::shared_ptr<Connection> c = it->second.lock();
  if (!c) connections_.erase(it);
  return c;
}

}  // namespace threadlog::api
