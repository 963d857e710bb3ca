// Depth-limited JSON parsing: nlohmann's (iterative) SAX parser feeding a DOM builder that refuses
// to open a container past the limit, so no deep value ever exists to be copied recursively.
#include "eventlog/json_parse.h"

#include <string>

#include "absl/strings/str_cat.h"

namespace threadlog {
namespace {

constexpr char kTooDeep[] = "JSON nested deeper than 127 levels";
static_assert(kMaxJsonDepth == 127, "update kTooDeep");

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

// Counts the containers open around the parser and stops it when one more would pass the limit.
class DepthGate {
 public:
  explicit DepthGate(int max_depth) : max_depth_(max_depth) {}
  bool Enter() {
    if (++depth_ <= max_depth_) return true;
    too_deep_ = true;
    return false;
  }
  void Leave() { --depth_; }
  int depth() const { return depth_; }
  bool too_deep() const { return too_deep_; }

 private:
  const int max_depth_;
  int depth_ = 0;
  bool too_deep_ = false;
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
// are the same) behind a depth gate.
template <typename Json>
class LimitedDomBuilder {
 public:
  using number_integer_t = typename Json::number_integer_t;
  using number_unsigned_t = typename Json::number_unsigned_t;
  using number_float_t = typename Json::number_float_t;
  using string_t = typename Json::string_t;
  using binary_t = typename Json::binary_t;

  LimitedDomBuilder(Json& result, int max_depth)
      : dom_(result, /*allow_exceptions_=*/false), gate_(max_depth) {}

  bool null() { return dom_.null(); }
  bool boolean(bool v) { return dom_.boolean(v); }
  bool number_integer(number_integer_t v) { return dom_.number_integer(v); }
  bool number_unsigned(number_unsigned_t v) { return dom_.number_unsigned(v); }
  bool number_float(number_float_t v, const string_t& s) { return dom_.number_float(v, s); }
  bool string(string_t& v) { return dom_.string(v); }
  bool binary(binary_t& v) { return dom_.binary(v); }
  bool start_object(std::size_t n) { return gate_.Enter() && dom_.start_object(n); }
  bool key(string_t& k) { return dom_.key(k); }
  bool end_object() {
    gate_.Leave();
    return dom_.end_object();
  }
  bool start_array(std::size_t n) { return gate_.Enter() && dom_.start_array(n); }
  bool end_array() {
    gate_.Leave();
    return dom_.end_array();
  }
  template <typename Exception>
  bool parse_error(std::size_t, const std::string&, const Exception& e) {
    return error_.Set(e);
  }

  const DepthGate& gate() const { return gate_; }
  const ErrorText& error() const { return error_; }

 private:
  nlohmann::detail::json_sax_dom_parser<Json> dom_;
  DepthGate gate_;
  ErrorText error_;
};

// Builds nothing: nlohmann's acceptor behind a depth gate.
class LimitedValidator {
 public:
  using string_t = std::string;
  explicit LimitedValidator(int max_depth) : gate_(max_depth) {}

  bool null() { return true; }
  bool boolean(bool) { return true; }
  bool number_integer(int64_t) { return true; }
  bool number_unsigned(uint64_t) { return true; }
  bool number_float(double, const std::string&) { return true; }
  bool string(std::string&) { return true; }
  bool binary(nlohmann::json::binary_t&) { return true; }
  bool start_object(std::size_t) { return gate_.Enter(); }
  bool key(std::string&) { return true; }
  bool end_object() {
    gate_.Leave();
    return true;
  }
  bool start_array(std::size_t) { return gate_.Enter(); }
  bool end_array() {
    gate_.Leave();
    return true;
  }
  template <typename Exception>
  bool parse_error(std::size_t, const std::string&, const Exception& e) {
    return error_.Set(e);
  }

  const DepthGate& gate() const { return gate_; }
  const ErrorText& error() const { return error_; }

 private:
  DepthGate gate_;
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

  bool too_deep() const { return too_deep_; }
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
    bool ok = object ? builder_->start_object(n) : builder_->start_array(n);
    if (!ok && builder_->gate().too_deep()) too_deep_ = true;
    return ok;
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
  bool too_deep_ = false;
  ErrorText error_;
};

// Runs nlohmann's parser over `text` into `handler`; the status says why it stopped.
template <typename Json, typename Handler, typename StoppedByDepth>
absl::Status Drive(std::string_view text, Handler& handler, StoppedByDepth too_deep,
                   int max_depth) {
  if (absl::Status s = CheckNoNul(text); !s.ok()) return s;
  const char* begin = text.data();
  if (Json::sax_parse(begin, begin + text.size(), &handler)) return absl::OkStatus();
  if (too_deep()) return TooDeep(max_depth);
  if (!handler.error().text().empty()) return absl::InvalidArgumentError(handler.error().text());
  return absl::InvalidArgumentError("not valid JSON");
}

template <typename Json>
absl::StatusOr<Json> ParseLimited(std::string_view text, int max_depth) {
  Json result;
  LimitedDomBuilder<Json> builder(result, max_depth);
  absl::Status s = Drive<Json>(
      text, builder, [&] { return builder.gate().too_deep(); }, max_depth);
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
      text, validator, [&] { return validator.gate().too_deep(); }, max_depth);
}

absl::StatusOr<std::optional<nlohmann::json>> ParseTopLevelMember(std::string_view text,
                                                                  std::string_view key,
                                                                  int max_depth) {
  TopLevelMemberFinder finder(key, max_depth);
  absl::Status s = Drive<nlohmann::json>(
      text, finder, [&] { return finder.too_deep(); }, max_depth);
  if (!s.ok()) return s;
  return finder.TakeResult();
}

}  // namespace threadlog
