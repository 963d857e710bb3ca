// ModelClient: the request, the two layers of retries, the stream read into events.
#include "api/agent/model_client.h"

#include <utility>

#include "absl/random/random.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "api/agent/http_stream.h"
#include "eventlog/absl_compat.h"

namespace threadlog::agent {

namespace {

using nlohmann::json;

// serde's words for a JSON value it did not expect.
std::string Unexpected(const json& v) {
  if (v.is_string()) return absl::StrCat("string \"", v.get<std::string>(), "\"");
  if (v.is_number_integer()) return absl::StrCat("integer `", v.dump(), "`");
  if (v.is_number_float()) return absl::StrCat("floating point `", v.dump(), "`");
  if (v.is_boolean()) return absl::StrCat("boolean `", v.dump(), "`");
  if (v.is_null()) return "null";
  if (v.is_array()) return "sequence";
  return "map";
}

// serde reads a struct's fields as the map presents them (nlohmann's objects are in key order,
// as these structs' fields happen to be) and reports a missing field only after the rest.

// An i64 field: absent is fine here (the caller checks), otherwise it must be an integer.
bool IntFieldType(const json& object, const char* key, int64_t* out, std::string* why) {
  auto it = object.find(key);
  if (it == object.end()) return true;
  if (!it->is_number_integer()) {
    *why = absl::StrCat("invalid type: ", Unexpected(*it), ", expected i64");
    return false;
  }
  *out = it->get<int64_t>();
  return true;
}

bool Missing(const json& object, std::initializer_list<const char*> required, std::string* why) {
  for (const char* key : required) {
    if (!object.contains(key)) {
      *why = absl::StrCat("missing field `", key, "`");
      return true;
    }
  }
  return false;
}

// A `*_details` object: absent or null is fine; otherwise it needs its one field.
bool OptionalDetail(const json& usage, const char* key, const char* field, const char* type,
                    int64_t* out, std::string* why) {
  auto it = usage.find(key);
  if (it == usage.end() || it->is_null()) return true;
  if (!it->is_object()) {
    *why = absl::StrCat("invalid type: ", Unexpected(*it), ", expected struct ", type);
    return false;
  }
  return IntFieldType(*it, field, out, why) && !Missing(*it, {field}, why);
}

bool ParseUsage(const json& usage, TokenUsage* u, std::string* why) {
  return IntFieldType(usage, "input_tokens", &u->input_tokens, why) &&
         OptionalDetail(usage, "input_tokens_details", "cached_tokens",
                        "ResponseCompletedInputTokensDetails", &u->cached_input_tokens, why) &&
         IntFieldType(usage, "output_tokens", &u->output_tokens, why) &&
         OptionalDetail(usage, "output_tokens_details", "reasoning_tokens",
                        "ResponseCompletedOutputTokensDetails", &u->reasoning_output_tokens, why) &&
         IntFieldType(usage, "total_tokens", &u->total_tokens, why) &&
         !Missing(usage, {"input_tokens", "output_tokens", "total_tokens"}, why);
}

// response.completed's `response` as Codex's ResponseCompleted reads it.
bool ParseCompleted(const json& response, CompletedEvent* out, std::string* why) {
  if (!response.is_object()) {
    *why =
        absl::StrCat("invalid type: ", Unexpected(response), ", expected struct ResponseCompleted");
    return false;
  }
  if (auto id = response.find("id"); id != response.end()) {
    if (!id->is_string()) {
      *why = absl::StrCat("invalid type: ", Unexpected(*id), ", expected a string");
      return false;
    }
    out->response_id = id->get<std::string>();
  }
  if (auto usage = response.find("usage"); usage != response.end() && !usage->is_null()) {
    if (!usage->is_object()) {
      *why = absl::StrCat("invalid type: ", Unexpected(*usage),
                          ", expected struct ResponseCompletedUsage");
      return false;
    }
    TokenUsage u;
    if (!ParseUsage(*usage, &u, why)) return false;
    out->usage = u;
  }
  return !Missing(response, {"id"}, why);
}

bool IsItem(const json& item) {
  return item.is_object() && item.contains("type") && item["type"].is_string();
}

std::optional<int64_t> IntField(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<int64_t>();
}

std::optional<std::string> StringField(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

// A present, non-null `response` (Codex's Option<Value> is None for null).
const json* ResponseOf(const json& event) {
  auto it = event.find("response");
  if (it == event.end() || it->is_null()) return nullptr;
  return &*it;
}

double RandomJitter() {
  thread_local absl::BitGen gen;
  return absl::Uniform(gen, 0.9, 1.1);
}

// What one attempt (its HTTP retries included) came to.
struct AttemptResult {
  bool completed = false;
  CompletedEvent event;
  ModelError error;
};

}  // namespace

json TokenUsage::ToJson() const {
  return json{{"totalTokens", total_tokens},
              {"inputTokens", input_tokens},
              {"cachedInputTokens", cached_input_tokens},
              {"outputTokens", output_tokens},
              {"reasoningOutputTokens", reasoning_output_tokens}};
}

std::string RetryNotice::Message() const {
  return absl::StrCat("Reconnecting... ", retry, "/", max_retries);
}

json RetryNotice::TurnErrorJson() const {
  return json{{"message", Message()},
              {"codexErrorInfo", error.RetryCodexErrorInfo()},
              {"additionalDetails", error.message}};
}

void ResponseEventDecoder::Decode(const SseEvent& event, std::vector<ResponseEvent>* out) {
  if (state_ != State::kStreaming) return;
  const json j = json::parse(event.data, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return;
  const std::optional<std::string> type = StringField(j, "type");
  if (!type) return;
  if (*type == "response.output_item.added" || *type == "response.output_item.done") {
    auto item = j.find("item");
    if (item == j.end() || !IsItem(*item)) return;
    if (*type == "response.output_item.added") {
      out->push_back(OutputItemAddedEvent{*item});
    } else {
      out->push_back(OutputItemDoneEvent{*item});
    }
  } else if (*type == "response.output_text.delta") {
    if (auto delta = StringField(j, "delta")) out->push_back(OutputTextDeltaEvent{*delta});
  } else if (*type == "response.reasoning_summary_text.delta") {
    auto delta = StringField(j, "delta");
    auto index = IntField(j, "summary_index");
    if (delta && index) out->push_back(ReasoningSummaryDeltaEvent{*delta, *index});
  } else if (*type == "response.reasoning_text.delta") {
    auto delta = StringField(j, "delta");
    auto index = IntField(j, "content_index");
    if (delta && index) out->push_back(ReasoningTextDeltaEvent{*delta, *index});
  } else if (*type == "response.reasoning_summary_part.added") {
    if (auto index = IntField(j, "summary_index")) {
      out->push_back(ReasoningSummaryPartAddedEvent{*index});
    }
  } else if (*type == "response.created") {
    if (ResponseOf(j) != nullptr) out->push_back(CreatedEvent{});
  } else if (*type == "response.failed") {
    if (const json* response = ResponseOf(j)) {
      error_ = ClassifyFailedResponse(*response);
      state_ = State::kFailed;
    }
  } else if (*type == "response.completed") {
    if (const json* response = ResponseOf(j)) {
      CompletedEvent completed;
      std::string why;
      if (ParseCompleted(*response, &completed, &why)) {
        state_ = State::kCompleted;
        out->push_back(std::move(completed));
      } else {
        error_ = StreamError(absl::StrCat("failed to parse ResponseCompleted: ", why));
        state_ = State::kFailed;
      }
    }
  }
}

ModelClient::ModelClient(ProviderSettings provider) : ModelClient(std::move(provider), {}) {}

ModelClient::ModelClient(ProviderSettings provider, Options options)
    : provider_(std::move(provider)), options_(std::move(options)) {
  if (!options_.env) options_.env = ProcessEnvironment();
  if (!options_.jitter) options_.jitter = RandomJitter;
}

StreamOutcome ModelClient::Stream(const StreamRequest& request, const StreamCallbacks& callbacks,
                                  CancelToken* cancel) const try {
  StreamOutcome outcome;
  auto finish = [&](ModelError error) {
    outcome.status = error.ToStatus();
    outcome.error = std::move(error);
    return outcome;
  };
  auto cancelled = [cancel] { return cancel != nullptr && cancel->cancelled(); };
  auto sleep = [cancel](absl::Duration d) {
    if (cancel == nullptr) {
      absl::SleepFor(d);
      return true;
    }
    return cancel->SleepFor(d);
  };

  absl::StatusOr<std::vector<HttpHeader>> provider_headers =
      ProviderHeaders(provider_, request.account, options_.env);
  if (!provider_headers.ok())
    return finish(ConfigurationError(ToStd(provider_headers.status().message())));
  const std::string url_text = ResponsesUrl(provider_, request.account);
  absl::StatusOr<Url> url = ParseUrl(url_text);
  if (!url.ok()) return finish(ConfigurationError(ToStd(url.status().message())));

  HttpRequest http;
  http.url = *url;
  http.body = request.body;
  http.connect_timeout = options_.connect_timeout;
  http.head_timeout = provider_.stream_idle_timeout;
  http.headers = {{"Content-Type", "application/json"}, {"Accept", "text/event-stream"}};
  http.headers.insert(http.headers.end(), provider_headers->begin(), provider_headers->end());
  http.headers.insert(http.headers.end(), request.headers.begin(), request.headers.end());

  auto attempt = [&]() -> AttemptResult {
    AttemptResult result;
    std::unique_ptr<HttpStream> stream;
    for (int transport = 0;; ++transport) {
      if (cancelled()) return {false, {}, InterruptedError()};
      const bool may_retry = transport < provider_.request_max_retries;
      ++outcome.http_requests;
      absl::StatusOr<std::unique_ptr<HttpStream>> opened = HttpStream::Open(http, cancel);
      if (opened.ok() && (*opened)->status() >= 200 && (*opened)->status() < 300) {
        stream = *std::move(opened);
        break;
      }
      ModelError error;
      bool transient = false;
      if (!opened.ok()) {
        if (opened.status().code() == absl::StatusCode::kCancelled || cancelled()) {
          return {false, {}, InterruptedError()};
        }
        error = SendError(url_text, ToStd(opened.status().message()));
        transient = opened.status().code() != absl::StatusCode::kInternal;
      } else {
        HttpStream& failed = **opened;
        absl::StatusOr<std::string> body =
            failed.ReadAll(provider_.stream_idle_timeout, options_.max_error_body_bytes);
        if (cancelled()) return {false, {}, InterruptedError()};
        error =
            ClassifyHttpError(failed.status(), failed.headers(), body.ok() ? *body : "", url_text);
        transient = failed.status() >= 500;
      }
      if (!transient || !may_retry) {
        result.error = std::move(error);
        return result;
      }
      if (!sleep(BackoffDelay(transport + 1, options_.retry_base_delay, options_.jitter()))) {
        return {false, {}, InterruptedError()};
      }
    }

    for (const HttpHeader& header : stream->headers()) {
      if (absl::EqualsIgnoreCase(header.name, "openai-model") && !header.value.empty()) {
        if (callbacks.on_event) callbacks.on_event(ServerModelEvent{header.value});
        break;
      }
    }
    SseParser parser(options_.max_event_bytes);
    ResponseEventDecoder decoder;
    std::vector<SseEvent> sse;
    std::vector<ResponseEvent> events;
    std::string bytes;
    absl::Time last_event = absl::Now();
    while (true) {
      const absl::Duration left = provider_.stream_idle_timeout - (absl::Now() - last_event);
      absl::Status read = left <= absl::ZeroDuration() ? absl::DeadlineExceededError("idle")
                                                       : stream->Read(left, &bytes);
      if (cancelled() || read.code() == absl::StatusCode::kCancelled) {
        return {false, {}, InterruptedError()};
      }
      if (read.code() == absl::StatusCode::kDeadlineExceeded) {
        result.error = StreamError("idle timeout waiting for SSE");
        return result;
      }
      if (!read.ok()) {
        result.error = read.code() == absl::StatusCode::kDataLoss
                           ? StreamError(
                                 "Transport error: network error: error decoding "
                                 "response body")
                           : StreamError(ToStd(read.message()));
        return result;
      }
      if (bytes.empty() && stream->done()) {
        parser.Finish();
        result.error = StreamError("stream closed before response.completed");
        return result;
      }
      sse.clear();
      absl::Status fed = parser.Feed(bytes, &sse);
      if (!sse.empty()) last_event = absl::Now();
      for (const SseEvent& e : sse) {
        events.clear();
        decoder.Decode(e, &events);
        for (const ResponseEvent& ev : events) {
          if (callbacks.on_event) callbacks.on_event(ev);
        }
        if (decoder.state() == ResponseEventDecoder::State::kCompleted) {
          result.completed = true;
          result.event = std::get<CompletedEvent>(events.back());
          return result;  // the connection closes here, without reading on
        }
        if (decoder.state() == ResponseEventDecoder::State::kFailed) {
          result.error = decoder.error();
          return result;
        }
      }
      if (!fed.ok()) {
        result.error = StreamError(ToStd(fed.message()));
        result.error.retryable = false;  // the same answer would be as large again
        return result;
      }
    }
  };

  for (int retries = 0;;) {
    AttemptResult result = attempt();
    if (result.completed) {
      outcome.status = absl::OkStatus();
      outcome.completed = std::move(result.event);
      return outcome;
    }
    if (result.error.kind == ModelErrorKind::kInterrupted) return finish(std::move(result.error));
    if (!result.error.retryable || retries >= provider_.stream_max_retries) {
      return finish(std::move(result.error));
    }
    ++retries;
    RetryNotice notice;
    notice.retry = retries;
    notice.max_retries = provider_.stream_max_retries;
    notice.delay = result.error.requested_delay.value_or(
        BackoffDelay(retries, options_.retry_base_delay, options_.jitter()));
    notice.error = std::move(result.error);
    if (callbacks.on_retry) callbacks.on_retry(notice);
    if (!sleep(notice.delay)) return finish(InterruptedError());
  }
} catch (const std::exception& e) {
  // Nothing here throws by design; a callback or an allocation might.
  StreamOutcome outcome;
  outcome.error = StreamError(e.what());
  outcome.error.retryable = false;
  outcome.error.status_code = absl::StatusCode::kInternal;
  outcome.status = outcome.error.ToStatus();
  return outcome;
}

}  // namespace threadlog::agent
