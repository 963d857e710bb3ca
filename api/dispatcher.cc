// Per-request pipeline of the server and its bounded, per-connection-ordered execution.
#include "api/dispatcher.h"

#include <iostream>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "api/jsonrpc.h"
#include "api/protocol_catalog.h"
#include "api/rpc_error.h"
#include "boost/asio/post.hpp"
#include "boost/asio/strand.hpp"
#include "boost/asio/thread_pool.hpp"
#include "eventlog/absl_compat.h"
#include "eventlog/codex_version.h"

namespace threadlog::api {

struct Dispatcher::Pool {
  explicit Pool(size_t threads) : pool(threads) {}
  boost::asio::thread_pool pool;
};

// A strand keeps one connection's requests in order while different connections run in parallel.
struct Dispatcher::Lane {
  explicit Lane(boost::asio::thread_pool& pool) : strand(boost::asio::make_strand(pool)) {}
  boost::asio::strand<boost::asio::thread_pool::executor_type> strand;
  // Requests and answers posted to the strand, not yet done. Guarded by the dispatcher's mu_
  // (not expressible as an annotation on a member of another object).
  size_t queued = 0;
};

namespace {

void SendError(Connection& connection, std::optional<RequestId> id, const absl::Status& status) {
  connection.Send(Encode(ErrorResponse{std::move(id), ErrorFromStatus(status)}));
}

void LogDropped(const Connection& connection, std::string_view what, std::string_view why) {
  std::cerr << "threadlog serve: " << connection.Describe() << ": " << what << ": " << why << "\n";
}

// Runs `work`; an exception it throws is logged (a bug, but no worker thread may die of it).
template <typename Work>
void Guarded(const Connection& connection, std::string_view what, Work&& work) {
  try {
    work();
  } catch (const std::exception& e) {
    LogDropped(connection, what, e.what());
  } catch (...) {
    LogDropped(connection, what, "unknown exception");
  }
}

std::string ImplementedList(const MethodRegistry& registry) {
  std::vector<std::string> quoted;
  for (const std::string& m : registry.Methods()) quoted.push_back(absl::StrCat("`", m, "`"));
  return absl::StrJoin(quoted, ", ");
}

}  // namespace

Dispatcher::Dispatcher(const MethodRegistry& registry, session::NotificationSink& notifications,
                       Options options)
    : registry_(registry),
      notifications_(notifications),
      options_(std::move(options)),
      pool_(std::make_unique<Pool>(options_.threads == 0 ? 1 : options_.threads)) {}

Dispatcher::~Dispatcher() {
  Drain();
  pool_->pool.join();
}

void Dispatcher::OnMessage(const std::shared_ptr<Connection>& connection, std::string_view text,
                           Placement placement) {
  absl::StatusOr<Message> message = DecodeMessage(text);
  if (!message.ok()) {
    // Codex logs and stays silent here, which leaves a client waiting forever; we answer, in
    // order with the answers to the requests before it.
    std::string error =
        Encode(ErrorResponse{SalvageRequestId(text), ErrorFromStatus(message.status())});
    std::shared_ptr<Lane> lane;
    {
      absl::MutexLock lock(&mu_);
      auto it = lanes_.find(connection->id());
      // Counted as queued so a request that follows cannot run in place ahead of it.
      if (it != lanes_.end() && it->second->queued > 0) {
        lane = it->second;
        ++lane->queued;
      }
    }
    if (!lane) return connection->Send(std::move(error));  // nothing before it is pending
    boost::asio::post(lane->strand, [this, connection, lane, error = std::move(error)] {
      Guarded(*connection, "sending a parse error", [&] { connection->Send(error); });
      absl::MutexLock lock(&mu_);
      --lane->queued;
    });
    return;
  }
  if (Notification* n = std::get_if<Notification>(&*message)) {
    // "initialized" is the only client notification; it changes nothing on our side.
    if (n->method != "initialized") {
      std::cerr << "threadlog serve: " << connection->Describe()
                << ": ignoring unknown notification " << n->method << "\n";
    }
    return;
  }
  Request* request = std::get_if<Request>(&*message);
  if (request == nullptr) {
    // An answer to a request the server sent (item/tool/call, ...).
    const bool routed = options_.on_answer && options_.on_answer(connection->id(), *message);
    if (!routed) {
      std::cerr << "threadlog serve: " << connection->Describe()
                << ": ignoring an answer to no request this connection was sent\n";
    }
    return;
  }
  std::shared_ptr<Lane> lane;
  bool run_here = false;
  {
    absl::MutexLock lock(&mu_);
    if (!accepting_) {
      SendError(
          *connection, request->id,
          WithRpcCode(absl::UnavailableError("Server is shutting down; retry after reconnecting"),
                      kInvalidRequest));
      return;
    }
    if (in_flight_ >= options_.max_in_flight) {
      SendError(*connection, request->id, OverloadedError());
      return;
    }
    ++in_flight_;
    std::shared_ptr<Lane>& slot = lanes_[connection->id()];
    if (!slot) slot = std::make_shared<Lane>(pool_->pool);
    lane = slot;
    // Nothing of this connection is queued or running, so running here keeps its order; it
    // saves waking a worker (about a third of a small request's round trip on a 2-core VM).
    run_here = placement == Placement::kHereIfIdle && lane->queued == 0;
    if (!run_here) ++lane->queued;
  }
  if (run_here) {
    Guarded(*connection, request->method, [&] { Run(connection, *request); });
    Finish(nullptr);
    return;
  }
  boost::asio::post(lane->strand, [this, connection, lane, request = std::move(*request)] {
    Guarded(*connection, request.method, [&] { Run(connection, request); });
    Finish(lane.get());
  });
}

void Dispatcher::Run(const std::shared_ptr<Connection>& connection, const Request& request) {
  auto fail = [&](const absl::Status& status) { SendError(*connection, request.id, status); };
  // The order of checks is Codex's: its deserializer (method, params) runs before the
  // handshake check, and the experimental gate after both.
  const MethodSpec* spec = FindMethod(request.method);
  if (spec == nullptr) {
    return fail(absl::InvalidArgumentError(absl::StrCat("Invalid request: unknown variant `",
                                                        request.method, "`, expected one of ",
                                                        ImplementedList(registry_))));
  }
  // Codex's serde reads "params": null as missing, except where params are typed null.
  if (!spec->params_optional && request.params.is_null()) {
    return fail(absl::InvalidArgumentError("Invalid request: missing field `params`"));
  }
  const MethodRegistry::Parser* parser = registry_.Find(request.method);
  absl::StatusOr<MethodRegistry::Bound> bound = absl::UnimplementedError("");
  if (parser != nullptr) {
    try {
      bound = (*parser)(request.params);
    } catch (const std::exception& e) {
      bound = absl::InternalError(absl::StrCat("Internal error: ", e.what()));
    }
    if (!bound.ok()) return fail(bound.status());
  }
  const bool initialized = connection->session().initialized();
  if (request.method == "initialize" && initialized) {
    return fail(absl::FailedPreconditionError("Already initialized"));
  }
  if (request.method != "initialize" && !initialized) {
    return fail(absl::FailedPreconditionError("Not initialized"));
  }
  if (absl::Status gate =
          CheckExperimentalGate(*spec, request.params, connection->session().experimental_api());
      !gate.ok()) {
    return fail(gate);
  }
  if (parser == nullptr) {
    return fail(absl::UnimplementedError(
        absl::StrCat("Invalid request: unknown variant `", request.method, "` (a Codex ",
                     kCodexVersion, " method that threadlog does not implement), expected one of ",
                     ImplementedList(registry_))));
  }
  AnswerOrderedSink notifications(notifications_);
  RequestContext context{request.id, connection, notifications};
  absl::StatusOr<HandlerResult> result;
  try {
    result = (*bound)(context);
  } catch (const std::exception& e) {
    // A handler bug must not take the server down; it is still a bug, so say so.
    result = absl::InternalError(absl::StrCat("Internal error: ", e.what()));
  }
  if (!result.ok()) {
    fail(result.status());
    // What the service did before the failure (an append) is still told.
    notifications.Flush();
    return;
  }
  if (const EncodedJson* encoded = std::get_if<EncodedJson>(&*result)) {
    connection->Send(EncodeResponse(request.id, encoded->text));
  } else if (nlohmann::json* value = std::get_if<nlohmann::json>(&*result)) {
    connection->Send(Encode(Response{request.id, std::move(*value)}));
  }  // DeferredAnswer: the handler answers later.
  notifications.Flush();
  // Each runs even when one before it failed: they are independent follow-ups (notifications).
  for (const std::function<void()>& then : context.after_response) {
    Guarded(*connection, absl::StrCat("after answering ", request.method), then);
  }
}

void Dispatcher::Finish(Lane* lane) {
  absl::MutexLock lock(&mu_);
  if (lane != nullptr) --lane->queued;
  --in_flight_;  // Drain() waits on it
}

void Dispatcher::OnClosed(uint64_t connection_id) {
  {
    absl::MutexLock lock(&mu_);
    lanes_.erase(connection_id);  // queued work keeps the strand alive through its handler
  }
  if (!options_.on_connection_closed) return;
  try {
    options_.on_connection_closed(connection_id);
  } catch (const std::exception& e) {
    std::cerr << "threadlog serve: closing connection " << connection_id << ": " << e.what()
              << "\n";
  }
}

void Dispatcher::StopAccepting() {
  absl::MutexLock lock(&mu_);
  accepting_ = false;
}

void Dispatcher::Drain() {
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(
      +[](Dispatcher* d) ABSL_EXCLUSIVE_LOCKS_REQUIRED(d->mu_) { return d->in_flight_ == 0; },
      this));
}

}  // namespace threadlog::api
