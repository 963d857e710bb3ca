// ModelClient: the event decoder, and whole streams against the real mock server — events in
// order, the request as sent, retries (announced or silent) and their delays, the idle timeout,
// cancellation, unreachable and untrusted endpoints, missing keys.
#include "api/agent/model_client.h"

#include <cstdlib>
#include <thread>

#include "gtest/gtest.h"
#include "tests/agent/mock_server.h"
#include "tests/testutil/scratch_dir.h"

namespace threadlog::agent {
namespace {

using nlohmann::json;
using testing::MockServer;
using testing::NowMs;
using testing::ScratchDir;

// --- the decoder ------------------------------------------------------------------------------

std::vector<ResponseEvent> Decode(ResponseEventDecoder& decoder, const json& event) {
  std::vector<ResponseEvent> out;
  decoder.Decode({"ignored-name", event.dump()}, &out);
  return out;
}

TEST(ResponseEventDecoderTest, TypedEventsAndWhatIsSkipped) {
  ResponseEventDecoder d;
  EXPECT_EQ(Decode(d, {{"type", "response.created"}, {"response", {{"id", "r"}}}}).size(), 1u);
  EXPECT_TRUE(Decode(d, {{"type", "response.created"}}).empty());  // no response: skipped
  EXPECT_TRUE(Decode(d, {{"type", "response.in_progress"}, {"response", {}}}).empty());
  EXPECT_TRUE(Decode(d, {{"type", "response.something_new"}}).empty());
  std::vector<ResponseEvent> none;
  d.Decode({"message", "not json"}, &none);
  d.Decode({"message", "[1,2]"}, &none);
  d.Decode({"message", "{\"no\":\"type\"}"}, &none);
  EXPECT_TRUE(none.empty());

  auto added = Decode(
      d, {{"type", "response.output_item.added"}, {"item", {{"type", "message"}, {"id", "m"}}}});
  ASSERT_EQ(added.size(), 1u);
  EXPECT_EQ(std::get<OutputItemAddedEvent>(added[0]).item["id"], "m");
  EXPECT_TRUE(Decode(d, {{"type", "response.output_item.done"}, {"item", "text"}}).empty());
  EXPECT_TRUE(Decode(d, {{"type", "response.output_item.done"}, {"item", {{"id", 1}}}}).empty());

  auto text = Decode(d, {{"type", "response.output_text.delta"}, {"delta", "Hi"}});
  ASSERT_EQ(text.size(), 1u);
  EXPECT_EQ(std::get<OutputTextDeltaEvent>(text[0]).delta, "Hi");
  // Reasoning deltas need their index (Codex drops them otherwise).
  EXPECT_TRUE(
      Decode(d, {{"type", "response.reasoning_summary_text.delta"}, {"delta", "x"}}).empty());
  auto summary = Decode(
      d, {{"type", "response.reasoning_summary_text.delta"}, {"delta", "x"}, {"summary_index", 2}});
  ASSERT_EQ(summary.size(), 1u);
  EXPECT_EQ(std::get<ReasoningSummaryDeltaEvent>(summary[0]).summary_index, 2);
  EXPECT_TRUE(Decode(d, {{"type", "response.reasoning_text.delta"}, {"delta", "raw"}}).empty());
  auto raw = Decode(
      d, {{"type", "response.reasoning_text.delta"}, {"delta", "raw"}, {"content_index", 0}});
  ASSERT_EQ(raw.size(), 1u);
  EXPECT_EQ(std::get<ReasoningTextDeltaEvent>(raw[0]).delta, "raw");
  EXPECT_TRUE(Decode(d, {{"type", "response.reasoning_summary_part.added"}}).empty());
  auto part = Decode(d, {{"type", "response.reasoning_summary_part.added"}, {"summary_index", 1}});
  ASSERT_EQ(part.size(), 1u);
  EXPECT_EQ(std::get<ReasoningSummaryPartAddedEvent>(part[0]).summary_index, 1);
  EXPECT_EQ(d.state(), ResponseEventDecoder::State::kStreaming);

  auto done = Decode(d, {{"type", "response.completed"},
                         {"response",
                          {{"id", "resp_9"},
                           {"usage",
                            {{"input_tokens", 120},
                             {"input_tokens_details", {{"cached_tokens", 20}}},
                             {"output_tokens", 7},
                             {"output_tokens_details", nullptr},
                             {"total_tokens", 127}}}}}});
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(d.state(), ResponseEventDecoder::State::kCompleted);
  const auto& completed = std::get<CompletedEvent>(done[0]);
  EXPECT_EQ(completed.response_id, "resp_9");
  EXPECT_EQ(completed.usage, (TokenUsage{120, 20, 7, 0, 127}));
  EXPECT_EQ(completed.usage->ToJson(), json::parse(R"({"totalTokens":127,"inputTokens":120,
      "cachedInputTokens":20,"outputTokens":7,"reasoningOutputTokens":0})"));
  // Nothing after the end.
  EXPECT_TRUE(Decode(d, {{"type", "response.output_text.delta"}, {"delta", "late"}}).empty());
}

TEST(ResponseEventDecoderTest, CompletedMustParse) {
  struct Case {
    json response;
    std::string why;
  };
  const std::vector<Case> cases = {
      {json::object(), "missing field `id`"},
      {{{"id", 5}}, "invalid type: integer `5`, expected a string"},
      {{{"id", "r"}, {"usage", "x"}},
       "invalid type: string \"x\", expected struct ResponseCompletedUsage"},
      {{{"id", "r"}, {"usage", {{"input_tokens", 1}, {"total_tokens", 1}}}},
       "missing field `output_tokens`"},
      {{{"id", "r"}, {"usage", {{"input_tokens", 1}, {"output_tokens", 1.5}, {"total_tokens", 1}}}},
       "invalid type: floating point `1.5`, expected i64"},
  };
  for (const Case& c : cases) {
    ResponseEventDecoder d;
    EXPECT_TRUE(Decode(d, {{"type", "response.completed"}, {"response", c.response}}).empty());
    EXPECT_EQ(d.state(), ResponseEventDecoder::State::kFailed);
    EXPECT_EQ(d.error().message,
              "stream disconnected before completion: failed to parse ResponseCompleted: " + c.why);
    EXPECT_TRUE(d.error().retryable);
  }
  ResponseEventDecoder without_usage;
  auto done = Decode(without_usage, {{"type", "response.completed"}, {"response", {{"id", "r"}}}});
  ASSERT_EQ(done.size(), 1u);
  EXPECT_FALSE(std::get<CompletedEvent>(done[0]).usage.has_value());
}

TEST(ResponseEventDecoderTest, FailedEndsTheStream) {
  ResponseEventDecoder d;
  EXPECT_TRUE(Decode(d, {{"type", "response.failed"}}).empty());  // no response: ignored
  EXPECT_EQ(d.state(), ResponseEventDecoder::State::kStreaming);
  Decode(d, {{"type", "response.failed"},
             {"response", {{"error", {{"code", "insufficient_quota"}, {"message", "no"}}}}}});
  EXPECT_EQ(d.state(), ResponseEventDecoder::State::kFailed);
  EXPECT_EQ(d.error().CodexErrorInfo(), "usageLimitExceeded");
}

// --- whole streams against the mock -------------------------------------------------------------

struct StreamRun {
  StreamOutcome outcome;
  std::vector<ResponseEvent> events;
  std::vector<RetryNotice> retries;
  std::vector<size_t> events_before_retry;  // how many events had arrived at each retry
  double took_ms = 0;
};

class ModelClientTest : public ::testing::Test {
 protected:
  ProviderSettings Provider(const MockServer& mock) {
    ProviderSettings p;
    p.id = "mock";
    p.name = "mock";
    p.base_url = mock.base_url();
    p.env_key = "MOCK_API_KEY";
    p.request_max_retries = 0;
    p.stream_max_retries = 0;
    p.stream_idle_timeout = absl::Seconds(10);
    return p;
  }
  ModelClient::Options Options() {
    ModelClient::Options o;
    o.retry_base_delay = absl::Milliseconds(5);
    o.env = [](const std::string& name) -> std::optional<std::string> {
      if (name == "MOCK_API_KEY") return "test-key";
      return std::nullopt;
    };
    o.jitter = [] { return 1.0; };
    return o;
  }
  StreamRun Stream(const ModelClient& client, CancelToken* cancel = nullptr,
                   std::vector<HttpHeader> headers = {}) {
    StreamRun run;
    StreamRequest request;
    request.body = R"({"model":"gpt-5.1-codex","input":[],"stream":true})";
    request.headers = std::move(headers);
    StreamCallbacks callbacks;
    callbacks.on_event = [&](const ResponseEvent& e) { run.events.push_back(e); };
    callbacks.on_retry = [&](const RetryNotice& n) {
      run.retries.push_back(n);
      run.events_before_retry.push_back(run.events.size());
    };
    const double start = NowMs();
    run.outcome = client.Stream(request, callbacks, cancel);
    run.took_ms = NowMs() - start;
    return run;
  }
  // Seconds between the mock's requests i-1 and i.
  static double GapMs(const std::vector<json>& requests, size_t i) {
    return (requests[i]["time"].get<double>() - requests[i - 1]["time"].get<double>()) * 1000;
  }
  ScratchDir dir_;
};

TEST_F(ModelClientTest, NormalStreamInOrderWithTheRequestAsSent) {
  MockServer mock(
      dir_.path(),
      json::array({{{"items", json::array({{{"reasoning",
                                             {{"summary", {"Thinking."}}, {"content", {"raw"}}}}},
                                           {{"text", "Hello there."}}})},
                    {"response_id", "resp_42"},
                    {"usage",
                     {{"input_tokens", 120},
                      {"input_tokens_details", {{"cached_tokens", 20}}},
                      {"output_tokens", 7},
                      {"output_tokens_details", {{"reasoning_tokens", 3}}},
                      {"total_tokens", 127}}}}}));
  ProviderSettings p = Provider(mock);
  p.query_params = {{"api-version", "2025-04-01-preview"}};
  p.http_headers = {{"X-Static", "static-value"}};
  ModelClient client(p, Options());
  StreamRun run =
      Stream(client, nullptr, {{"originator", "threadlog_test"}, {"session_id", "t-1"}});
  ASSERT_TRUE(run.outcome.status.ok()) << run.outcome.status;
  EXPECT_EQ(run.outcome.completed.response_id, "resp_42");
  EXPECT_EQ(run.outcome.completed.usage, (TokenUsage{120, 20, 7, 3, 127}));
  EXPECT_EQ(run.outcome.http_requests, 1);
  EXPECT_TRUE(run.retries.empty());

  std::vector<size_t> kinds;
  for (const ResponseEvent& e : run.events) kinds.push_back(e.index());
  auto index_of = [](auto event) { return ResponseEvent(event).index(); };
  EXPECT_EQ(kinds,
            (std::vector<size_t>{
                index_of(CreatedEvent{}), index_of(OutputItemAddedEvent{}),
                index_of(ReasoningSummaryPartAddedEvent{}), index_of(ReasoningSummaryDeltaEvent{}),
                index_of(ReasoningTextDeltaEvent{}), index_of(OutputItemDoneEvent{}),
                index_of(OutputItemAddedEvent{}), index_of(OutputTextDeltaEvent{}),
                index_of(OutputItemDoneEvent{}), index_of(CompletedEvent{})}));
  EXPECT_EQ(std::get<ReasoningSummaryDeltaEvent>(run.events[3]).delta, "Thinking.");
  EXPECT_EQ(std::get<OutputTextDeltaEvent>(run.events[7]).delta, "Hello there.");
  EXPECT_EQ(std::get<OutputItemDoneEvent>(run.events[8]).item["content"][0]["text"],
            "Hello there.");

  auto requests = mock.Requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0]["path"], "/v1/responses");
  EXPECT_EQ(requests[0]["query"], "api-version=2025-04-01-preview");
  EXPECT_EQ(requests[0]["body"]["model"], "gpt-5.1-codex");
  const json& h = requests[0]["headers"];
  EXPECT_EQ(h["Content-Type"], "application/json");
  EXPECT_EQ(h["Accept"], "text/event-stream");
  EXPECT_EQ(h["Authorization"], "<redacted>");  // the mock hides it; see the golden test
  EXPECT_EQ(h["X-Static"], "static-value");
  EXPECT_EQ(h["originator"], "threadlog_test");
  EXPECT_EQ(h["session_id"], "t-1");
}

