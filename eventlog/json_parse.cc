// Limited JSON parsing: nlohmann's (iterative) SAX parser feeding a DOM builder that refuses to
// open a container past the depth limit or to grow past the memory limit, so no value too deep
// to copy recursively, or too big to hold, is ever built.
#include "eventlog/json_parse.h"

#include <string>

#include "absl/strings/str_cat.h"

namespace threadlog {
namespace {

constexpr char kTooDeep[] = "JSON nested deeper than 127 levels";
static_assert(kMaxJsonDepth == 127, "update kTooDeep");
constexpr char kTooBig[] = "JSON too big to hold: over 128 MiB once parsed";
static_assert(kMaxJsonDomBytes == 128 << 20, "update kTooBig");

absl::Status TooDeep(int max_depth) {
  if (max_depth == kMaxJsonDepth) return absl::OutOfRangeError(kTooDeep);
  return absl::OutOfRangeError(absl::StrCat("JSON nested deeper than ", max_depth, " levels"));
}

// nlohmann's lexer reads a NUL byte outside a string as the end of the text, which would make
// "{}\0anything" valid; no JSON text holds a raw NUL, so one anywhere is an error.
absl::Status CheckNoNul(std::string_view text) {
  size_t nul = text.find('\0');
  if (nul == std::string_view::npos) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("syntax error at byte ", nul + 1, ": a NUL byte is not JSON"));
}

// Tracks how deep the parser is and about what the value would cost once built, and stops the
// parser past either limit. The costs are nlohmann's: a 16-byte slot per value (counted twice:
// vectors grow by doubling), a heap object per container and per string, a tree node and a
// key string per object member.
class Limits {
 public:
  enum class Exceeded { kNone, kDepth, kSize };
  explicit Limits(int max_depth) : max_depth_(max_depth) {}

  bool Enter() {
    if (++depth_ > max_depth_) return Stop(Exceeded::kDepth);
    return Charge(kValueBytes + kContainerBytes);
  }
  void Leave() { --depth_; }
  bool Value() { return Charge(kValueBytes); }
  bool String(size_t size) { return Charge(kValueBytes + kStringBytes + size); }
  bool Member(size_t key_size) { return Charge(kMemberBytes + key_size); }
  int depth() const { return depth_; }
  Exceeded exceeded() const { return exceeded_; }

 private:
  static constexpr size_t kValueBytes = 32;
  static constexpr size_t kContainerBytes = 64;
  static constexpr size_t kStringBytes = 48;
  static constexpr size_t kMemberBytes = 96;
  bool Charge(size_t bytes) {
    cost_ += bytes;
    return cost_ <= kMaxJsonDomBytes || Stop(Exceeded::kSize);
  }
  bool Stop(Exceeded why) {
    exceeded_ = why;
    return false;
  }

  const int max_depth_;
  int depth_ = 0;
  size_t cost_ = 0;
  Exceeded exceeded_ = Exceeded::kNone;
};

// The parser's message for a syntax error, which SAX handlers receive instead of an exception.
class ErrorText {
 public:
  template <typename Exception>
  bool Set(const Exception& e) {
    text_ = e.what();
    return false;
  }
  const std::string& text() const { return text_; }

 private:
  std::string text_;
};

// nlohmann's own DOM builder (the one json::parse uses, so duplicate keys and number handling
// are the same) behind the limits.
template <typename Json>
class LimitedDomBuilder {
 public:
  using number_integer_t = typename Json::number_integer_t;
  using number_unsigned_t = typename Json::number_unsigned_t;
  using number_float_t = typename Json::number_float_t;
  using string_t = typename Json::string_t;
  using binary_t = typename Json::binary_t;

  LimitedDomBuilder(Json& result, int max_depth)
      : dom_(result, /*allow_exceptions_=*/false), limits_(max_depth) {}

