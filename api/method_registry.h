// MethodRegistry: the table of implemented methods. Each entry is a params parser and a thin
// handler `(const Params&, RequestContext&) -> absl::StatusOr<json or EncodedJson>`.
#ifndef THREADLOG_API_METHOD_REGISTRY_H_
#define THREADLOG_API_METHOD_REGISTRY_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "api/answer_ordered_sink.h"
#include "api/connection.h"
#include "api/jsonrpc.h"
#include "nlohmann/json.hpp"

namespace threadlog::api {

// What a handler may use besides its params. Lives for the duration of one request.
struct RequestContext {
  const RequestId& id;
  std::shared_ptr<Connection> connection;  // the caller; Send() for out-of-band notifications
  // Where the thread-write service's notifications for this request go: held until the answer
  // is sent, except the methods the handler names with SendBeforeAnswer.
  AnswerOrderedSink& notifications;
  // Run in order right after a successful response is sent (after `notifications`).
  std::vector<std::function<void()>> after_response = {};
};

// A result already encoded as JSON text: for a hot path that answers with stored JSON
// (thread/list) rather than building a DOM only to serialise it again. Must be one JSON value.
struct EncodedJson {
  std::string text;
};

// A request the handler answers later itself (command/exec, once its process ended), with
// context.connection->Send() of the response or the error: the dispatcher sends nothing.
struct DeferredAnswer {};

// What a handler answers: a JSON value, one already encoded, or nothing yet.
using HandlerResult = std::variant<nlohmann::json, EncodedJson, DeferredAnswer>;

class MethodRegistry {
 public:
  // A parsed request bound to its handler, ready to run.
  using Bound = std::function<absl::StatusOr<HandlerResult>(RequestContext&)>;
  // Parses raw params (null when the request had none); errors are kInvalidArgument in Codex's
  // words ("Invalid request: missing field `x`").
  using Parser = std::function<absl::StatusOr<Bound>(const nlohmann::json& params)>;

  // Registers `method`, which must be a method of protocol_catalog.h and not yet registered.
  // `parse` turns raw params into P (validation, with messages naming the field); `handle`
  // runs only on parsed params, after the handshake and the experimental gate.
  // R is nlohmann::json, EncodedJson or DeferredAnswer.
  template <typename P, typename R = nlohmann::json>
  void Register(
      std::string method, std::function<absl::StatusOr<P>(const nlohmann::json&)> parse,
      std::type_identity_t<std::function<absl::StatusOr<R>(const P&, RequestContext&)>> handle) {
    Add(std::move(method),
        [parse = std::move(parse),
         handle = std::move(handle)](const nlohmann::json& params) -> absl::StatusOr<Bound> {
          absl::StatusOr<P> parsed = parse(params);
          if (!parsed.ok()) return parsed.status();
          return Bound([p = *std::move(parsed),
                        handle](RequestContext& context) -> absl::StatusOr<HandlerResult> {
            absl::StatusOr<R> result = handle(p, context);
            if (!result.ok()) return result.status();
            return HandlerResult(*std::move(result));
          });
        });
  }

  // nullptr when not implemented.
  const Parser* Find(std::string_view method) const;
  // Implemented methods, sorted.
  std::vector<std::string> Methods() const;

 private:
  void Add(std::string method, Parser parser);
  std::map<std::string, Parser, std::less<>> parsers_;
};

}  // namespace threadlog::api

#endif  // THREADLOG_API_METHOD_REGISTRY_H_