TEST_F(ModelClientTest, TinyTcpWritesGiveTheSameEvents) {
  MockServer mock(
      dir_.path(),
      json::array({{{"text", "Split into tiny writes, byte by byte."}, {"response_id", "r"}},
                   {{"text", "Split into tiny writes, byte by byte."},
                    {"response_id", "r"},
                    {"split", 1}}}));
  ModelClient client(Provider(mock), Options());
  StreamRun whole = Stream(client);
  StreamRun split = Stream(client);
  ASSERT_TRUE(whole.outcome.status.ok()) << whole.outcome.status;
  ASSERT_TRUE(split.outcome.status.ok()) << split.outcome.status;
  ASSERT_EQ(whole.events.size(), split.events.size());
  for (size_t i = 0; i < whole.events.size(); ++i) {
    EXPECT_EQ(whole.events[i].index(), split.events[i].index()) << i;
  }
  EXPECT_EQ(std::get<OutputTextDeltaEvent>(split.events[2]).delta,
            "Split into tiny writes, byte by byte.");
}

// Codex 0.117.0 does not retry a 429 at all and does not wait for its Retry-After
// (golden: http_429_retry_after): the turn fails at once with responseTooManyFailedAttempts.
TEST_F(ModelClientTest, TooManyRequestsFailsAtOnceAsCodexDoes) {
  MockServer mock(dir_.path(), json::array({{{"http_error", {{"status", 429}, {"retry_after", 2}}}},
                                            {{"text", "never asked for"}}}));
  ProviderSettings p = Provider(mock);
  p.request_max_retries = 2;
  p.stream_max_retries = 2;
  ModelClient client(p, Options());
  StreamRun run = Stream(client);
  EXPECT_EQ(run.outcome.status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(run.outcome.error.message, "exceeded retry limit, last status: 429 Too Many Requests");
  EXPECT_EQ(run.outcome.error.CodexErrorInfo(),
            json::parse(R"({"responseTooManyFailedAttempts":{"httpStatusCode":429}})"));
  EXPECT_EQ(run.outcome.error.retry_after, absl::Seconds(2));
  EXPECT_TRUE(run.retries.empty());
  EXPECT_EQ(mock.Requests().size(), 1u);
  EXPECT_LT(run.took_ms, 1500);
}

TEST_F(ModelClientTest, ServerErrorsUntilTheRetriesRunOut) {
  MockServer mock(dir_.path(), json::array({{{"http_error", 500}},
                                            {{"http_error", 500}},
                                            {{"http_error", 500}},
                                            {{"http_error", 500}},
                                            {{"http_error", 500}},
                                            {{"http_error", 500}},
                                            {{"text", "too late"}}}));
  ProviderSettings p = Provider(mock);
  p.request_max_retries = 1;  // each attempt: 2 requests, silently
  p.stream_max_retries = 2;   // 3 attempts, 2 of them announced
  ModelClient client(p, Options());
  StreamRun run = Stream(client);
  EXPECT_EQ(run.outcome.http_requests, 6);
  EXPECT_EQ(mock.Requests().size(), 6u);
  ASSERT_EQ(run.retries.size(), 2u);
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(
        run.retries[i].TurnErrorJson(),
        (json{{"message", "Reconnecting... " + std::to_string(i + 1) + "/2"},
              {"codexErrorInfo", {{"responseStreamDisconnected", {{"httpStatusCode", nullptr}}}}},
              {"additionalDetails",
               "We're currently experiencing high demand, which may cause temporary "
               "errors."}}));
    EXPECT_EQ(run.retries[i].delay, absl::Milliseconds(5 << i));
  }
  EXPECT_EQ(run.outcome.error.TurnErrorJson(),
            (json{{"message",
                   "We're currently experiencing high demand, which may cause temporary errors."},
                  {"codexErrorInfo", "internalServerError"},
                  {"additionalDetails", nullptr}}));
}

