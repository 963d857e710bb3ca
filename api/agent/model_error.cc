// Codex 0.117.0's classification of model-provider failures: texts, CodexErrorInfo, retries,
// the "try again in" and backoff delays.
#include "api/agent/model_error.h"

#include <cmath>
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/civil_time.h"
#include "eventlog/absl_compat.h"

namespace threadlog::agent {

namespace {

using nlohmann::json;

constexpr char kHighDemand[] =
    "We're currently experiencing high demand, which may cause temporary errors.";
constexpr char kAtCapacity[] = "Selected model is at capacity. Please try a different model.";
constexpr char kContextWindow[] =
    "Codex ran out of room in the model's context window. Start a new thread or clear earlier "
    "history before retrying.";
constexpr char kQuota[] = "Quota exceeded. Check your plan and billing details.";
constexpr char kUsageNotIncluded[] =
    "To use Codex with your ChatGPT plan, upgrade to Plus: https://chatgpt.com/explore/plus.";
constexpr char kInvalidImage[] =
    "Invalid image in your last message. Please remove it and try again.";
constexpr size_t kBodyDisplayMax = 1000;

const char* KindName(ModelErrorKind kind) {
  switch (kind) {
    case ModelErrorKind::kContextWindowExceeded:
      return "contextWindowExceeded";
    case ModelErrorKind::kUsageLimitExceeded:
      return "usageLimitExceeded";
    case ModelErrorKind::kServerOverloaded:
      return "serverOverloaded";
    case ModelErrorKind::kInternalServerError:
      return "internalServerError";
    case ModelErrorKind::kUnauthorized:
      return "unauthorized";
    case ModelErrorKind::kBadRequest:
      return "badRequest";
    case ModelErrorKind::kHttpConnectionFailed:
      return "httpConnectionFailed";
    case ModelErrorKind::kResponseStreamConnectionFailed:
      return "responseStreamConnectionFailed";
    case ModelErrorKind::kResponseStreamDisconnected:
      return "responseStreamDisconnected";
    case ModelErrorKind::kResponseTooManyFailedAttempts:
      return "responseTooManyFailedAttempts";
    case ModelErrorKind::kOther:
    case ModelErrorKind::kInterrupted:
      break;
  }
  return "other";
}

bool CarriesStatus(ModelErrorKind kind) {
  return kind == ModelErrorKind::kHttpConnectionFailed ||
         kind == ModelErrorKind::kResponseStreamConnectionFailed ||
         kind == ModelErrorKind::kResponseStreamDisconnected ||
         kind == ModelErrorKind::kResponseTooManyFailedAttempts;
}

json StatusOrNull(const std::optional<int>& status) {
  return status ? json(*status) : json(nullptr);
}

ModelError Make(ModelErrorKind kind, std::string message, bool retryable, absl::StatusCode code) {
  ModelError e;
  e.kind = kind;
  e.message = std::move(message);
  e.retryable = retryable;
  e.status_code = code;
  return e;
}

std::optional<std::string> StringAt(const json& object, const char* key) {
  if (!object.is_object()) return std::nullopt;
  auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

// Cut at a UTF-8 character boundary at or before `max` bytes, then "...".
std::string TruncateWithEllipsis(absl::string_view text, size_t max) {
  if (text.size() <= max) return std::string(text);
  size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return absl::StrCat(text.substr(0, cut), "...");
}

// " Try again at 3:05 PM." style suffixes of Codex's usage-limit texts.
std::string ResetsAt(std::optional<int64_t> resets_at, bool after_or) {
  if (!resets_at) return after_or ? " or try again later." : " Try again later.";
  const absl::TimeZone local = absl::LocalTimeZone();
  const absl::Time reset = absl::FromUnixSeconds(*resets_at);
  const absl::CivilSecond when = absl::ToCivilSecond(reset, local);
  const absl::CivilDay today = absl::ToCivilDay(absl::Now(), local);
  const int hour12 = when.hour() % 12 == 0 ? 12 : when.hour() % 12;
  std::string clock = absl::StrCat(hour12, ":", absl::Dec(when.minute(), absl::kZeroPad2), " ",
                                   when.hour() < 12 ? "AM" : "PM");
  std::string formatted = clock;
  if (absl::CivilDay(when) != today) {
    static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const int day = when.day();
    const char* suffix = (day >= 11 && day <= 13) ? "th"
                         : day % 10 == 1          ? "st"
                         : day % 10 == 2          ? "nd"
                         : day % 10 == 3          ? "rd"
                                                  : "th";
    formatted =
        absl::StrCat(kMonths[when.month() - 1], " ", day, suffix, ", ", when.year(), " ", clock);
  }
  return after_or ? absl::StrCat(" or try again at ", formatted, ".")
                  : absl::StrCat(" Try again at ", formatted, ".");
}

// Codex's text for a 429 whose error.type is usage_limit_reached, by the account's plan.
std::string UsageLimitMessage(const json& error) {
  const std::string plan = StringAt(error, "plan_type").value_or("");
  std::optional<int64_t> resets_at;
  if (auto it = error.find("resets_at"); it != error.end() && it->is_number_integer()) {
    resets_at = it->get<int64_t>();
  }
  constexpr char kPrefix[] = "You've hit your usage limit.";
  if (plan == "plus") {
    return absl::StrCat(kPrefix,
                        " Upgrade to Pro (https://chatgpt.com/explore/pro), visit "
                        "https://chatgpt.com/codex/settings/usage to purchase more credits",
                        ResetsAt(resets_at, true));
  }
  if (plan == "team" || plan == "business" || plan == "self_serve_business_usage_based" ||
      plan == "enterprise_cbp_usage_based") {
    return absl::StrCat(kPrefix, " To get more access now, send a request to your admin",
                        ResetsAt(resets_at, true));
  }
  if (plan == "free" || plan == "go") {
    return absl::StrCat(
        kPrefix, " Upgrade to Plus to continue using Codex (https://chatgpt.com/explore/plus),",
        ResetsAt(resets_at, true));
  }
  if (plan == "pro") {
    return absl::StrCat(kPrefix,
                        " Visit https://chatgpt.com/codex/settings/usage to purchase more credits",
                        ResetsAt(resets_at, true));
  }
  return absl::StrCat(kPrefix, ResetsAt(resets_at, false));
}

bool IsInvalidImage(absl::string_view body, const json& parsed) {
  if (absl::StrContains(body, "The image data you provided does not represent a valid image") ||
      absl::StrContains(body,
                        "Expected a base64-encoded data URL with an image MIME type, but got "
                        "empty base64-encoded bytes.")) {
    return true;
  }
  const json error = parsed.is_object() ? parsed.value("error", json()) : json();
  return StringAt(error, "code") == "invalid_value" &&
         absl::EndsWith(StringAt(error, "param").value_or(""), ".image_url");
}

// `text` with every byte that does not belong to a well-formed UTF-8 sequence replaced by
// U+FFFD, as Codex's HTTP library reads a body as text (and as JSON output needs).
std::string ValidUtf8(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    const unsigned char c = text[i];
    size_t len = c < 0x80           ? 1
                 : (c >> 5) == 0x6  ? 2
                 : (c >> 4) == 0xE  ? 3
                 : (c >> 3) == 0x1E ? 4
                                    : 0;
    bool ok = len > 0 && i + len <= text.size();
    for (size_t k = 1; ok && k < len; ++k) {
      ok = (static_cast<unsigned char>(text[i + k]) & 0xC0) == 0x80;
    }
    if (ok && len > 1) {
      // No overlong forms, no surrogates, nothing above U+10FFFF.
      uint32_t cp = c & (0xFF >> (len + 1));
      for (size_t k = 1; k < len; ++k) cp = (cp << 6) | (text[i + k] & 0x3F);
      static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
      ok = cp >= kMin[len] && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF);
    }
    if (ok) {
      out.append(text.data() + i, len);
      i += len;
    } else {
      out.append("\xEF\xBF\xBD");
      ++i;
    }
  }
  return out;
}

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

}  // namespace