  bool null() { return limits_.Value() && dom_.null(); }
  bool boolean(bool v) { return limits_.Value() && dom_.boolean(v); }
  bool number_integer(number_integer_t v) { return limits_.Value() && dom_.number_integer(v); }
  bool number_unsigned(number_unsigned_t v) { return limits_.Value() && dom_.number_unsigned(v); }
  bool number_float(number_float_t v, const string_t& s) {
    return limits_.Value() && dom_.number_float(v, s);
  }
  bool string(string_t& v) { return limits_.String(v.size()) && dom_.string(v); }
  bool binary(binary_t& v) { return limits_.String(v.size()) && dom_.binary(v); }
  bool start_object(std::size_t n) { return limits_.Enter() && dom_.start_object(n); }
  bool key(string_t& k) { return limits_.Member(k.size()) && dom_.key(k); }
  bool end_object() {
    limits_.Leave();
    return dom_.end_object();
  }
  bool start_array(std::size_t n) { return limits_.Enter() && dom_.start_array(n); }
  bool end_array() {
    limits_.Leave();
    return dom_.end_array();
  }
  template <typename Exception>
  bool parse_error(std::size_t, const std::string&, const Exception& e) {
    return error_.Set(e);
  }

  const Limits& limits() const { return limits_; }
  const ErrorText& error() const { return error_; }

 private:
  nlohmann::detail::json_sax_dom_parser<Json> dom_;
  Limits limits_;
  ErrorText error_;
};

// Builds nothing: nlohmann's acceptor behind the limits.
class LimitedValidator {
 public:
  using string_t = std::string;
  explicit LimitedValidator(int max_depth) : limits_(max_depth) {}

  bool null() { return limits_.Value(); }
  bool boolean(bool) { return limits_.Value(); }
  bool number_integer(int64_t) { return limits_.Value(); }
  bool number_unsigned(uint64_t) { return limits_.Value(); }
  bool number_float(double, const std::string&) { return limits_.Value(); }
  bool string(std::string& v) { return limits_.String(v.size()); }
  bool binary(nlohmann::json::binary_t& v) { return limits_.String(v.size()); }
  bool start_object(std::size_t) { return limits_.Enter(); }
  bool key(std::string& k) { return limits_.Member(k.size()); }
  bool end_object() {
    limits_.Leave();
    return true;
  }
  bool start_array(std::size_t) { return limits_.Enter(); }
  bool end_array() {
    limits_.Leave();
    return true;
  }
  template <typename Exception>
  bool parse_error(std::size_t, const std::string&, const Exception& e) {
    return error_.Set(e);
  }

  const Limits& limits() const { return limits_; }
  const ErrorText& error() const { return error_; }

 private:
  Limits limits_;
  ErrorText error_;
};

// Scans a whole text at any depth and builds only the value of one top-level member.
class TopLevelMemberFinder {
 public:
  using Json = nlohmann::json;
  using string_t = std::string;

  TopLevelMemberFinder(std::string_view key, int max_depth) : key_(key), max_depth_(max_depth) {}

  bool null() {
    return Scalar([](LimitedDomBuilder<Json>& b) { return b.null(); }, [] { return Json(); });
  }
  bool boolean(bool v) {
    return Scalar([v](LimitedDomBuilder<Json>& b) { return b.boolean(v); },
                  [v] { return Json(v); });
  }
  bool number_integer(int64_t v) {
    return Scalar([v](LimitedDomBuilder<Json>& b) { return b.number_integer(v); },
                  [v] { return Json(v); });
  }
  bool number_unsigned(uint64_t v) {
    return Scalar([v](LimitedDomBuilder<Json>& b) { return b.number_unsigned(v); },
                  [v] { return Json(v); });
  }
  bool number_float(double v, const std::string& s) {
    return Scalar([&](LimitedDomBuilder<Json>& b) { return b.number_float(v, s); },
                  [v] { return Json(v); });
  }
  bool string(std::string& v) {
    return Scalar([&](LimitedDomBuilder<Json>& b) { return b.string(v); },
                  [&] { return Json(std::move(v)); });
  }
  bool binary(Json::binary_t& v) {
    return Scalar([&](LimitedDomBuilder<Json>& b) { return b.binary(v); }, [&] { return Json(v); });
  }
  bool key(std::string& k) {
    if (builder_) return builder_->key(k);
    if (depth_ == 1 && top_is_object_) wanted_ = k == key_;
    return true;
  }
  bool start_object(std::size_t n) { return Start(n, /*object=*/true); }
  bool start_array(std::size_t n) { return Start(n, /*object=*/false); }
  bool end_object() { return End(/*object=*/true); }
  bool end_array() { return End(/*object=*/false); }
  template <typename Exception>
  bool parse_error(std::size_t, const std::string&, const Exception& e) {
    return error_.Set(e);
  }

