// A migration item's plan: the files and trees it would create or change, applied atomically.
#include "migrate/plan.h"

#include <sys/stat.h>

#include <cstdio>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "migrate/file_io.h"
#include "migrate/unified_diff.h"

namespace threadlog::migrate {

absl::StatusOr<std::optional<std::string>> ReadPlannedFile(const std::string& path,
                                                           const Overlay* overlay) {
  if (overlay != nullptr) {
    if (auto it = overlay->find(path); it != overlay->end()) return it->second;
  }
  absl::StatusOr<EntryKind> kind = ResolvedKindOf(path);
  if (!kind.ok()) return kind.status();
  if (*kind == EntryKind::kMissing) {
    absl::StatusOr<EntryKind> link = EntryKindOf(path);
    if (link.ok() && *link == EntryKind::kSymlink) {
      return absl::FailedPreconditionError(absl::StrCat(path, " is a dangling symlink"));
    }
    return std::nullopt;
  }
  if (*kind != EntryKind::kFile) {
    return absl::FailedPreconditionError(absl::StrCat(path, " exists and is not a regular file"));
  }
  absl::StatusOr<std::string> text = ReadFileToString(path);
  if (!text.ok()) return text.status();
  return std::optional<std::string>(*std::move(text));
}

absl::Status CheckCreatable(const std::string& path) {
  for (std::string at = ParentPath(path);; at = ParentPath(at)) {
    absl::StatusOr<EntryKind> kind = ResolvedKindOf(at);
    if (!kind.ok()) return kind.status();
    if (*kind == EntryKind::kDirectory) return absl::OkStatus();
    if (*kind != EntryKind::kMissing) {
      return absl::FailedPreconditionError(
          absl::StrCat("cannot create ", path, ": ", at, " is not a directory"));
    }
    if (at == "/" || at == ".") return absl::OkStatus();
  }
}

mode_t ApplyUmask(mode_t mode) {
  // umask(2) can only be read by setting it; /proc avoids that race in a threaded server.
  mode_t mask = 022;
  if (std::ifstream in("/proc/self/status"); in) {
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("Umask:", 0) == 0) {
        mask = static_cast<mode_t>(std::strtoul(line.c_str() + 6, nullptr, 8));
        break;
      }
    }
  }
  return mode & ~mask;
}

absl::Status ApplyPlan(const ItemPlan& plan, const FaultHook& hook,
                       std::vector<std::string>* written) {
  std::vector<absl::Status> errors;
  for (const FileWrite& w : plan.writes) {
    absl::StatusOr<std::optional<std::string>> now = ReadPlannedFile(w.path, nullptr);
    absl::Status s = now.status();
    if (s.ok() && *now != w.old_content) {
      s = absl::AbortedError(absl::StrCat(w.path, " changed while migrating; left alone"));
    }
    if (s.ok()) s = CreateDirectories(ParentPath(w.path));
    if (s.ok()) s = WriteFileAtomically(w.path, w.new_content, w.mode, hook);
    if (s.ok()) {
      written->push_back(w.path);
    } else {
      errors.push_back(s);
    }
  }
  for (const TreeCreate& t : plan.trees) {
    absl::Status s = CreateDirectories(ParentPath(t.path));
    if (s.ok()) s = CreateTreeAtomically(t.path, t.mode, t.entries, hook);
    if (s.ok()) {
      written->push_back(t.path);
    } else {
      errors.push_back(s);
    }
  }
  if (errors.empty()) return absl::OkStatus();
  if (errors.size() == 1) return errors[0];
  std::vector<std::string> messages;
  for (const absl::Status& e : errors) messages.push_back(std::string(e.message()));
  return absl::Status(errors[0].code(), absl::StrJoin(messages, "; "));
}

std::string PlanDiff(const ItemPlan& plan) {
  std::string out;
  for (const FileWrite& w : plan.writes) {
    out += UnifiedDiff(w.old_content.value_or(""), w.new_content,
                       w.old_content ? "a" + w.path : "/dev/null", "b" + w.path);
  }
  for (const TreeCreate& t : plan.trees) {
    for (const TreeEntry& e : t.entries) {
      if (e.is_directory) continue;
      const std::string path = JoinPath(t.path, e.relative_path);
      out += UnifiedDiff("", e.content, "/dev/null", "b" + path);
    }
  }
  return out;
}

}  // namespace threadlog::migrate
