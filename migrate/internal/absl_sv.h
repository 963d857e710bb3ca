// Bridges std::string_view to Debian's absl::string_view, which is a distinct type there.
#ifndef THREADLOG_MIGRATE_INTERNAL_ABSL_SV_H_
#define THREADLOG_MIGRATE_INTERNAL_ABSL_SV_H_

#include <string_view>

#include "absl/strings/string_view.h"

namespace threadlog::migrate::internal {

inline absl::string_view Sv(std::string_view s) { return absl::string_view(s.data(), s.size()); }
inline std::string_view Sv(absl::string_view s) { return std::string_view(s.data(), s.size()); }

}  // namespace threadlog::migrate::internal

#endif  // THREADLOG_MIGRATE_INTERNAL_ABSL_SV_H_
