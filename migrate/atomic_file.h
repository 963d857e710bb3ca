// Atomic creation of files and whole directory trees (temp + fsync + rename), with fault hooks.
#ifndef THREADLOG_MIGRATE_ATOMIC_FILE_H_
#define THREADLOG_MIGRATE_ATOMIC_FILE_H_

#include <sys/types.h>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"

namespace threadlog::migrate {

// Called before each step that changes the file system: `stage` is "write" (about to write the
// temporary file for `path`) or "rename" (the temporary is complete and about to replace `path`).
// A non-OK return aborts that write as if the system call had failed. Tests inject failures here.
using FaultHook = std::function<absl::Status(std::string_view stage, const std::string& path)>;

// Replaces (or creates) the regular file `path` with `content` and permission bits `mode`:
// writes a temporary file in the same directory, fsyncs it, renames it over `path` and fsyncs
// the directory. On any failure `path` is left exactly as it was and the temporary is removed.
// A symlink at `path` is resolved first, so the link's target is replaced, not the link.
// Requires: the parent directory of `path` exists.
absl::Status WriteFileAtomically(const std::string& path, std::string_view content, mode_t mode,
                                 const FaultHook& hook = {});

// mkdir -p with permission bits 0755 (minus umask). A component that exists but is not a
// directory gives kFailedPrecondition naming it.
absl::Status CreateDirectories(const std::string& dir);

// One entry of a directory tree to create; `relative_path` uses '/' and never "..".
struct TreeEntry {
  std::string relative_path;
  bool is_directory = false;
  std::string content;  // files only
  mode_t mode = 0644;   // permission bits
};

// Creates the directory `dir` (which must not exist; its parent must) holding `entries`, all at
// once: the tree is built in a temporary sibling directory, every file fsynced, and renamed to
// `dir`. On failure nothing is left behind. Directory entries must precede their contents.
absl::Status CreateTreeAtomically(const std::string& dir, mode_t dir_mode,
                                  const std::vector<TreeEntry>& entries,
                                  const FaultHook& hook = {});

}  // namespace threadlog::migrate

#endif  // THREADLOG_MIGRATE_ATOMIC_FILE_H_