json ModelError::CodexErrorInfo() const {
  if (CarriesStatus(kind))
    return json{{KindName(kind), {{"httpStatusCode", StatusOrNull(http_status)}}}};
  return KindName(kind);
}

json ModelError::RetryCodexErrorInfo() const {
  return json{{"responseStreamDisconnected", {{"httpStatusCode", StatusOrNull(http_status)}}}};
}

json ModelError::TurnErrorJson() const {
  return json{
      {"message", message}, {"codexErrorInfo", CodexErrorInfo()}, {"additionalDetails", nullptr}};
}

absl::Status ModelError::ToStatus() const { return absl::Status(status_code, message); }

std::string CanonicalReason(int status) {
  static const std::map<int, const char*> kReasons = {
      {100, "Continue"},
      {101, "Switching Protocols"},
      {102, "Processing"},
      {200, "OK"},
      {201, "Created"},
      {202, "Accepted"},
      {203, "Non Authoritative Information"},
      {204, "No Content"},
      {205, "Reset Content"},
      {206, "Partial Content"},
      {207, "Multi-Status"},
      {208, "Already Reported"},
      {226, "IM Used"},
      {300, "Multiple Choices"},
      {301, "Moved Permanently"},
      {302, "Found"},
      {303, "See Other"},
      {304, "Not Modified"},
      {305, "Use Proxy"},
      {307, "Temporary Redirect"},
      {308, "Permanent Redirect"},
      {400, "Bad Request"},
      {401, "Unauthorized"},
      {402, "Payment Required"},
      {403, "Forbidden"},
      {404, "Not Found"},
      {405, "Method Not Allowed"},
      {406, "Not Acceptable"},
      {407, "Proxy Authentication Required"},
      {408, "Request Timeout"},
      {409, "Conflict"},
      {410, "Gone"},
      {411, "Length Required"},
      {412, "Precondition Failed"},
      {413, "Payload Too Large"},
      {414, "URI Too Long"},
      {415, "Unsupported Media Type"},
      {416, "Range Not Satisfiable"},
      {417, "Expectation Failed"},
      {418, "I'm a teapot"},
      {421, "Misdirected Request"},
      {422, "Unprocessable Entity"},
      {423, "Locked"},
      {424, "Failed Dependency"},
      {426, "Upgrade Required"},
      {428, "Precondition Required"},
      {429, "Too Many Requests"},
      {431, "Request Header Fields Too Large"},
      {451, "Unavailable For Legal Reasons"},
      {500, "Internal Server Error"},
      {501, "Not Implemented"},
      {502, "Bad Gateway"},
      {503, "Service Unavailable"},
      {504, "Gateway Timeout"},
      {505, "HTTP Version Not Supported"},
      {506, "Variant Also Negotiates"},
      {507, "Insufficient Storage"},
      {508, "Loop Detected"},
      {510, "Not Extended"},
      {511, "Network Authentication Required"},
  };
  auto it = kReasons.find(status);
  return it == kReasons.end() ? "<unknown status code>" : it->second;
}

