// SKILLS: .claude/skills/<name>/ -> .agents/skills/<name>/, new skills only, SKILL.md rewritten.
#include "migrate/skills_migration.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "migrate/file_io.h"
#include "migrate/term_rewrite.h"

namespace threadlog::migrate {
namespace {

absl::StatusOr<std::vector<std::string>> ListDirectory(const std::string& dir) {
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return ErrnoStatus(errno, absl::StrCat("cannot list ", dir));
  std::vector<std::string> names;
  while (struct dirent* e = readdir(d)) {
    std::string name = e->d_name;
    if (name != "." && name != "..") names.push_back(std::move(name));
  }
  closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

// Adds the contents of `dir` (relative path `rel`, "" for the skill root) to `entries`.
absl::Status CollectTree(const std::string& dir, const std::string& rel,
                         std::vector<TreeEntry>* entries, std::vector<std::string>* notes) {
  absl::StatusOr<std::vector<std::string>> names = ListDirectory(dir);
  if (!names.ok()) return names.status();
  for (const std::string& name : *names) {
    const std::string path = JoinPath(dir, name);
    const std::string entry_rel = rel.empty() ? name : JoinPath(rel, name);
    struct stat st;
    if (lstat(path.c_str(), &st) != 0) return ErrnoStatus(errno, "cannot inspect " + path);
    if (S_ISDIR(st.st_mode)) {
      entries->push_back({entry_rel, true, "", static_cast<mode_t>(st.st_mode & 07777)});
      if (absl::Status s = CollectTree(path, entry_rel, entries, notes); !s.ok()) return s;
    } else if (S_ISREG(st.st_mode)) {
      absl::StatusOr<std::string> content = ReadFileToString(path);
      if (!content.ok()) return content.status();
      if (absl::EqualsIgnoreCase(name, "SKILL.md")) {
        if (!IsValidUtf8(*content)) {
          return absl::InvalidArgumentError(absl::StrCat(path, ": not valid UTF-8"));
        }
        *content = RewriteClaudeTerms(*content);
      }
      entries->push_back(
          {entry_rel, false, *std::move(content), static_cast<mode_t>(st.st_mode & 07777)});
    } else {
      notes->push_back(
          absl::StrCat("skipped ", path, ": ",
                       S_ISLNK(st.st_mode) ? "symlinks are not followed" : "not a regular file"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ItemPlan> PlanSkills(const Scope& scope) {
  if (absl::Status s = CheckNotThroughSymlinkedClaudeDir(scope, scope.skills_source); !s.ok()) {
    return s;
  }
  absl::StatusOr<EntryKind> source = EntryKindOf(scope.skills_source);
  if (!source.ok()) return source.status();
  if (*source == EntryKind::kSymlink) {
    return absl::FailedPreconditionError(
        absl::StrCat(scope.skills_source, " is a symlink; threadlog does not follow it"));
  }
  ItemPlan plan;
  if (*source != EntryKind::kDirectory) return plan;
  absl::StatusOr<EntryKind> target = ResolvedKindOf(scope.skills_target);
  if (!target.ok()) return target.status();
  if (*target != EntryKind::kMissing && *target != EntryKind::kDirectory) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot copy skills into ", scope.skills_target, ": it is not a directory"));
  }
  if (*target == EntryKind::kMissing) {
    if (absl::Status s = CheckCreatable(scope.skills_target); !s.ok()) return s;
  }
  absl::StatusOr<std::vector<std::string>> names = ListDirectory(scope.skills_source);
  if (!names.ok()) return names.status();
  for (const std::string& name : *names) {
    const std::string from = JoinPath(scope.skills_source, name);
    const std::string to = JoinPath(scope.skills_target, name);
    struct stat st;
    if (lstat(from.c_str(), &st) != 0) {
      plan.problems.push_back(ErrnoStatus(errno, "cannot inspect " + from));
      continue;
    }
    if (S_ISLNK(st.st_mode)) {
      plan.notes.push_back(absl::StrCat("skipped ", from, ": symlinks are not followed"));
      continue;
    }
    if (!S_ISDIR(st.st_mode)) continue;  // loose files in skills/ are not skills
    absl::StatusOr<EntryKind> existing = EntryKindOf(to);
    if (!existing.ok()) {
      plan.problems.push_back(existing.status());
      continue;
    }
    if (*existing != EntryKind::kMissing) {
      plan.notes.push_back(absl::StrCat("kept the existing ", to));
      continue;
    }
    TreeCreate tree{to, from, static_cast<mode_t>(st.st_mode & 07777), {}};
    if (absl::Status s = CollectTree(from, "", &tree.entries, &plan.notes); !s.ok()) {
      plan.problems.push_back(
          absl::Status(s.code(), absl::StrCat("skill ", name, ": ", s.message())));
      continue;
    }
    plan.trees.push_back(std::move(tree));
  }
  return plan;
}

}  // namespace threadlog::migrate
