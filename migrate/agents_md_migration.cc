// AGENTS_MD: a repo's CLAUDE.md (or .claude/CLAUDE.md) -> AGENTS.md when that is missing or blank.
#include "migrate/agents_md_migration.h"

#include <sys/stat.h>

#include "absl/strings/str_cat.h"
#include "migrate/file_io.h"
#include "migrate/term_rewrite.h"

namespace threadlog::migrate {

absl::StatusOr<ItemPlan> PlanAgentsMd(const Scope& scope) {
  ItemPlan plan;
  if (scope.is_home || scope.agents_md.empty()) return plan;
  std::string source_path;
  std::string source;
  for (const std::string& candidate : scope.claude_md_candidates) {
    if (absl::Status s = CheckNotThroughSymlinkedClaudeDir(scope, candidate); !s.ok()) return s;
    absl::StatusOr<std::string> text = ReadNonBlankFile(candidate);
    if (text.ok()) {
      source_path = candidate;
      source = *std::move(text);
      break;
    }
    if (text.status().code() != absl::StatusCode::kNotFound) return text.status();
  }
  if (source_path.empty()) return plan;
  absl::StatusOr<std::optional<std::string>> target = ReadPlannedFile(scope.agents_md, nullptr);
  if (!target.ok()) {
    if (target.status().code() == absl::StatusCode::kFailedPrecondition) {
      plan.notes.push_back(
          absl::StrCat("left ", scope.agents_md, " alone: ", target.status().message()));
      return plan;
    }
    return target.status();
  }
  if (*target && !IsBlank(**target)) return plan;  // never touch real instructions
  if (!IsValidUtf8(source)) {
    return absl::InvalidArgumentError(absl::StrCat(source_path, ": not valid UTF-8"));
  }
  FileWrite write;
  write.path = scope.agents_md;
  write.old_content = *target;
  write.new_content = RewriteClaudeTerms(source);
  write.mode = ApplyUmask(0666);
  struct stat st;
  if (*target && stat(scope.agents_md.c_str(), &st) == 0) write.mode = st.st_mode & 07777;
  write.added = {source_path};
  plan.writes.push_back(std::move(write));
  return plan;
}

}  // namespace threadlog::migrate