TEST_F(ModelClientTest, CutStreamIsRetriedAndItsEventsCameFirst) {
  MockServer mock(dir_.path(), json::array({{{"text", "partial answer"}, {"cut", true}},
                                            {{"text", "Recovered."}}}));
  ProviderSettings p = Provider(mock);
  p.request_max_retries = 3;  // not used: the answer had begun
  p.stream_max_retries = 1;
  ModelClient client(p, Options());
  StreamRun run = Stream(client);
  ASSERT_TRUE(run.outcome.status.ok()) << run.outcome.status;
  EXPECT_EQ(mock.Requests().size(), 2u);
  ASSERT_EQ(run.retries.size(), 1u);
  EXPECT_EQ(run.retries[0].Message(), "Reconnecting... 1/1");
  EXPECT_EQ(run.retries[0].error.message,
            "stream disconnected before completion: Transport error: network error: error "
            "decoding response body");
  // The first attempt's events (created, item added, delta, item done) before the notice.
  EXPECT_EQ(run.events_before_retry[0], 4u);
  ASSERT_EQ(run.events.size(), 9u);  // 4 of the cut attempt, 5 of the one that completed
  EXPECT_EQ(std::get<OutputTextDeltaEvent>(run.events[2]).delta, "partial answer");
  EXPECT_EQ(std::get<OutputTextDeltaEvent>(run.events[6]).delta, "Recovered.");
}

