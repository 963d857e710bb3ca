// A migration item's plan: the files and trees it would create or change, applied atomically.
#ifndef THREADLOG_MIGRATE_PLAN_H_
#define THREADLOG_MIGRATE_PLAN_H_

#include <sys/types.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "migrate/atomic_file.h"

namespace threadlog::migrate {

// Replace or create one regular file.
struct FileWrite {
  std::string path;
  std::optional<std::string> old_content;  // std::nullopt: the file does not exist yet
  std::string new_content;
  mode_t mode = 0644;
  std::vector<std::string> added;  // what the change adds, for the report (e.g. TOML keys)
};

// Create one directory (a skill) with everything in it; it must not exist.
struct TreeCreate {
  std::string path;
  std::string source;  // where it was copied from, for the report
  mode_t mode = 0755;
  std::vector<TreeEntry> entries;
};

// What one item would do. Planning only reads; ApplyPlan writes.
struct ItemPlan {
  std::vector<FileWrite> writes;
  std::vector<TreeCreate> trees;
  std::vector<std::string> notes;      // things left alone on purpose (kept keys, skipped links)
  std::vector<absl::Status> problems;  // parts that cannot be migrated; the rest still is

  bool empty() const { return writes.empty() && trees.empty(); }
};

// Planned contents of files that earlier items of the same run would write, by path, so that
// a dry run shows the combined effect of two items writing one config.toml.
using Overlay = std::map<std::string, std::string>;

// The content of the file `path` as the plan sees it: from `overlay` when present there, else
// from disk; std::nullopt when it does not exist. A non-regular file is kFailedPrecondition.
absl::StatusOr<std::optional<std::string>> ReadPlannedFile(const std::string& path,
                                                           const Overlay* overlay);

// kFailedPrecondition when `path` cannot be created because its nearest existing ancestor is
// not a directory (e.g. `.codex` is a file).
absl::Status CheckCreatable(const std::string& path);

// Permission bits for a new file: `mode` minus the process umask.
mode_t ApplyUmask(mode_t mode);

// Performs `plan`. Each file and each tree is written atomically; a failure of one does not stop
// the others. Before a write, the file is checked against `old_content` (kAborted if it changed
// since planning). Paths written are appended to `*written`. Returns the first error, with all
// errors joined in its message.
absl::Status ApplyPlan(const ItemPlan& plan, const FaultHook& hook,
                       std::vector<std::string>* written);

// A unified diff of every change in `plan` (new files against /dev/null).
std::string PlanDiff(const ItemPlan& plan);

}  // namespace threadlog::migrate

#endif  // THREADLOG_MIGRATE_PLAN_H_
