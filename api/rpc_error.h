// JSON-RPC error values and the one mapping from absl::Status to a JSON-RPC error.
#ifndef THREADLOG_API_RPC_ERROR_H_
#define THREADLOG_API_RPC_ERROR_H_

#include <string>

#include "absl/status/status.h"
#include "nlohmann/json.hpp"

namespace threadlog::api {

// Codex answers almost every refusal with -32600 (its serde layer decides); we follow
// it so clients matching on codes keep working. -32700 is ours: Codex stays silent on bad JSON.
inline constexpr int kParseError = -32700;
inline constexpr int kInvalidRequest = -32600;
inline constexpr int kMethodNotFound = -32601;
inline constexpr int kInvalidParams = -32602;
inline constexpr int kInternalError = -32603;
inline constexpr int kServerOverloaded = -32001;

// Codex's exact text for kServerOverloaded.
inline constexpr char kOverloadedMessage[] = "Server overloaded; retry later.";

struct RpcError {
  int code = kInternalError;
  std::string message;
  nlohmann::json data = nullptr;  // omitted from the wire when null
};

// The refusal of a request that finds the server's queue full: -32001 with Codex's exact text.
absl::Status OverloadedError();

// Returns `status` (not OK) tagged so that ErrorFromStatus uses exactly `code`. For the few
// cases where the code is not a function of the StatusCode (a parse error).
absl::Status WithRpcCode(absl::Status status, int code);

// The single StatusCode -> JSON-RPC mapping of the server. The message is the status message
// verbatim (handlers write it in Codex's words). Requires: !status.ok().
//   tagged with WithRpcCode                       -> that code
//   kInvalidArgument, kNotFound, kFailedPrecondition, kAlreadyExists, kOutOfRange,
//   kPermissionDenied, kUnimplemented, kAborted,
//   kUnauthenticated                              -> -32600 (what Codex uses)
//   anything else, kUnavailable included          -> -32603, the message kept
// -32001 is only ever explicit (the dispatcher's own overload refusal, OverloadedError()):
// Codex's clients read it as "retry later" and back off and retry, which is wrong for a store
// held by another process or a disk that failed; those keep their own message as -32603.
RpcError ErrorFromStatus(const absl::Status& status);

}  // namespace threadlog::api

#endif  // THREADLOG_API_RPC_ERROR_H_
