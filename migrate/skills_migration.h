// SKILLS: .claude/skills/<name>/ -> .agents/skills/<name>/, new skills only, SKILL.md rewritten.
#ifndef THREADLOG_MIGRATE_SKILLS_MIGRATION_H_
#define THREADLOG_MIGRATE_SKILLS_MIGRATION_H_

#include "absl/status/statusor.h"
#include "migrate/paths.h"
#include "migrate/plan.h"

namespace threadlog::migrate {

// The SKILLS plan of `scope`: one TreeCreate per immediate subdirectory of the skills source
// whose name does not exist (as anything) in the target. Files are copied byte for byte with
// their permission bits, except files named SKILL.md (any case), which go through
// RewriteClaudeTerms. Symlinks and special files are skipped, never followed (noted), as are
// plain files directly in skills/. A skill that cannot be read, or whose SKILL.md is not UTF-8,
// is a problem of the plan and the other skills still go. Empty when there is nothing to copy.
// Errors: a symlinked skills directory or .claude, a target that is not a directory.
absl::StatusOr<ItemPlan> PlanSkills(const Scope& scope);

}  // namespace threadlog::migrate

#endif  // THREADLOG_MIGRATE_SKILLS_MIGRATION_H_
