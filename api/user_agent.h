// The initialize reply's userAgent, in Codex's format.
#ifndef THREADLOG_API_USER_AGENT_H_
#define THREADLOG_API_USER_AGENT_H_

#include <string>

namespace threadlog::api {

// The Codex release whose protocol threadlog speaks; clients read it from userAgent.
inline constexpr char kCodexProtocolVersion[] = "0.113.0";

// "<client>/0.113.0 (<OS> <x.y.z>; <arch>) <terminal> (<client>; <client version>)", e.g.
// "probe/0.113.0 (Debian 12.0.0; x86_64) xterm (probe; 0.1)" as Codex 0.113.0 answers.
std::string UserAgent(const std::string& client_name, const std::string& client_version);

}  // namespace threadlog::api

#endif  // THREADLOG_API_USER_AGENT_H_
