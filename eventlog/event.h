// The event model: kinds, an event to append (NewEvent) and an event read back (EventView).
#ifndef THREADLOG_EVENTLOG_EVENT_H_
#define THREADLOG_EVENTLOG_EVENT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "eventlog/json_parse.h"
#include "eventlog/thread_id.h"
#include "nlohmann/json.hpp"

namespace threadlog {

// The text of one JSON value. It can only be made by validating text or by serializing a
// parsed value, so holding one proves the text is JSON: text is checked once, where it enters
// the process (a rollout line, a request), never again on the append path.
class JsonText {
 public:
  JsonText() : text_("{}") {}
  // kInvalidArgument when `text` is not exactly one JSON value; kOutOfRange when it nests
  // deeper than `max_depth`, kResourceExhausted when it would take more than kMaxJsonDomBytes
  // once parsed (eventlog/json_parse.h).
  static absl::StatusOr<JsonText> Parse(std::string text, int max_depth = kMaxJsonDepth);
  template <typename Json>
  static JsonText Serialize(const Json& value) {
    return JsonText(value.dump());
  }
  const std::string& str() const { return text_; }
  std::string_view view() const { return text_; }
  size_t size() const { return text_.size(); }
  bool operator==(const JsonText&) const = default;

 private:
  explicit JsonText(std::string text) : text_(std::move(text)) {}
  std::string text_;
};

// The rollout item kinds Codex writes, plus lifecycle kinds of our own. The numeric values are
// stored in the envelope: never renumber, only append.
enum class EventKind : uint8_t {
  kSessionMeta = 1,
  kResponseItem = 2,
  kEventMsg = 3,
  kTurnContext = 4,
  kCompacted = 5,
  // Lifecycle kinds: state changes the app-server makes that Codex keeps outside the rollout.
  kThreadArchived = 64,
  kThreadUnarchived = 65,
  kThreadRenamed = 66,
  kThreadForked = 67,
  kThreadConfigured = 68,  // {"persistence": "limited" | "extended"}
};

// "session_meta", "thread_archived", ... The wire name of a kind.
std::string_view EventKindName(EventKind kind);
// Inverse of EventKindName; nullopt for an unknown name.
std::optional<EventKind> EventKindFromName(std::string_view name);
// True for the five kinds that are lines of a Codex rollout file.
bool IsRolloutKind(EventKind kind);

// An event as a writer hands it to EventStore::Append.
struct NewEvent {
  EventKind kind = EventKind::kEventMsg;
  std::string type;  // the payload's own "type" tag; may be empty
  JsonText payload;  // kept byte for byte
  // Milliseconds since the epoch; 0 means "now" (the append's wall clock).
  int64_t timestamp_ms = 0;
  // The rollout line's timestamp text, when it does not round-trip through timestamp_ms.
  std::string timestamp_text;
};

// An event read from the store. The string_views point into the reader's current record and
// are valid only until the iterator that produced this view moves or is destroyed.
struct EventView {
  ThreadId thread;
  uint64_t seq = 0;
  uint64_t position = 0;
  int64_t timestamp_ms = 0;
  EventKind kind = EventKind::kEventMsg;
  std::string_view type;
  std::string_view payload;
  std::string_view timestamp_text;  // empty unless the original text was kept
};

}  // namespace threadlog

#endif  // THREADLOG_EVENTLOG_EVENT_H_