TEST_F(ModelClientTest, RateLimitDelayFromTheMessageIsHonoured) {
  MockServer mock(dir_.path(), json::array({{{"failed",
                                              {{"code", "rate_limit_exceeded"},
                                               {"message",
                                                "Rate limit reached. Please try again "
                                                "in 300ms. Visit the docs."}}}},
                                            {{"text", "After the wait."}}}));
  ProviderSettings p = Provider(mock);
  p.stream_max_retries = 1;
  ModelClient client(p, Options());
  StreamRun run = Stream(client);
  ASSERT_TRUE(run.outcome.status.ok()) << run.outcome.status;
  ASSERT_EQ(run.retries.size(), 1u);
  EXPECT_EQ(run.retries[0].delay, absl::Milliseconds(300));
  auto requests = mock.Requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_GE(GapMs(requests, 1), 300);
}

TEST_F(ModelClientTest, StallEndsWithCodexsIdleTimeout) {
  MockServer mock(dir_.path(), json::array({{{"text", "partial"}, {"stall", true}}}));
  ProviderSettings p = Provider(mock);
  p.stream_idle_timeout = absl::Milliseconds(200);
  ModelClient client(p, Options());
  StreamRun run = Stream(client);
  EXPECT_EQ(run.outcome.error.message,
            "stream disconnected before completion: idle timeout waiting for SSE");
  EXPECT_EQ(run.outcome.error.CodexErrorInfo(), "other");
  EXPECT_GE(run.took_ms, 190);
  EXPECT_LT(run.took_ms, 3000);
}

