// JSON-RPC 2.0 messages as Codex frames them (no "jsonrpc" member), their decoder and encoder.
#ifndef THREADLOG_API_JSONRPC_H_
#define THREADLOG_API_JSONRPC_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "absl/status/statusor.h"
#include "api/rpc_error.h"
#include "nlohmann/json.hpp"

namespace threadlog::api {

// Codex's RequestId: a string or a 64-bit integer, echoed back with the same type.
using RequestId = std::variant<int64_t, std::string>;

nlohmann::json RequestIdToJson(const RequestId& id);
std::string RequestIdToString(const RequestId& id);  // for logs: 7 or "s7"

struct Request {
  RequestId id;
  std::string method;
  bool has_params = false;  // Codex refuses most methods without a "params" member
  nlohmann::json params;    // null when absent
};

struct Notification {
  std::string method;
  nlohmann::json params;  // null when absent
};

struct Response {
  RequestId id;
  nlohmann::json result;
};

struct ErrorResponse {
  std::optional<RequestId> id;  // std::nullopt encodes as null (a message we could not read)
  RpcError error;
};

using Message = std::variant<Request, Notification, Response, ErrorResponse>;

// Reads one JSON-RPC message (a line of stdio or one WebSocket frame). Never throws.
// Errors (both kInvalidArgument):
//   - not JSON (including a NUL byte anywhere): tagged with kParseError, "Parse error: ..."
//   - JSON but not a message (not an object, bad id type, no method, ...): "Invalid request: ..."
//   - nested deeper than kMaxJsonDepth (eventlog/json_parse.h), Codex's limit:
//     "Invalid request: JSON nested deeper than 127 levels" (nothing that deep is built), or
//     that would take more than kMaxJsonDomBytes once parsed: "Invalid request: JSON too big..."
// A "jsonrpc" member is accepted when it is "2.0" and ignored; any other value is refused.
absl::StatusOr<Message> DecodeMessage(std::string_view text);

// When DecodeMessage fails, the id of the offending message if one can still be read (so the
// error can be correlated): the text must be JSON, at any depth, with a valid top-level "id";
// std::nullopt otherwise. Never throws.
std::optional<RequestId> SalvageRequestId(std::string_view text);

// One line of output, without the trailing newline and without a "jsonrpc" member.
std::string Encode(const Message& message);

// A Response whose result is already JSON text (`result_json`, one valid JSON value), spliced
// in as is. Same bytes as Encode(Response{id, parse(result_json)}) when the text is canonical.
std::string EncodeResponse(const RequestId& id, std::string_view result_json);

}  // namespace threadlog::api

#endif  // THREADLOG_API_JSONRPC_H_
