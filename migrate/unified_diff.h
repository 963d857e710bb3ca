// Unified diffs (diff -u style) of planned file changes, for `threadlog migrate import --dry-run`.
#ifndef THREADLOG_MIGRATE_UNIFIED_DIFF_H_
#define THREADLOG_MIGRATE_UNIFIED_DIFF_H_

#include <string>
#include <string_view>

namespace threadlog::migrate {

// The unified diff turning `old_text` into `new_text`, with `context` lines around each change,
// headed "--- <old_label>\n+++ <new_label>\n". Returns "" when the texts are equal, except for a
// new file (`old_label` == "/dev/null"), which always gets its header. Text that is not valid
// UTF-8 or holds a NUL byte is reported as "Binary files <old_label> and <new_label> differ".
std::string UnifiedDiff(std::string_view old_text, std::string_view new_text,
                        std::string_view old_label, std::string_view new_label, int context = 3);

}  // namespace threadlog::migrate

#endif  // THREADLOG_MIGRATE_UNIFIED_DIFF_H_
