// Rollout timestamps: RFC 3339 text <-> milliseconds since the Unix epoch.
#ifndef THREADLOG_EVENTLOG_TIMESTAMP_H_
#define THREADLOG_EVENTLOG_TIMESTAMP_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace threadlog {

// "2026-02-23T11:40:29.279Z": the form Codex writes on every rollout line (UTC, milliseconds).
std::string FormatTimestampMs(int64_t ms);

// Parses RFC 3339 with any fractional precision and a Z or numeric offset; the result is
// truncated to milliseconds. kInvalidArgument names the text when it is not a timestamp.
absl::StatusOr<int64_t> ParseTimestampMs(std::string_view text);

// True when `text` is exactly in FormatTimestampMs's form (so formatting its value gives `text`
// back), checked without formatting.
bool IsCanonicalTimestamp(std::string_view text);

}  // namespace threadlog

#endif  // THREADLOG_EVENTLOG_TIMESTAMP_H_
