// AGENTS_MD: a repo's CLAUDE.md (or .claude/CLAUDE.md) -> AGENTS.md when that is missing or blank.
#ifndef THREADLOG_MIGRATE_AGENTS_MD_MIGRATION_H_
#define THREADLOG_MIGRATE_AGENTS_MD_MIGRATION_H_

#include "absl/status/statusor.h"
#include "migrate/paths.h"
#include "migrate/plan.h"

namespace threadlog::migrate {

// The AGENTS_MD plan of the repo `scope`: the first non-blank of <root>/CLAUDE.md and
// <root>/.claude/CLAUDE.md, through RewriteClaudeTerms, into <root>/AGENTS.md, only when
// AGENTS.md does not exist or is whitespace-only (a directory or other non-file there is left
// alone, noted). Empty for the home scope and when there is nothing to do. Errors: a source
// that is not UTF-8 or cannot be read, a symlinked .claude holding the source.
absl::StatusOr<ItemPlan> PlanAgentsMd(const Scope& scope);

}  // namespace threadlog::migrate

#endif  // THREADLOG_MIGRATE_AGENTS_MD_MIGRATION_H_