ModelError ClassifyHttpError(int status, const std::vector<HttpHeader>& headers,
                             std::string_view std_body, std::string_view std_url) {
  const std::string body_text = ValidUtf8(ToAbsl(std_body));
  const absl::string_view body = body_text;
  const absl::string_view url = ToAbsl(std_url);
  const json parsed = json::parse(body, nullptr, /*allow_exceptions=*/false);
  const json error = parsed.is_object() ? parsed.value("error", json()) : json();
  const std::string status_text = absl::StrCat(status, " ", CanonicalReason(status));
  auto header = [&](std::string_view name) { return FindHeader(headers, name); };
  ModelError e;
  if (status == 503 && (StringAt(error, "code") == "server_is_overloaded" ||
                        StringAt(error, "code") == "slow_down")) {
    e = Make(ModelErrorKind::kServerOverloaded, kAtCapacity, false, absl::StatusCode::kUnavailable);
  } else if (status == 400) {
    if (IsInvalidImage(body, parsed)) {
      e = Make(ModelErrorKind::kBadRequest, kInvalidImage, false,
               absl::StatusCode::kInvalidArgument);
    } else {
      e = Make(ModelErrorKind::kOther, std::string(body), false,
               absl::StatusCode::kInvalidArgument);
    }
  } else if (status == 500) {
    e = Make(ModelErrorKind::kInternalServerError, kHighDemand, true,
             absl::StatusCode::kUnavailable);
  } else if (status == 429) {
    const std::optional<std::string> type = StringAt(error, "type");
    if (type == "usage_limit_reached") {
      e = Make(ModelErrorKind::kUsageLimitExceeded, UsageLimitMessage(error), false,
               absl::StatusCode::kResourceExhausted);
    } else if (type == "usage_not_included") {
      e = Make(ModelErrorKind::kUsageLimitExceeded, kUsageNotIncluded, false,
               absl::StatusCode::kResourceExhausted);
    } else {
      std::optional<std::string> id = header("x-request-id");
      if (!id) id = header("x-oai-request-id");
      if (!id) id = header("cf-ray");
      e = Make(ModelErrorKind::kResponseTooManyFailedAttempts,
               absl::StrCat("exceeded retry limit, last status: ", status_text,
                            id ? absl::StrCat(", request id: ", *id) : ""),
               false, absl::StatusCode::kResourceExhausted);
      e.http_status = status;
    }
  } else {
    std::string shown;
    if (std::optional<std::string> message = StringAt(error, "message");
        message && !absl::StripAsciiWhitespace(*message).empty()) {
      shown = std::string(absl::StripAsciiWhitespace(*message));
    } else if (absl::string_view trimmed = absl::StripAsciiWhitespace(body); !trimmed.empty()) {
      shown = TruncateWithEllipsis(trimmed, kBodyDisplayMax);
    } else {
      shown = "Unknown error";
    }
    std::string message =
        absl::StrCat("unexpected status ", status_text, ": ", shown, ", url: ", url);
    if (auto ray = header("cf-ray")) absl::StrAppend(&message, ", cf-ray: ", *ray);
    std::optional<std::string> id = header("x-request-id");
    if (!id) id = header("x-oai-request-id");
    if (id) absl::StrAppend(&message, ", request id: ", *id);
    if (auto auth = header("x-openai-authorization-error")) {
      absl::StrAppend(&message, ", auth error: ", *auth);
    }
    e = Make(ModelErrorKind::kOther, std::move(message), true, absl::StatusCode::kUnavailable);
    e.http_status = status;
  }
  if (std::optional<std::string> code = StringAt(error, "code")) e.provider_code = code;
  if (std::optional<std::string> after = header("retry-after"))
    e.retry_after = ParseRetryAfter(*after);
  return e;
}

