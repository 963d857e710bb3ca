// The one place where absl::Status codes become JSON-RPC error codes.
#include "api/rpc_error.h"

#include <cassert>
#include <optional>
#include <string>

#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"

namespace threadlog::api {
namespace {

// A type URL for the payload carrying an explicit JSON-RPC code.
constexpr char kRpcCodeUrl[] = "threadlog.api/jsonrpc-code";

std::optional<int> ExplicitCode(const absl::Status& status) {
  auto payload = status.GetPayload(kRpcCodeUrl);  // absl::optional on Debian
  if (!payload) return std::nullopt;
  int code = 0;
  if (!absl::SimpleAtoi(std::string(*payload), &code)) return std::nullopt;
  return code;
}

}  // namespace

absl::Status OverloadedError() {
  return WithRpcCode(absl::UnavailableError(kOverloadedMessage), kServerOverloaded);
}

absl::Status WithRpcCode(absl::Status status, int code) {
  assert(!status.ok());
  status.SetPayload(kRpcCodeUrl, absl::Cord(std::to_string(code)));
  return status;
}

RpcError ErrorFromStatus(const absl::Status& status) {
  assert(!status.ok());
  RpcError error;
  error.message = std::string(status.message());
  if (std::optional<int> code = ExplicitCode(status)) {
    error.code = *code;
    return error;
  }
  switch (status.code()) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kOutOfRange:
    case absl::StatusCode::kPermissionDenied:
    case absl::StatusCode::kUnimplemented:
    case absl::StatusCode::kAborted:
    case absl::StatusCode::kUnauthenticated:
      error.code = kInvalidRequest;
      break;
    default:
      error.code = kInternalError;
      if (error.message.empty()) error.message = "Internal error";
      break;
  }
  return error;
}

}  // namespace threadlog::api
