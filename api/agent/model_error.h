// What goes wrong between the turn engine and a model provider, classified the way Codex
// 0.117.0 classifies it: the error texts, the CodexErrorInfo a turn error carries, which errors
// are retried and after how long (tests/agent/golden/codex_117_model_client.json is the
// evidence, captured from the binary by tests/agent/capture_codex_model_client.py).
#ifndef THREADLOG_API_AGENT_MODEL_ERROR_H_
#define THREADLOG_API_AGENT_MODEL_ERROR_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "api/agent/http_types.h"
#include "nlohmann/json.hpp"

namespace threadlog::agent {

// Codex's CodexErrorInfo variants. kInterrupted is not one: the turn was interrupted, which a
// turn reports by its status, not by an error.
enum class ModelErrorKind {
  kContextWindowExceeded,
  kUsageLimitExceeded,
  kServerOverloaded,
  kInternalServerError,
  kUnauthorized,
  kBadRequest,
  kHttpConnectionFailed,
  kResponseStreamConnectionFailed,
  kResponseStreamDisconnected,
  kResponseTooManyFailedAttempts,
  kOther,
  kInterrupted,
};

// One failure of a request or of its stream.
struct ModelError {
  ModelErrorKind kind = ModelErrorKind::kOther;
  std::string message;             // Codex's text for it: the turn error's `message`
  std::optional<int> http_status;  // the status behind it, when it carries one (see below)
  bool retryable = false;          // whether the stream is tried again (stream_max_retries)
  std::optional<absl::Duration> requested_delay;  // a "try again in" the server gave
  std::optional<absl::Duration> retry_after;      // a Retry-After header (Codex ignores it; kept)
  std::optional<std::string> provider_code;       // error.code of a response.failed or HTTP body
  // The status code ToStatus gives: kUnavailable for what the network or the server caused,
  // kResourceExhausted for usage and context limits, kInvalidArgument for a refused request,
  // kFailedPrecondition for a missing key, kCancelled for an interrupt.
  absl::StatusCode status_code = absl::StatusCode::kUnavailable;

  // The turn error's codexErrorInfo: "contextWindowExceeded", ..., or
  // {"responseTooManyFailedAttempts": {"httpStatusCode": 429}} and the like.
  nlohmann::json CodexErrorInfo() const;
  // The codexErrorInfo of the `error` notification announcing a retry of this error:
  // {"responseStreamDisconnected": {"httpStatusCode": <status or null>}}.
  nlohmann::json RetryCodexErrorInfo() const;
  // {"message", "codexErrorInfo", "additionalDetails": null}: a TurnError.
  nlohmann::json TurnErrorJson() const;
  // status_code with `message`.
  absl::Status ToStatus() const;
};

// --- classification: how Codex 0.117.0 words and treats each case -----------------------------

// A response whose status is not 2xx: `body` (possibly truncated; bytes that are not UTF-8
// become U+FFFD in the message), its headers, the URL asked.
//   400                → the body text verbatim, other, not retried; an invalid-image body
//                        → "Invalid image in your last message. ...", badRequest
//   429                → "exceeded retry limit, last status: 429 Too Many Requests[, request
//                        id: X]", responseTooManyFailedAttempts{429}, not retried (Retry-After
//                        is ignored); an error.type usage_limit_reached → "You've hit your usage
//                        limit. ...", usage_not_included → the ChatGPT-plan text, both
//                        usageLimitExceeded, not retried
//   500                → "We're currently experiencing high demand, which may cause temporary
//                        errors.", internalServerError, retried (http_status unset, as Codex
//                        announces it with a null status)
//   503 with error.code server_is_overloaded or slow_down → "Selected model is at capacity.
//                        Please try a different model.", serverOverloaded, not retried
//   anything else      → "unexpected status 404 Not Found: <error.message, else the trimmed
//                        body (1000 bytes at most), else Unknown error>, url: <url>[, cf-ray:
//                        X][, request id: Y]", other, retried, http_status set
ModelError ClassifyHttpError(int status, const std::vector<HttpHeader>& headers,
                             std::string_view body, std::string_view url);

// The `response` object of a response.failed event, by its error.code:
//   context_length_exceeded → contextWindowExceeded; insufficient_quota, usage_not_included →
//   usageLimitExceeded; server_is_overloaded, slow_down → serverOverloaded; invalid_prompt →
//   its message, other (these four kinds are not retried); anything else (or no error object)
//   → StreamError(error.message, or "response.failed event received"), retried, after the
//   "try again in" delay when error.code is rate_limit_exceeded.
ModelError ClassifyFailedResponse(const nlohmann::json& response);

// A stream that broke: "stream disconnected before completion: <detail>", other, retried.
ModelError StreamError(std::string_view detail);

// The request could not be sent (connect, TLS, ...): Codex's "error sending request for url
// (<url>)", then ": <cause>" (threadlog adds what went wrong; Codex does not), as a StreamError.
ModelError SendError(std::string_view url, std::string_view cause);

// "Missing environment variable: ..." (ProviderHeaders' error): other, not retried.
ModelError ConfigurationError(std::string_view message);

ModelError InterruptedError();

// "try again in 1.5s", "in 700ms", "in 2 seconds" (case-insensitive, the first that parses) in
// a rate-limit message: the delay it asks for. Milliseconds are truncated to whole ones.
std::optional<absl::Duration> ParseTryAgainIn(std::string_view message);
// A Retry-After header: whole seconds (an HTTP date is not understood: nullopt).
std::optional<absl::Duration> ParseRetryAfter(std::string_view value);

// Codex's backoff before retry number `attempt` (1-based): base * 2^(attempt-1) * jitter, with
// `jitter` drawn from [0.9, 1.1); attempt 0 is `base` itself.
absl::Duration BackoffDelay(int attempt, absl::Duration base, double jitter);

// The status line's reason as Codex's HTTP library writes it ("Not Found", "Payload Too Large").
std::string CanonicalReason(int status);

}  // namespace threadlog::agent

#endif  // THREADLOG_API_AGENT_MODEL_ERROR_H_
