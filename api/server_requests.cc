// ServerRequests: ids, the pending table, answers routed to their callbacks.
#include "api/server_requests.h"

#include <iostream>
#include <vector>

#include "absl/strings/str_cat.h"

namespace threadlog::api {

ServerRequests::~ServerRequests() {
  std::map<int64_t, Pending> pending;
  {
    absl::MutexLock lock(&mu_);
    pending.swap(pending_);
  }
  for (auto& [id, p] : pending) p.done(absl::UnavailableError("the server is shutting down"));
}

void ServerRequests::Send(session::ClientId client, std::string method, nlohmann::json params,
                          std::function<void(absl::StatusOr<nlohmann::json>)> done) {
  SendPending(client, std::move(method), std::move(params),
              Pending{client, std::move(done), "", nullptr});
}

std::function<void()> ServerRequests::Ask(
    session::ClientId client, std::string method, nlohmann::json params, std::string thread_id,
    std::function<absl::Status(const nlohmann::json&)> check,
    std::function<void(absl::StatusOr<nlohmann::json>)> done) {
  const std::optional<int64_t> id =
      SendPending(client, std::move(method), std::move(params),
                  Pending{client, std::move(done), std::move(thread_id), std::move(check)});
  if (!id) return [] {};
  return [this, id = *id] { Withdraw(id); };
}

std::optional<int64_t> ServerRequests::SendPending(session::ClientId client, std::string method,
                                                   nlohmann::json params, Pending pending) {
  std::shared_ptr<Connection> connection = clients_.Find(client);
  if (!connection) {
    pending.done(absl::UnavailableError(
        absl::StrCat("the client that started the turn is gone; ", method, " could not be asked")));
    return std::nullopt;
  }
  int64_t id;
  {
    absl::MutexLock lock(&mu_);
    id = next_id_++;
    pending_[id] = std::move(pending);
  }
  connection->Send(Encode(Request{id, std::move(method), true, std::move(params)}));
  return id;
}

void ServerRequests::Withdraw(int64_t id) {
  Pending withdrawn;
  {
    absl::MutexLock lock(&mu_);
    auto it = pending_.find(id);
    if (it == pending_.end()) return;
    withdrawn = std::move(it->second);
    pending_.erase(it);
  }
  if (!withdrawn.resolved_thread.empty()) {
    if (std::shared_ptr<Connection> c = clients_.Find(withdrawn.connection)) {
      c->Send(Encode(Notification{"serverRequest/resolved",
                                  {{"threadId", withdrawn.resolved_thread}, {"requestId", id}}}));
    }
  }
  withdrawn.done(absl::CancelledError("the request was withdrawn: its turn ended"));
}

bool ServerRequests::OnAnswer(uint64_t connection, const Message& answer) {
  std::optional<RequestId> id;
  if (const auto* r = std::get_if<Response>(&answer)) id = r->id;
  if (const auto* e = std::get_if<ErrorResponse>(&answer)) id = e->id;
  if (!id || !std::holds_alternative<int64_t>(*id)) return false;
  Pending settled;
  {
    absl::MutexLock lock(&mu_);
    auto it = pending_.find(std::get<int64_t>(*id));
    if (it == pending_.end() || it->second.connection != connection) return false;
    if (const auto* r = std::get_if<Response>(&answer); r != nullptr && it->second.check) {
      if (absl::Status checked = it->second.check(r->result); !checked.ok()) {
        std::cerr << "threadlog serve: refused an answer to server request "
                  << std::get<int64_t>(*id) << " (it stays pending): " << checked.message() << "\n";
        return true;
      }
    }
    settled = std::move(it->second);
    pending_.erase(it);
  }
  if (!settled.resolved_thread.empty()) {
    if (std::shared_ptr<Connection> c = clients_.Find(settled.connection)) {
      c->Send(Encode(Notification{
          "serverRequest/resolved",
          {{"threadId", settled.resolved_thread}, {"requestId", std::get<int64_t>(*id)}}}));
    }
  }
  if (const auto* r = std::get_if<Response>(&answer)) {
    settled.done(r->result);
  } else {
    const auto& e = std::get<ErrorResponse>(answer);
    settled.done(absl::UnknownError(
        absl::StrCat("the client answered with error ", e.error.code, ": ", e.error.message)));
  }
  return true;
}

void ServerRequests::ConnectionClosed(uint64_t connection) {
  std::vector<Pending> settled;
  {
    absl::MutexLock lock(&mu_);
    for (auto it = pending_.begin(); it != pending_.end();) {
      if (it->second.connection == connection) {
        settled.push_back(std::move(it->second));
        it = pending_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (Pending& p : settled) p.done(absl::UnavailableError("the client disconnected"));
}

}  // namespace threadlog::api
