// The one place that names the Codex release threadlog follows: its app-server wire, the
// rollout format it writes (session_meta.cli_version) and the userAgent clients read.
#ifndef THREADLOG_EVENTLOG_CODEX_VERSION_H_
#define THREADLOG_EVENTLOG_CODEX_VERSION_H_

namespace threadlog {

// Methods, fields, error texts and thread-history rules follow this release's app-server
// (npm @openai/codex at this version is the reference binary). Rollouts written by older
// releases stay valid input.
inline constexpr char kCodexVersion[] = "0.117.0";

}  // namespace threadlog

#endif  // THREADLOG_EVENTLOG_CODEX_VERSION_H_
