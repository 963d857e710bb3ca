// Joins an argv into one shell command line exactly as Codex shows it (Rust shlex 1.3 try_join).
#ifndef THREADLOG_PROJECTIONS_INTERNAL_SHELL_JOIN_H_
#define THREADLOG_PROJECTIONS_INTERNAL_SHELL_JOIN_H_

#include <string>
#include <vector>

namespace threadlog::internal {

// Quotes each word the way shlex::try_quote does (bare when safe, else a mix of '…' and "…"
// chunks, '' for an empty word) and joins them with single spaces. Codex renders
// `CommandExecution.command` with shlex::try_join and falls back to a plain space join when a
// word holds a NUL byte; this does the same, so the result is byte-identical to Codex's.
std::string ShellJoin(const std::vector<std::string>& argv);

}  // namespace threadlog::internal

#endif  // THREADLOG_PROJECTIONS_INTERNAL_SHELL_JOIN_H_
