// Parsing and formatting of rollout lines, with a byte-preserving fast path for Codex's layout.
#include "eventlog/rollout_line.h"

#include "absl/strings/str_cat.h"
#include "eventlog/absl_compat.h"
#include "eventlog/json_parse.h"
#include "eventlog/timestamp.h"
#include "nlohmann/json.hpp"

namespace threadlog {
namespace {

using OrderedJson = nlohmann::ordered_json;

// The text between `open` quotes starting at `pos`, when it holds no escapes.
bool TakeSimpleString(std::string_view s, size_t& pos, std::string_view* out) {
  if (pos >= s.size() || s[pos] != '"') return false;
  size_t end = s.find_first_of("\"\\", pos + 1);
  if (end == std::string_view::npos || s[end] != '"') return false;
  *out = s.substr(pos + 1, end - pos - 1);
  pos = end + 1;
  return true;
}

bool TakeLiteral(std::string_view s, size_t& pos, std::string_view literal) {
  if (s.substr(pos, literal.size()) != literal) return false;
  pos += literal.size();
  return true;
}

// The payload's own "type" when the payload starts with it (serde's internally tagged enums
// put the tag first), else nullopt and the caller parses.
std::optional<std::string_view> LeadingType(std::string_view payload) {
  size_t pos = 0;
  std::string_view type;
  if (TakeLiteral(payload, pos, "{\"type\":") && TakeSimpleString(payload, pos, &type)) {
    return type;
  }
  return std::nullopt;
}

bool KindHasTypeTag(EventKind kind) {
  return kind == EventKind::kEventMsg || kind == EventKind::kResponseItem;
}

absl::Status SetTimestamp(std::string_view text, NewEvent* event) {
  absl::StatusOr<int64_t> ms = ParseTimestampMs(text);
  if (!ms.ok()) return ms.status();
  event->timestamp_ms = *ms;
  // Keep the original text only when it would not come back the same.
  if (!IsCanonicalTimestamp(text) && FormatTimestampMs(*ms) != text) {
    event->timestamp_text = std::string(text);
  }
  return absl::OkStatus();
}

absl::StatusOr<EventKind> KindOf(std::string_view name) {
  std::optional<EventKind> kind = EventKindFromName(name);
  if (!kind || !IsRolloutKind(*kind)) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown rollout item type '", ToAbsl(name), "'"));
  }
  return *kind;
}

// Codex's layout: {"timestamp":"…","type":"…","payload":…}. Returns nullopt when the line is
// laid out otherwise (the slow path then decides whether it is valid at all).
std::optional<absl::StatusOr<NewEvent>> ParseFast(std::string_view line) {
  size_t pos = 0;
  std::string_view timestamp, kind_name;
  if (!TakeLiteral(line, pos, "{\"timestamp\":") || !TakeSimpleString(line, pos, &timestamp) ||
      !TakeLiteral(line, pos, ",\"type\":") || !TakeSimpleString(line, pos, &kind_name) ||
      !TakeLiteral(line, pos, ",\"payload\":") || line.empty() || line.back() != '}') {
    return std::nullopt;
  }
  std::string_view payload = line.substr(pos, line.size() - 1 - pos);
  // One level less than a line may have: the line's own object is the first.
  absl::StatusOr<JsonText> json = JsonText::Parse(std::string(payload), kMaxJsonDepth - 1);
  if (!json.ok()) return std::nullopt;
  absl::StatusOr<EventKind> kind = KindOf(kind_name);
  if (!kind.ok()) return kind.status();
  NewEvent event;
  event.kind = *kind;
  if (KindHasTypeTag(*kind)) {
    std::optional<std::string_view> type = LeadingType(payload);
    if (!type) return std::nullopt;  // tag not first: let the slow path find it
    event.type = std::string(*type);
  }
  if (absl::Status s = SetTimestamp(timestamp, &event); !s.ok()) return s;
  event.payload = *std::move(json);
  return event;
}

absl::StatusOr<NewEvent> ParseSlow(std::string_view line) {
  absl::StatusOr<OrderedJson> parsed = ParseOrderedJson(line);
  if (parsed.status().code() == absl::StatusCode::kOutOfRange ||
      parsed.status().code() == absl::StatusCode::kResourceExhausted) {
    return absl::InvalidArgumentError(absl::StrCat("line is ", parsed.status().message()));
  }
  if (!parsed.ok()) return absl::InvalidArgumentError("line is not valid JSON");
  const OrderedJson& json = *parsed;
  if (!json.is_object()) return absl::InvalidArgumentError("line is not a JSON object");
  auto type = json.find("type");
  if (type == json.end() || !type->is_string()) {
    return absl::InvalidArgumentError("line has no string \"type\" (not a rollout line)");
  }
  absl::StatusOr<EventKind> kind = KindOf(type->get<std::string>());
  if (!kind.ok()) return kind.status();
  auto payload = json.find("payload");
  if (payload == json.end()) return absl::InvalidArgumentError("line has no \"payload\"");
  auto timestamp = json.find("timestamp");
  if (timestamp == json.end() || !timestamp->is_string()) {
    return absl::InvalidArgumentError("line has no string \"timestamp\"");
  }
  NewEvent event;
  event.kind = *kind;
  if (KindHasTypeTag(*kind) && payload->is_object()) {
    auto tag = payload->find("type");
    if (tag != payload->end() && tag->is_string()) event.type = tag->get<std::string>();
  }
  if (absl::Status s = SetTimestamp(timestamp->get<std::string>(), &event); !s.ok()) return s;
  event.payload = JsonText::Serialize(*payload);
  return event;
}

}  // namespace

absl::StatusOr<NewEvent> ParseRolloutLine(std::string_view line) {
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
  if (std::optional<absl::StatusOr<NewEvent>> fast = ParseFast(line)) return std::move(*fast);
  return ParseSlow(line);
}

std::string FormatRolloutLine(const EventView& event) {
  std::string timestamp = event.timestamp_text.empty() ? FormatTimestampMs(event.timestamp_ms)
                                                       : std::string(event.timestamp_text);
  return absl::StrCat("{\"timestamp\":", OrderedJson(timestamp).dump(), ",\"type\":\"",
                      ToAbsl(EventKindName(event.kind)), "\",\"payload\":", ToAbsl(event.payload),
                      "}");
}

}  // namespace threadlog
