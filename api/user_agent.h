// The initialize reply's userAgent, in Codex's format.
#ifndef THREADLOG_API_USER_AGENT_H_
#define THREADLOG_API_USER_AGENT_H_

#include <string>

namespace threadlog::api {

// "<client>/<kCodexVersion> (<OS> <x.y.z>; <arch>) <terminal> (<client>; <client version>)",
// e.g. "probe/0.117.0 (Debian 12.0.0; x86_64) xterm (probe; 0.1)", as Codex answers.
std::string UserAgent(const std::string& client_name, const std::string& client_version);

}  // namespace threadlog::api

#endif  // THREADLOG_API_USER_AGENT_H_
