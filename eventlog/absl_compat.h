// Bridges std::string_view to absl::string_view: Debian's Abseil is built with its own
// string_view type (ABSL_OPTION_USE_STD_STRING_VIEW 0), so StrCat and friends need this.
#ifndef THREADLOG_EVENTLOG_ABSL_COMPAT_H_
#define THREADLOG_EVENTLOG_ABSL_COMPAT_H_

#include <string_view>

#include "absl/strings/string_view.h"

namespace threadlog {

inline absl::string_view ToAbsl(std::string_view s) { return {s.data(), s.size()}; }
inline std::string_view ToStd(absl::string_view s) { return {s.data(), s.size()}; }

}  // namespace threadlog

#endif  // THREADLOG_EVENTLOG_ABSL_COMPAT_H_
