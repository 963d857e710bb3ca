// Codex rollout lines ({"timestamp":…,"type":KIND,"payload":…}) <-> events.
#ifndef THREADLOG_EVENTLOG_ROLLOUT_LINE_H_
#define THREADLOG_EVENTLOG_ROLLOUT_LINE_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "eventlog/event.h"

namespace threadlog {

// Parses one line of a rollout file (without its newline). The payload is kept byte for byte
// when the line has Codex's own layout, else re-serialized (JSON-equal, key order kept).
// kInvalidArgument explains what is wrong: not JSON, nested deeper than kMaxJsonDepth (Codex
// cannot read such a line either) or too big to hold once parsed (kMaxJsonDomBytes), not an
// object, missing or unknown type, missing payload, bad timestamp.
absl::StatusOr<NewEvent> ParseRolloutLine(std::string_view line);

// The rollout line for a stored event (no trailing newline). Requires IsRolloutKind(kind).
std::string FormatRolloutLine(const EventView& event);

}  // namespace threadlog

#endif  // THREADLOG_EVENTLOG_ROLLOUT_LINE_H_
