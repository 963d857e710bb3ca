// Rewriting of Claude Code terms to Codex terms in migrated Markdown (SKILL.md, AGENTS.md).
#ifndef THREADLOG_MIGRATE_TERM_REWRITE_H_
#define THREADLOG_MIGRATE_TERM_REWRITE_H_

#include <string>
#include <string_view>

namespace threadlog::migrate {

// Returns `text` with Claude Code terms replaced, exactly as Codex does it: one pass per rule,
// in this order, each pass over the previous pass's output:
//   "claude.md" -> "AGENTS.md", "claude code" -> "Codex", "claude-code" -> "Codex",
//   "claude_code" -> "Codex", "claudecode" -> "Codex", "claude" -> "Codex".
// Matching is ASCII case-insensitive and needs a word boundary on both sides, where a word byte
// is [A-Za-z0-9_] (so UTF-8 bytes and '-' are boundaries). The replacement text is fixed; the
// original case is not kept. Works on bytes: any input (even invalid UTF-8) is safe, and bytes
// outside matches are copied unchanged.
std::string RewriteClaudeTerms(std::string_view text);

// One rule of the above, exposed for tests: replaces every bounded, case-insensitive match of
// `needle` (lowercase ASCII) in `text` by `replacement`.
std::string ReplaceBoundedTerm(std::string_view text, std::string_view needle,
                               std::string_view replacement);

}  // namespace threadlog::migrate

#endif  // THREADLOG_MIGRATE_TERM_REWRITE_H_
