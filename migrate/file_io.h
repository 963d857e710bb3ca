// Small POSIX file helpers for the migration: reading, entry kinds, errno -> absl::Status.
#ifndef THREADLOG_MIGRATE_FILE_IO_H_
#define THREADLOG_MIGRATE_FILE_IO_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace threadlog::migrate {

// Maps `err` (an errno value) to a status code the Abseil way (ENOENT -> kNotFound, EACCES/EPERM/
// EROFS -> kPermissionDenied, ENOSPC -> kResourceExhausted, ...). The message is
// "<what>: <strerror>".
absl::Status ErrnoStatus(int err, std::string_view what);

enum class EntryKind { kMissing, kFile, kDirectory, kSymlink, kOther };

// The kind of the entry at `path` without following a final symlink (lstat). Errors other than
// "does not exist" (e.g. EACCES on a parent) are returned.
absl::StatusOr<EntryKind> EntryKindOf(const std::string& path);

// The kind of the entry at `path` after following symlinks (stat); kMissing for a dangling link.
absl::StatusOr<EntryKind> ResolvedKindOf(const std::string& path);

// Reads a whole regular file (following symlinks). A missing file is kNotFound; a directory or
// other non-regular file is kFailedPrecondition.
absl::StatusOr<std::string> ReadFileToString(const std::string& path);

// Reads `path` (following symlinks) when it is a regular file whose content is not
// whitespace-only. Missing, not a regular file, or blank: kNotFound. Other errors pass up.
absl::StatusOr<std::string> ReadNonBlankFile(const std::string& path);

// True when `text` is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF).
bool IsValidUtf8(std::string_view text);

// True when `text` is empty or only ASCII whitespace.
bool IsBlank(std::string_view text);

// "a/b" joined with "c" -> "a/b/c".
std::string JoinPath(std::string_view dir, std::string_view name);

// The directory part of `path` ("/a/b" -> "/a", "/a" -> "/"), or "." for a bare name.
std::string ParentPath(std::string_view path);

}  // namespace threadlog::migrate

#endif  // THREADLOG_MIGRATE_FILE_IO_H_
