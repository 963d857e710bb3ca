// RFC 3339 timestamps via absl::Time.
#include "eventlog/timestamp.h"

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "eventlog/absl_compat.h"

namespace threadlog {

std::string FormatTimestampMs(int64_t ms) {
  return absl::FormatTime("%Y-%m-%d%ET%H:%M:%E3SZ", absl::FromUnixMillis(ms), absl::UTCTimeZone());
}

absl::StatusOr<int64_t> ParseTimestampMs(std::string_view text) {
  absl::Time t;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, ToAbsl(text), &t, &error)) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", ToAbsl(text), "' is not an RFC 3339 timestamp: ", error));
  }
  return absl::ToUnixMillis(t);
}

}  // namespace threadlog