  // Why the member's value could not be built, if it could not.
  Limits::Exceeded exceeded() const {
    return builder_ ? builder_->limits().exceeded() : Limits::Exceeded::kNone;
  }
  const ErrorText& error() const { return error_; }
  std::optional<Json> TakeResult() { return std::move(result_); }

 private:
  // A scalar event: into the value being built, or the member itself when it is a scalar.
  template <typename Forward, typename Make>
  bool Scalar(Forward forward, Make make) {
    if (builder_) return forward(*builder_);
    if (depth_ == 1 && wanted_) {
      result_ = make();
      wanted_ = false;
    }
    return true;
  }
  bool Start(std::size_t n, bool object) {
    ++depth_;
    if (depth_ == 1) top_is_object_ = object;
    if (!builder_ && depth_ == 2 && wanted_) {
      wanted_ = false;
      building_ = Json();
      builder_.emplace(building_, max_depth_ - 1);
    }
    if (!builder_) return true;
    return object ? builder_->start_object(n) : builder_->start_array(n);
  }
  bool End(bool object) {
    --depth_;
    if (!builder_) return true;
    bool ok = object ? builder_->end_object() : builder_->end_array();
    if (depth_ == 1) {  // the member's value is complete
      builder_.reset();
      result_ = std::move(building_);
    }
    return ok;
  }

  const std::string_view key_;
  const int max_depth_;
  int depth_ = 0;
  bool top_is_object_ = false;
  bool wanted_ = false;  // the last top-level key was `key_` and its value has not started
  Json building_;
  std::optional<LimitedDomBuilder<Json>> builder_;
  std::optional<Json> result_;
  ErrorText error_;
};

// Runs nlohmann's parser over `text` into `handler`; the status says why it stopped.
template <typename Json, typename Handler, typename WhyStopped>
absl::Status Drive(std::string_view text, Handler& handler, WhyStopped why_stopped, int max_depth) {
  if (absl::Status s = CheckNoNul(text); !s.ok()) return s;
  const char* begin = text.data();
  if (Json::sax_parse(begin, begin + text.size(), &handler)) return absl::OkStatus();
  switch (why_stopped()) {
    case Limits::Exceeded::kDepth:
      return TooDeep(max_depth);
    case Limits::Exceeded::kSize:
      return absl::ResourceExhaustedError(kTooBig);
    case Limits::Exceeded::kNone:
      break;
  }
  if (!handler.error().text().empty()) return absl::InvalidArgumentError(handler.error().text());
  return absl::InvalidArgumentError("not valid JSON");
}

template <typename Json>
absl::StatusOr<Json> ParseLimited(std::string_view text, int max_depth) {
  Json result;
  LimitedDomBuilder<Json> builder(result, max_depth);
  absl::Status s = Drive<Json>(
      text, builder, [&] { return builder.limits().exceeded(); }, max_depth);
  if (!s.ok()) return s;
  return result;
}

}  // namespace

std::string_view JsonTooDeepMessage() { return kTooDeep; }

absl::StatusOr<nlohmann::json> ParseJson(std::string_view text, int max_depth) {
  return ParseLimited<nlohmann::json>(text, max_depth);
}

absl::StatusOr<nlohmann::ordered_json> ParseOrderedJson(std::string_view text, int max_depth) {
  return ParseLimited<nlohmann::ordered_json>(text, max_depth);
}

absl::Status ValidateJson(std::string_view text, int max_depth) {
  LimitedValidator validator(max_depth);
  return Drive<nlohmann::json>(
      text, validator, [&] { return validator.limits().exceeded(); }, max_depth);
}

absl::StatusOr<std::optional<nlohmann::json>> ParseTopLevelMember(std::string_view text,
                                                                  std::string_view key,
                                                                  int max_depth) {
  TopLevelMemberFinder finder(key, max_depth);
  absl::Status s = Drive<nlohmann::json>(
      text, finder, [&] { return finder.exceeded(); }, max_depth);
  if (!s.ok()) return s;
  return finder.TakeResult();
}

}  // namespace threadlog
