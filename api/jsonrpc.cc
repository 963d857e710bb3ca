// Decoding and encoding of JSON-RPC messages; nlohmann exceptions stop here.
#include "api/jsonrpc.h"

#include <exception>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "eventlog/absl_compat.h"
#include "eventlog/json_parse.h"

namespace threadlog::api {
namespace {

using nlohmann::json;

absl::Status Invalid(std::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("Invalid request: ", ToAbsl(why)));
}

absl::StatusOr<RequestId> ReadId(const json& id) {
  if (id.is_string()) return RequestId(id.get<std::string>());
  // is_number_integer() is also true for unsigned values, so those are checked first.
  if (id.is_number_unsigned()) {
    // Only values that fit an i64, as Codex's RequestId::Integer(i64).
    uint64_t v = id.get<uint64_t>();
    if (v <= static_cast<uint64_t>(INT64_MAX)) return RequestId(static_cast<int64_t>(v));
  } else if (id.is_number_integer()) {
    return RequestId(id.get<int64_t>());
  }
  return Invalid(absl::StrCat("`id` must be a string or a 64-bit integer, got ", id.dump()));
}

absl::StatusOr<RpcError> ReadError(const json& error) {
  if (!error.is_object()) return Invalid("`error` must be an object");
  auto code = error.find("code");
  auto message = error.find("message");
  if (code == error.end() || !code->is_number_integer()) {
    return Invalid("`error.code` must be an integer");
  }
  if (message == error.end() || !message->is_string()) {
    return Invalid("`error.message` must be a string");
  }
  RpcError out;
  out.code = code->get<int>();
  out.message = message->get<std::string>();
  if (auto data = error.find("data"); data != error.end()) out.data = *data;
  return out;
}

// `j` is taken apart: params and results move into the message instead of being copied.
absl::StatusOr<Message> FromJson(json&& j) {
  if (!j.is_object()) return Invalid("a message must be a JSON object");
  if (auto v = j.find("jsonrpc"); v != j.end() && *v != "2.0") {
    return Invalid("`jsonrpc` must be \"2.0\" when present");
  }
  auto id = j.find("id");
  auto method = j.find("method");
  if (method != j.end()) {
    if (!method->is_string()) return Invalid("`method` must be a string");
    auto params = j.find("params");
    const bool has_params = params != j.end();
    json params_value = has_params ? std::move(*params) : json(nullptr);
    if (id == j.end()) {
      return Message(Notification{method->get<std::string>(), std::move(params_value)});
    }
    absl::StatusOr<RequestId> rid = ReadId(*id);
    if (!rid.ok()) return rid.status();
    return Message(
        Request{*std::move(rid), method->get<std::string>(), has_params, std::move(params_value)});
  }
  if (id == j.end()) return Invalid("a message needs `method` (request, notification) or `id`");
  if (auto result = j.find("result"); result != j.end()) {
    absl::StatusOr<RequestId> rid = ReadId(*id);
    if (!rid.ok()) return rid.status();
    return Message(Response{*std::move(rid), std::move(*result)});
  }
  if (auto error = j.find("error"); error != j.end()) {
    absl::StatusOr<RpcError> e = ReadError(*error);
    if (!e.ok()) return e.status();
    std::optional<RequestId> rid;
    if (!id->is_null()) {
      absl::StatusOr<RequestId> read = ReadId(*id);
      if (!read.ok()) return read.status();
      rid = *std::move(read);
    }
    return Message(ErrorResponse{std::move(rid), *std::move(e)});
  }
  return Invalid("a message with `id` needs `method`, `result` or `error`");
}

}  // namespace

json RequestIdToJson(const RequestId& id) {
  if (const int64_t* n = std::get_if<int64_t>(&id)) return *n;
  return std::get<std::string>(id);
}

std::string RequestIdToString(const RequestId& id) { return RequestIdToJson(id).dump(); }

absl::StatusOr<Message> DecodeMessage(std::string_view text) {
  absl::StatusOr<json> j = ParseJson(text);
  if (j.status().code() == absl::StatusCode::kOutOfRange ||
      j.status().code() == absl::StatusCode::kResourceExhausted) {
    // Valid JSON (RFC 8259 lets a parser limit nesting and size), so not a parse error: a
    // request the server refuses, answered with its id (SalvageRequestId reads it at any depth).
    return Invalid(ToStd(j.status().message()));
  }
  if (!j.ok()) {
    return WithRpcCode(
        absl::InvalidArgumentError(absl::StrCat("Parse error: ", j.status().message())),
        kParseError);
  }
  try {
    return FromJson(*std::move(j));
  } catch (const std::exception& e) {
    // Defensive: the checks above make accessors safe, but no exception may cross this edge.
    return Invalid(e.what());
  }
}

std::optional<RequestId> SalvageRequestId(std::string_view text) {
  try {
    absl::StatusOr<std::optional<json>> id = ParseTopLevelMember(text, "id");
    if (!id.ok() || !id->has_value()) return std::nullopt;
    absl::StatusOr<RequestId> rid = ReadId(**id);
    if (!rid.ok()) return std::nullopt;
    return *std::move(rid);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::string Encode(const Message& message) {
  json out;
  if (const Request* r = std::get_if<Request>(&message)) {
    out = {{"id", RequestIdToJson(r->id)}, {"method", r->method}};
    if (r->has_params) out["params"] = r->params;
  } else if (const Notification* n = std::get_if<Notification>(&message)) {
    out = {{"method", n->method}};
    if (!n->params.is_null()) out["params"] = n->params;
  } else if (const Response* s = std::get_if<Response>(&message)) {
    out = {{"id", RequestIdToJson(s->id)}, {"result", s->result}};
  } else {
    const ErrorResponse& e = std::get<ErrorResponse>(message);
    json error = {{"code", e.error.code}, {"message", e.error.message}};
    if (!e.error.data.is_null()) error["data"] = e.error.data;
    out = {{"error", std::move(error)}, {"id", e.id ? RequestIdToJson(*e.id) : json(nullptr)}};
  }
  // Replace, not throw, on invalid UTF-8 that slipped into a string (e.g. a file name).
  return out.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string EncodeResponse(const RequestId& id, std::string_view result_json) {
  const std::string id_json =
      RequestIdToJson(id).dump(-1, ' ', false, json::error_handler_t::replace);
  std::string out;
  out.reserve(id_json.size() + result_json.size() + 20);
  out.append("{\"id\":").append(id_json).append(",\"result\":").append(result_json).append("}");
  return out;
}

}  // namespace threadlog::api
