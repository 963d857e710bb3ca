// ModelClient: one sampling request of a turn — POST {base_url}/responses, the SSE stream read
// into typed events, the retries Codex 0.117.0 makes (silent HTTP retries, announced stream
// retries), the idle timeout, cancellation — ending in the response's id and usage or in a
// classified error the turn reports.
#ifndef THREADLOG_API_AGENT_MODEL_CLIENT_H_
#define THREADLOG_API_AGENT_MODEL_CLIENT_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "api/agent/cancel_token.h"
#include "api/agent/http_types.h"
#include "api/agent/model_error.h"
#include "api/agent/provider.h"
#include "api/agent/sse_parser.h"
#include "nlohmann/json.hpp"

namespace threadlog::agent {

// response.completed's usage (Codex's TokenUsage).
struct TokenUsage {
  int64_t input_tokens = 0;
  int64_t cached_input_tokens = 0;  // input_tokens_details.cached_tokens
  int64_t output_tokens = 0;
  int64_t reasoning_output_tokens = 0;  // output_tokens_details.reasoning_tokens
  int64_t total_tokens = 0;

  // A TokenUsageBreakdown: {totalTokens, inputTokens, cachedInputTokens, outputTokens,
  // reasoningOutputTokens}, what thread/tokenUsage/updated carries as `last`.
  nlohmann::json ToJson() const;
  bool operator==(const TokenUsage&) const = default;
};

// The events of one stream, in the order the server sent them. Items are passed on as the
// server wrote them (any JSON object with a string "type"); the engine interprets them.
struct CreatedEvent {};  // response.created
struct OutputItemAddedEvent {
  nlohmann::json item;
};  // response.output_item.added
struct OutputItemDoneEvent {
  nlohmann::json item;
};  // response.output_item.done
struct OutputTextDeltaEvent {
  std::string delta;
};                                   // response.output_text.delta
struct ReasoningSummaryDeltaEvent {  // response.reasoning_summary_text.delta
  std::string delta;
  int64_t summary_index = 0;
};
struct ReasoningSummaryPartAddedEvent {
  int64_t summary_index = 0;
};                                // ..._summary_part.added
struct ReasoningTextDeltaEvent {  // response.reasoning_text.delta
  std::string delta;
  int64_t content_index = 0;
};
// Before any SSE event: the model the provider says answers (its OpenAI-Model response header),
// when it names one.
struct ServerModelEvent {
  std::string model;
};
struct CompletedEvent {  // response.completed: the last event
  std::string response_id;
  std::optional<TokenUsage> usage;  // absent: Codex sends no thread/tokenUsage/updated
};
using ResponseEvent =
    std::variant<CreatedEvent, OutputItemAddedEvent, OutputItemDoneEvent, OutputTextDeltaEvent,
                 ReasoningSummaryDeltaEvent, ReasoningSummaryPartAddedEvent,
                 ReasoningTextDeltaEvent, CompletedEvent, ServerModelEvent>;

// A stream retry, announced before its delay: what the engine sends as an `error`
// notification with willRetry = true.
struct RetryNotice {
  int retry = 0;        // 1-based
  int max_retries = 0;  // the provider's stream_max_retries
  absl::Duration delay;
  ModelError error;  // what failed

  std::string Message() const;  // "Reconnecting... 1/5"
  // The notification's `error` (a TurnError): {"message": Message(), "codexErrorInfo":
  // {"responseStreamDisconnected": {"httpStatusCode": ...}}, "additionalDetails": the failed
  // attempt's message}.
  nlohmann::json TurnErrorJson() const;
};

// Called on the thread that runs Stream, in order. Events of an attempt that later fails have
// been delivered when on_retry announces the next attempt: the engine drops or keeps them (Codex
// 0.117.0 keeps the items it completed and sends the same request again).
struct StreamCallbacks {
  std::function<void(const ResponseEvent&)> on_event;
  std::function<void(const RetryNotice&)> on_retry;
};

struct StreamRequest {
  std::string body;  // the ResponsesApiRequest, serialized JSON
  // The engine's headers (originator, session_id, x-client-request-id, x-codex-turn-metadata,
  // user-agent); sent after Content-Type, Accept and the provider's.
  std::vector<HttpHeader> headers;
  AccountCredentials account;
};

struct StreamOutcome {
  absl::Status status;       // OK, or error.ToStatus()
  ModelError error;          // when !status.ok(): the turn's error (kInterrupted: cancelled)
  CompletedEvent completed;  // when status.ok()
  int http_requests = 0;     // requests sent, retries included
};

// Immutable after construction; Stream may run on several threads at once (each call has its
// own connection). Stream never throws and blocks its thread until it ends; cancellation from
// another thread (the CancelToken) ends it at once, closing the connection.
class ModelClient {
 public:
  struct Options {
    absl::Duration retry_base_delay = absl::Milliseconds(200);  // Codex's backoff base
    absl::Duration connect_timeout = absl::Seconds(30);
    size_t max_event_bytes = SseParser::kDefaultMaxEventBytes;
    size_t max_error_body_bytes = 1 << 20;  // of a non-2xx answer, kept for its message
    EnvLookup env;                          // env_key, env_http_headers; default getenv
    std::function<double()> jitter;         // in [0.9, 1.1); default uniformly random
  };

  explicit ModelClient(ProviderSettings provider);
  ModelClient(ProviderSettings provider, Options options);

  const ProviderSettings& provider() const { return provider_; }

  // Runs the request to its end, Codex's way:
  //   - the provider's headers (a missing env_key variable fails at once, no request made)
  //   - up to 1 + request_max_retries HTTP attempts while the answer is a 5xx or no answer
  //     (connect, TLS), silently, after BackoffDelay(n) with the base delay
  //   - the stream: events delivered as they arrive; response.completed ends it (the
  //     connection is closed without reading on); response.failed ends it with its error;
  //     stream_idle_timeout without an event (comments do not count) ends it with
  //     "idle timeout waiting for SSE"; the body's end before response.completed, "stream
  //     closed before response.completed"; a body cut short, "Transport error: network error:
  //     error decoding response body"
  //   - a retryable error (ModelError::retryable) is retried up to stream_max_retries times,
  //     each announced through on_retry, after the server's "try again in" or BackoffDelay(n)
  //   - cancellation: kCancelled (error kInterrupted) at once, from any phase, sleeps included.
  StreamOutcome Stream(const StreamRequest& request, const StreamCallbacks& callbacks,
                       CancelToken* cancel) const;

 private:
  ProviderSettings provider_;
  Options options_;
};

// --- the pieces Stream is made of, for tests -----------------------------------------------

// Turns SSE events into ResponseEvents the way Codex reads them: data that is not a JSON
// object with a "type" is skipped; the SSE event name is not used; unknown types are ignored;
// deltas without their index are ignored. Not thread-safe.
class ResponseEventDecoder {
 public:
  enum class State { kStreaming, kCompleted, kFailed };

  // Decodes one event; appends what it yields to *out. After response.completed (state
  // kCompleted, *out ends with the CompletedEvent) or response.failed or a malformed
  // response.completed (state kFailed, error() says why) nothing more is decoded.
  void Decode(const SseEvent& event, std::vector<ResponseEvent>* out);
  State state() const { return state_; }
  const ModelError& error() const { return error_; }

 private:
  State state_ = State::kStreaming;
  ModelError error_;
};

}  // namespace threadlog::agent

#endif  // THREADLOG_API_AGENT_MODEL_CLIENT_H_