ModelError ClassifyFailedResponse(const json& response) {
  const json error = response.is_object() ? response.value("error", json()) : json();
  if (!error.is_object()) return StreamError("response.failed event received");
  const std::optional<std::string> code = StringAt(error, "code");
  const std::string message = StringAt(error, "message").value_or("");
  ModelError e;
  if (code == "context_length_exceeded") {
    e = Make(ModelErrorKind::kContextWindowExceeded, kContextWindow, false,
             absl::StatusCode::kResourceExhausted);
  } else if (code == "insufficient_quota") {
    e = Make(ModelErrorKind::kUsageLimitExceeded, kQuota, false,
             absl::StatusCode::kResourceExhausted);
  } else if (code == "usage_not_included") {
    e = Make(ModelErrorKind::kUsageLimitExceeded, kUsageNotIncluded, false,
             absl::StatusCode::kResourceExhausted);
  } else if (code == "server_is_overloaded" || code == "slow_down") {
    e = Make(ModelErrorKind::kServerOverloaded, kAtCapacity, false, absl::StatusCode::kUnavailable);
  } else if (code == "invalid_prompt") {
    e = Make(ModelErrorKind::kOther, message, false, absl::StatusCode::kInvalidArgument);
  } else {
    e = StreamError(message);
    if (code == "rate_limit_exceeded") e.requested_delay = ParseTryAgainIn(message);
  }
  e.provider_code = code;
  return e;
}

ModelError StreamError(std::string_view std_detail) {
  const absl::string_view detail = ToAbsl(std_detail);
  return Make(ModelErrorKind::kOther,
              absl::StrCat("stream disconnected before completion: ", detail), true,
              absl::StatusCode::kUnavailable);
}

ModelError SendError(std::string_view std_url, std::string_view std_cause) {
  const absl::string_view url = ToAbsl(std_url);
  const absl::string_view cause = ToAbsl(std_cause);
  return StreamError(
      absl::StrCat("error sending request for url (", url, ")", cause.empty() ? "" : ": ", cause));
}

ModelError ConfigurationError(std::string_view message) {
  return Make(ModelErrorKind::kOther, std::string(message), false,
              absl::StatusCode::kFailedPrecondition);
}

ModelError InterruptedError() {
  return Make(ModelErrorKind::kInterrupted, "interrupted", false, absl::StatusCode::kCancelled);
}

std::optional<absl::Duration> ParseTryAgainIn(std::string_view message) {
  const std::string lower = absl::AsciiStrToLower(ToAbsl(message));
  constexpr std::string_view kPhrase = "try again in";
  for (size_t at = lower.find(kPhrase); at != std::string::npos; at = lower.find(kPhrase, at + 1)) {
    size_t i = at + kPhrase.size();
    while (i < lower.size() && IsSpace(lower[i])) ++i;
    const size_t number_start = i;
    while (i < lower.size() && absl::ascii_isdigit(lower[i])) ++i;
    if (i == number_start) continue;
    if (i + 1 < lower.size() && lower[i] == '.' && absl::ascii_isdigit(lower[i + 1])) {
      ++i;
      while (i < lower.size() && absl::ascii_isdigit(lower[i])) ++i;
    }
    double value = 0;
    if (!absl::SimpleAtod(absl::string_view(lower).substr(number_start, i - number_start),
                          &value)) {
      continue;
    }
    while (i < lower.size() && IsSpace(lower[i])) ++i;
    if (i < lower.size() && lower[i] == 's') return absl::Seconds(value);
    if (lower.compare(i, 2, "ms") == 0) {
      return absl::Milliseconds(static_cast<int64_t>(value));
    }
  }
  return std::nullopt;
}

std::optional<absl::Duration> ParseRetryAfter(std::string_view value) {
  int64_t seconds = 0;
  if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(ToAbsl(value)), &seconds) || seconds < 0) {
    return std::nullopt;
  }
  return absl::Seconds(seconds);
}

absl::Duration BackoffDelay(int attempt, absl::Duration base, double jitter) {
  if (attempt <= 0) return base;
  const double factor = std::pow(2.0, std::min(attempt - 1, 62));
  return absl::Microseconds(static_cast<double>(absl::ToInt64Microseconds(base)) * factor * jitter);
}

}  // namespace threadlog::agent
