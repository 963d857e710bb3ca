// JSON diff with ignored fields, for the replay regression tests.
#include "tools/replay_diff.h"

#include <array>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "eventlog/absl_compat.h"

namespace threadlog {
namespace {

using Json = nlohmann::json;

constexpr std::array<IgnoredField, 4> kIgnored = {{
    {"/path", false,
     "Codex reports its rollout file's location in its CODEX_HOME; the store keeps no file, so "
     "ours is null"},
    {"/updatedAt", false,
     "Codex takes it from the rollout file's mtime (when the file was copied into the capture "
     "home), which is in no event; ours is the last event's time"},
    {"/status", false,
     "runtime state of the answering process: Codex says idle for a thread it has loaded (the "
     "transcript's reads were of live threads) and notLoaded otherwise; a replay store has "
     "nothing loaded"},
    {"/turns/*/id", true,
     "only for turns no task_started named: Codex makes up a random UUIDv7 on every read; ours "
     "is deterministic (projections/TURNS.md)"},
}};

// JSON pointer escaping of one reference token (RFC 6901).
std::string Escape(std::string_view token) {
  std::string out;
  for (char c : token) {
    if (c == '~')
      out += "~0";
    else if (c == '/')
      out += "~1";
    else
      out += c;
  }
  return out;
}

bool Matches(std::string_view pattern, const std::vector<std::string>& tokens) {
  std::vector<absl::string_view> parts = absl::StrSplit(ToAbsl(pattern), '/');
  // A pattern starts with '/', so its first part is empty.
  if (parts.size() != tokens.size() + 1) return false;
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (parts[i + 1] != "*" && ToStd(parts[i + 1]) != Escape(tokens[i])) return false;
  }
  return true;
}

class Differ {
 public:
  Differ(std::span<const IgnoredField> ignored, std::string_view events)
      : ignored_(ignored), events_(events) {}

  void Walk(const Json* expected, const Json* got) {
    if (Ignored(expected)) return;
    if (expected && got && expected->is_object() && got->is_object()) {
      std::set<std::string> keys;
      for (const auto& [k, v] : expected->items()) keys.insert(k);
      for (const auto& [k, v] : got->items()) keys.insert(k);
      for (const std::string& key : keys) {
        tokens_.push_back(key);
        Walk(Child(*expected, key), Child(*got, key));
        tokens_.pop_back();
      }
      return;
    }
    if (expected && got && expected->is_array() && got->is_array()) {
      size_t n = std::max(expected->size(), got->size());
      for (size_t i = 0; i < n; ++i) {
        tokens_.push_back(std::to_string(i));
        Walk(i < expected->size() ? &(*expected)[i] : nullptr,
             i < got->size() ? &(*got)[i] : nullptr);
        tokens_.pop_back();
      }
      return;
    }
    if (expected && got && *expected == *got) return;
    JsonDifference d;
    d.path = Pointer();
    if (expected) d.expected = *expected;
    if (got) d.got = *got;
    differences_.push_back(std::move(d));
  }

  std::vector<JsonDifference> Take() { return std::move(differences_); }

 private:
  static const Json* Child(const Json& object, const std::string& key) {
    auto it = object.find(key);
    return it == object.end() ? nullptr : &*it;
  }

  bool Ignored(const Json* expected) const {
    for (const IgnoredField& field : ignored_) {
      if (!Matches(field.pattern, tokens_)) continue;
      if (!field.only_if_made_up) return true;
      // Made up by Codex: a string value the events never mention.
      if (expected && expected->is_string() &&
          events_.find(absl::StrCat("\"", expected->get_ref<const std::string&>(), "\"")) ==
              std::string_view::npos) {
        return true;
      }
    }
    return false;
  }

  std::string Pointer() const {
    std::string out;
    for (const std::string& t : tokens_) absl::StrAppend(&out, "/", Escape(t));
    return out.empty() ? "/" : out;
  }

  std::span<const IgnoredField> ignored_;
  std::string_view events_;
  std::vector<std::string> tokens_;
  std::vector<JsonDifference> differences_;
};

std::string Show(const std::optional<Json>& value, size_t max) {
  if (!value) return "(missing)";
  std::string text = value->dump(-1, ' ', false, Json::error_handler_t::replace);
  if (text.size() > max) text = absl::StrCat(text.substr(0, max), "...");
  return text;
}

}  // namespace

std::span<const IgnoredField> ReplayIgnoredFields() { return kIgnored; }

std::vector<JsonDifference> DiffJson(const Json& expected, const Json& got,
                                     std::span<const IgnoredField> ignored,
                                     std::string_view events_text) {
  Differ differ(ignored, events_text);
  differ.Walk(&expected, &got);
  return differ.Take();
}

std::string FormatDifferences(const std::vector<JsonDifference>& differences, size_t max_value) {
  std::string out;
  for (const JsonDifference& d : differences) {
    absl::StrAppend(&out, "  ", d.path, ": expected ", Show(d.expected, max_value), " vs got ",
                    Show(d.got, max_value), "\n");
  }
  return out;
}

}  // namespace threadlog