TEST_F(ModelClientTest, KeepAliveCommentsDoNotResetTheIdleTimer) {
  // As Codex 0.117.0 measured it (idle_timeout_keepalive_comments): comments every 100 ms do
  // not keep a 300 ms idle timeout from firing.
  std::vector<std::string> pieces = {
      "event: response.created\ndata: {\"type\":\"response.created\",\"response\":{}}\n\n"};
  for (int i = 0; i < 8; ++i) pieces.push_back(": ping\n\n");
  MockServer mock(dir_.path(), json::array({{{"raw_sse", pieces}, {"delay_ms", 100}}}));
  ProviderSettings p = Provider(mock);
  p.stream_idle_timeout = absl::Milliseconds(300);
  ModelClient client(p, Options());
  StreamRun run = Stream(client);
  EXPECT_EQ(run.outcome.error.message,
            "stream disconnected before completion: idle timeout waiting for SSE");
  EXPECT_LT(run.took_ms, 700);
}

TEST_F(ModelClientTest, CancelDuringAStallReturnsPromptlyAndClosesTheConnection) {
  MockServer mock(dir_.path(), json::array({{{"text", "partial"}, {"stall", true}}}));
  ModelClient client(Provider(mock), Options());
  CancelToken cancel;
  double cancelled_at = 0;
  std::thread canceller([&] {
    mock.WaitState([](const json& s) { return s.is_object() && s["stalled"] == 1; });
    absl::SleepFor(absl::Milliseconds(50));
    cancelled_at = NowMs();
    cancel.Cancel();
  });
  StreamRun run = Stream(client, &cancel);
  const double returned_at = NowMs();
  canceller.join();
  EXPECT_EQ(run.outcome.status.code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(run.outcome.error.kind, ModelErrorKind::kInterrupted);
  EXPECT_LT(returned_at - cancelled_at, 100);
  json state =
      mock.WaitState([](const json& s) { return s.is_object() && !s["hangups"].empty(); }, 2000);
  EXPECT_EQ(state["hangups"], json::array({0})) << "the server did not see the connection close";
}

TEST_F(ModelClientTest, CancelDuringABackoffSleep) {
  MockServer mock(dir_.path(), json::array({{{"http_error", 500}}, {{"text", "never"}}}));
  ProviderSettings p = Provider(mock);
  p.stream_max_retries = 1;
  ModelClient::Options o = Options();
  o.retry_base_delay = absl::Seconds(30);
  ModelClient client(p, o);
  CancelToken cancel;
  StreamCallbacks callbacks;
  callbacks.on_retry = [&](const RetryNotice&) { cancel.Cancel(); };
  const double start = NowMs();
  StreamOutcome outcome = client.Stream({R"({"input":[]})", {}, {}}, callbacks, &cancel);
  EXPECT_EQ(outcome.status.code(), absl::StatusCode::kCancelled);
  EXPECT_LT(NowMs() - start, 2000);
  EXPECT_EQ(mock.Requests().size(), 1u);
}

TEST_F(ModelClientTest, CompletedEndsTheStreamWithoutWaitingForTheConnectionToClose) {
  MockServer mock(dir_.path(), json::array({{{"text", "Done, held open."}, {"hold_open", true}}}));
  ProviderSettings p = Provider(mock);
  p.stream_idle_timeout = absl::Seconds(20);
  ModelClient client(p, Options());
  StreamRun run = Stream(client);
  ASSERT_TRUE(run.outcome.status.ok()) << run.outcome.status;
  EXPECT_LT(run.took_ms, 2000);
  json state =
      mock.WaitState([](const json& s) { return s.is_object() && !s["hangups"].empty(); }, 2000);
  EXPECT_EQ(state["hangups"], json::array({0}));  // and the connection was closed
}

TEST_F(ModelClientTest, ConnectionRefusedFailsWithAClearMessage) {
  const int port = testing::ClosedPort();
  ProviderSettings p;
  p.base_url = "http://127.0.0.1:" + std::to_string(port) + "/v1";
  p.request_max_retries = 1;
  p.stream_max_retries = 1;
  ModelClient client(p, Options());
  StreamRun run = Stream(client);
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/v1/responses";
  EXPECT_EQ(run.outcome.error.message,
            "stream disconnected before completion: error sending request for url (" + url +
                "): connecting to 127.0.0.1:" + std::to_string(port) + ": Connection refused");
  EXPECT_EQ(run.outcome.error.CodexErrorInfo(), "other");
  EXPECT_EQ(run.outcome.http_requests, 4);  // (1 + request_max_retries) * (1 + stream_max_retries)
  EXPECT_EQ(run.retries.size(), 1u);
  EXPECT_LT(run.took_ms, 2000);
}

TEST_F(ModelClientTest, UntrustedCertificateFailsWithAClearMessage) {
  testing::TestCerts certs = testing::MakeTestCerts(dir_.Sub(""));
  MockServer mock(dir_.path(), json::array({{{"text", "never"}}}),
                  {certs.untrusted_cert, certs.untrusted_key});
  setenv("SSL_CERT_FILE", certs.ca.c_str(), 1);
  ModelClient client(Provider(mock), Options());
  StreamRun run = Stream(client);
  unsetenv("SSL_CERT_FILE");
  EXPECT_EQ(run.outcome.error.message,
            "stream disconnected before completion: error sending request for url (" +
                mock.base_url() +
                "/responses): TLS handshake with 127.0.0.1:" + std::to_string(mock.port()) +
                " failed: certificate verify failed: self-signed certificate");
  EXPECT_TRUE(mock.Requests().empty());
}

TEST_F(ModelClientTest, HttpsStreamWithATrustedCa) {
  testing::TestCerts certs = testing::MakeTestCerts(dir_.Sub(""));
  MockServer mock(dir_.path(), json::array({{{"text", "Over TLS."}, {"split", 7}}}),
                  {certs.cert, certs.key});
  setenv("SSL_CERT_FILE", certs.ca.c_str(), 1);
  ModelClient client(Provider(mock), Options());
  StreamRun run = Stream(client);
  unsetenv("SSL_CERT_FILE");
  ASSERT_TRUE(run.outcome.status.ok()) << run.outcome.status;
  EXPECT_EQ(std::get<OutputTextDeltaEvent>(run.events[2]).delta, "Over TLS.");
}

TEST_F(ModelClientTest, MissingKeyFailsBeforeAnyRequest) {
  MockServer mock(dir_.path(), json::array({{{"text", "never"}}}));
  ProviderSettings p = Provider(mock);
  p.env_key = "THREADLOG_TEST_UNSET_KEY";
  p.stream_max_retries = 3;
  ModelClient client(p, Options());
  StreamRun run = Stream(client);
  EXPECT_EQ(run.outcome.status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(run.outcome.error.message, "Missing environment variable: `THREADLOG_TEST_UNSET_KEY`.");
  EXPECT_EQ(run.outcome.error.CodexErrorInfo(), "other");
  EXPECT_TRUE(run.retries.empty());
  EXPECT_EQ(run.outcome.http_requests, 0);
  EXPECT_TRUE(mock.Requests().empty());
}

TEST_F(ModelClientTest, OversizedEventIsNotRetried) {
  MockServer mock(dir_.path(),
                  json::array({{{"text", std::string(4096, 'x')}}, {{"text", "never"}}}));
  ProviderSettings p = Provider(mock);
  p.stream_max_retries = 2;
  ModelClient::Options o = Options();
  o.max_event_bytes = 1024;
  ModelClient client(p, o);
  StreamRun run = Stream(client);
  EXPECT_EQ(run.outcome.error.message,
            "stream disconnected before completion: server-sent event larger than 1024 bytes");
  EXPECT_TRUE(run.retries.empty());
  EXPECT_EQ(mock.Requests().size(), 1u);
}

}  // namespace
}  // namespace threadlog::agent
