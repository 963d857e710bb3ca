// The classification of provider failures (texts, CodexErrorInfo, retryable), "try again in"
// and Retry-After parsing, the backoff schedule.
#include "api/agent/model_error.h"

#include "gtest/gtest.h"

namespace threadlog::agent {
namespace {

using nlohmann::json;

constexpr char kUrl[] = "http://127.0.0.1:9/v1/responses";

std::string Body(const std::string& message, const json& code = nullptr,
                 const std::string& type = "server_error") {
  return json{{"error", {{"message", message}, {"type", type}, {"code", code}}}}.dump();
}

TEST(ClassifyHttpErrorTest, InternalServerErrorIsRetriedWithoutAStatus) {
  ModelError e = ClassifyHttpError(500, {}, "plain failure text", kUrl);
  EXPECT_EQ(e.message,
            "We're currently experiencing high demand, which may cause temporary errors.");
  EXPECT_EQ(e.CodexErrorInfo(), "internalServerError");
  EXPECT_TRUE(e.retryable);
  EXPECT_EQ(e.RetryCodexErrorInfo(),
            json::parse(R"({"responseStreamDisconnected":{"httpStatusCode":null}})"));
}

TEST(ClassifyHttpErrorTest, OtherStatusesAreUnexpectedAndRetried) {
  ModelError e = ClassifyHttpError(502, {}, Body("scripted HTTP 502"), kUrl);
  EXPECT_EQ(e.message,
            "unexpected status 502 Bad Gateway: scripted HTTP 502, url: "
            "http://127.0.0.1:9/v1/responses");
  EXPECT_EQ(e.CodexErrorInfo(), "other");
  EXPECT_TRUE(e.retryable);
  EXPECT_EQ(e.RetryCodexErrorInfo(),
            json::parse(R"({"responseStreamDisconnected":{"httpStatusCode":502}})"));
  // 401 is "other" too: Codex reports unauthorized only when refreshing a login fails.
  EXPECT_EQ(ClassifyHttpError(401, {}, Body("Incorrect API key provided: k."), kUrl).message,
            "unexpected status 401 Unauthorized: Incorrect API key provided: k., url: "
            "http://127.0.0.1:9/v1/responses");
  // The body itself when it has no error.message; "Unknown error" when empty.
  EXPECT_EQ(ClassifyHttpError(413, {}, "", kUrl).message,
            "unexpected status 413 Payload Too Large: Unknown error, url: "
            "http://127.0.0.1:9/v1/responses");
  EXPECT_EQ(ClassifyHttpError(404, {}, "  not here  ", kUrl).message,
            "unexpected status 404 Not Found: not here, url: http://127.0.0.1:9/v1/responses");
  std::string long_body(1200, 'x');
  EXPECT_EQ(ClassifyHttpError(404, {}, long_body, kUrl).message,
            "unexpected status 404 Not Found: " + std::string(1000, 'x') +
                "..., url: http://127.0.0.1:9/v1/responses");
  // cf-ray and the request id follow the URL.
  EXPECT_EQ(
      ClassifyHttpError(404, {{"X-Request-Id", "req_2"}, {"cf-ray", "ray"}}, Body("Gone."), kUrl)
          .message,
      "unexpected status 404 Not Found: Gone., url: http://127.0.0.1:9/v1/responses, "
      "cf-ray: ray, request id: req_2");
  EXPECT_EQ(ClassifyHttpError(599, {}, "", kUrl).message,
            "unexpected status 599 <unknown status code>: Unknown error, url: "
            "http://127.0.0.1:9/v1/responses");
}

TEST(ClassifyHttpErrorTest, TooManyRequestsIsNotRetried) {
  ModelError e = ClassifyHttpError(429, {{"Retry-After", "1"}},
                                   Body("slow down", nullptr, "rate_limit_exceeded"), kUrl);
  EXPECT_EQ(e.message, "exceeded retry limit, last status: 429 Too Many Requests");
  EXPECT_EQ(e.CodexErrorInfo(),
            json::parse(R"({"responseTooManyFailedAttempts":{"httpStatusCode":429}})"));
  EXPECT_FALSE(e.retryable);
  EXPECT_EQ(e.retry_after, absl::Seconds(1));  // kept, though Codex does not wait for it
  EXPECT_EQ(ClassifyHttpError(429, {{"x-request-id", "req_1"}}, "", kUrl).message,
            "exceeded retry limit, last status: 429 Too Many Requests, request id: req_1");
  EXPECT_EQ(ClassifyHttpError(429, {{"cf-ray", "ray-1"}}, "", kUrl).message,
            "exceeded retry limit, last status: 429 Too Many Requests, request id: ray-1");
}

TEST(ClassifyHttpErrorTest, UsageLimits) {
  json limit = {{"error", {{"type", "usage_limit_reached"}, {"message", "limit"}}}};
  ModelError e = ClassifyHttpError(429, {}, limit.dump(), kUrl);
  EXPECT_EQ(e.message, "You've hit your usage limit. Try again later.");
  EXPECT_EQ(e.CodexErrorInfo(), "usageLimitExceeded");
  EXPECT_FALSE(e.retryable);
  limit["error"]["plan_type"] = "plus";
  EXPECT_EQ(ClassifyHttpError(429, {}, limit.dump(), kUrl).message,
            "You've hit your usage limit. Upgrade to Pro (https://chatgpt.com/explore/pro), "
            "visit https://chatgpt.com/codex/settings/usage to purchase more credits or try "
            "again later.");
  json not_included = {{"error", {{"type", "usage_not_included"}}}};
  EXPECT_EQ(ClassifyHttpError(429, {}, not_included.dump(), kUrl).message,
            "To use Codex with your ChatGPT plan, upgrade to Plus: "
            "https://chatgpt.com/explore/plus.");
}

TEST(ClassifyHttpErrorTest, BodiesThatAreNotUtf8BecomeText) {
  // The message must survive being written as JSON: bad bytes become U+FFFD, good ones stay.
  ModelError e =
      ClassifyHttpError(400, {}, "caf\xC3\xA9 \xFF\xC3 \xED\xA0\x80 \xF0\x9F\x98\x80", kUrl);
  EXPECT_EQ(e.message,
            "caf\xC3\xA9 \xEF\xBF\xBD\xEF\xBF\xBD \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD "
            "\xF0\x9F\x98\x80");
  EXPECT_NO_THROW(e.TurnErrorJson().dump());
}

TEST(ClassifyHttpErrorTest, BadRequestAndOverload) {
  const std::string body = Body("Invalid 'input[2].content': bad value.", "invalid_value");
  ModelError e = ClassifyHttpError(400, {}, body, kUrl);
  EXPECT_EQ(e.message, body);  // the body itself
  EXPECT_EQ(e.CodexErrorInfo(), "other");
  EXPECT_FALSE(e.retryable);
  ModelError image = ClassifyHttpError(
      400, {}, Body("The image data you provided does not represent a valid image.", "x"), kUrl);
  EXPECT_EQ(image.message, "Invalid image in your last message. Please remove it and try again.");
  EXPECT_EQ(image.CodexErrorInfo(), "badRequest");
  ModelError over = ClassifyHttpError(503, {}, Body("Overloaded", "server_is_overloaded"), kUrl);
  EXPECT_EQ(over.message, "Selected model is at capacity. Please try a different model.");
  EXPECT_EQ(over.CodexErrorInfo(), "serverOverloaded");
  EXPECT_FALSE(over.retryable);
  EXPECT_TRUE(ClassifyHttpError(503, {}, Body("busy"), kUrl).retryable);
}

TEST(ClassifyFailedResponseTest, ByErrorCode) {
  auto failed = [](const char* code, const char* message) {
    return ClassifyFailedResponse({{"id", "r"}, {"error", {{"code", code}, {"message", message}}}});
  };
  ModelError context = failed("context_length_exceeded", "too long");
  EXPECT_EQ(context.CodexErrorInfo(), "contextWindowExceeded");
  EXPECT_EQ(context.message,
            "Codex ran out of room in the model's context window. Start a new thread or clear "
            "earlier history before retrying.");
  EXPECT_FALSE(context.retryable);
  EXPECT_EQ(failed("insufficient_quota", "x").message,
            "Quota exceeded. Check your plan and billing details.");
  EXPECT_EQ(failed("insufficient_quota", "x").CodexErrorInfo(), "usageLimitExceeded");
  EXPECT_EQ(failed("usage_not_included", "x").CodexErrorInfo(), "usageLimitExceeded");
  EXPECT_EQ(failed("server_is_overloaded", "x").CodexErrorInfo(), "serverOverloaded");
  ModelError prompt = failed("invalid_prompt", "Invalid prompt: flagged.");
  EXPECT_EQ(prompt.message, "Invalid prompt: flagged.");
  EXPECT_EQ(prompt.CodexErrorInfo(), "other");
  EXPECT_FALSE(prompt.retryable);
  ModelError server = failed("server_error", "The model broke. Please try again in 3s.");
  EXPECT_EQ(server.message,
            "stream disconnected before completion: The model broke. Please try again in 3s.");
  EXPECT_TRUE(server.retryable);
  EXPECT_FALSE(server.requested_delay.has_value());  // only rate_limit_exceeded gives a delay
  ModelError rate = failed("rate_limit_exceeded", "Please try again in 1.5s. Visit ...");
  EXPECT_TRUE(rate.retryable);
  EXPECT_EQ(rate.requested_delay, absl::Milliseconds(1500));
  ModelError bare = ClassifyFailedResponse({{"id", "r"}});
  EXPECT_EQ(bare.message, "stream disconnected before completion: response.failed event received");
  EXPECT_TRUE(bare.retryable);
}

TEST(ModelErrorTest, TurnErrorJsonAndStatus) {
  ModelError e = StreamError("idle timeout waiting for SSE");
  EXPECT_EQ(e.TurnErrorJson(), json::parse(R"({"message":
      "stream disconnected before completion: idle timeout waiting for SSE",
      "codexErrorInfo": "other", "additionalDetails": null})"));
  EXPECT_EQ(e.ToStatus().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(SendError(kUrl, "connecting to 127.0.0.1:9: Connection refused").message,
            "stream disconnected before completion: error sending request for url "
            "(http://127.0.0.1:9/v1/responses): connecting to 127.0.0.1:9: Connection refused");
  EXPECT_EQ(InterruptedError().ToStatus().code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(ConfigurationError("Missing environment variable: `K`.").ToStatus().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(ParseTryAgainInTest, CodexsPattern) {
  EXPECT_EQ(ParseTryAgainIn("Please try again in 1.5s. Visit"), absl::Milliseconds(1500));
  EXPECT_EQ(ParseTryAgainIn("Please try again in 700ms."), absl::Milliseconds(700));
  EXPECT_EQ(ParseTryAgainIn("Please try again in 2 seconds."), absl::Seconds(2));
  EXPECT_EQ(ParseTryAgainIn("TRY AGAIN IN 3 SECOND"), absl::Seconds(3));
  EXPECT_EQ(ParseTryAgainIn("try again in12s"), absl::Seconds(12));
  EXPECT_EQ(ParseTryAgainIn("try again in 1.9ms"), absl::Milliseconds(1));  // truncated
  EXPECT_EQ(ParseTryAgainIn("try again in 5 minutes"), std::nullopt);
  EXPECT_EQ(ParseTryAgainIn("try again in a moment, or try again in 4s"), absl::Seconds(4));
  EXPECT_EQ(ParseTryAgainIn("try again later"), std::nullopt);
  EXPECT_EQ(ParseTryAgainIn(""), std::nullopt);
}

TEST(ParseRetryAfterTest, Seconds) {
  EXPECT_EQ(ParseRetryAfter("2"), absl::Seconds(2));
  EXPECT_EQ(ParseRetryAfter(" 0 "), absl::ZeroDuration());
  EXPECT_EQ(ParseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT"), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("-1"), std::nullopt);
}

TEST(BackoffDelayTest, DoublesFromTheBaseWithJitter) {
  const absl::Duration base = absl::Milliseconds(200);
  EXPECT_EQ(BackoffDelay(0, base, 1.0), base);
  EXPECT_EQ(BackoffDelay(1, base, 1.0), absl::Milliseconds(200));
  EXPECT_EQ(BackoffDelay(2, base, 1.0), absl::Milliseconds(400));
  EXPECT_EQ(BackoffDelay(5, base, 1.0), absl::Milliseconds(3200));
  EXPECT_EQ(BackoffDelay(1, base, 0.9), absl::Milliseconds(180));
  EXPECT_EQ(BackoffDelay(3, base, 1.1), absl::Milliseconds(880));
  // Codex 0.117.0's own delays (its log: "retrying sampling request (2/5 in 375ms)") sit in
  // the jitter band of this schedule; the golden test checks the band on its measurements.
  EXPECT_GE(BackoffDelay(2, base, 0.9), absl::Milliseconds(360));
  EXPECT_LT(BackoffDelay(2, base, 1.1), absl::Milliseconds(441));
  EXPECT_GT(BackoffDelay(100, base, 1.0), absl::Hours(1000));  // no overflow to zero
}

TEST(CanonicalReasonTest, HttpCrateWords) {
  EXPECT_EQ(CanonicalReason(429), "Too Many Requests");
  EXPECT_EQ(CanonicalReason(413), "Payload Too Large");
  EXPECT_EQ(CanonicalReason(504), "Gateway Timeout");
  EXPECT_EQ(CanonicalReason(299), "<unknown status code>");
}

}  // namespace
}  // namespace threadlog::agent
