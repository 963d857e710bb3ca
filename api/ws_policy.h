// Who may open a WebSocket: the Origin and bearer-token rules, as pure functions.
#ifndef THREADLOG_API_WS_POLICY_H_
#define THREADLOG_API_WS_POLICY_H_

#include <optional>
#include <string>
#include <string_view>

namespace threadlog::api {

enum class Admission {
  kAccept,
  kForbiddenOrigin,  // HTTP 403: a browser page of another origin (DNS rebinding, CSRF)
  kUnauthorized,     // HTTP 401: missing or wrong "Authorization: Bearer <token>"
};

// 127.0.0.0/8 or ::1 (and ::ffff:127.x.y.z).
bool IsLoopbackAddress(std::string_view ip);

// An Origin naming this machine: http(s)://localhost, 127.x.y.z or [::1], any port.
bool IsLoopbackOrigin(std::string_view origin);

// Decides an upgrade request. `origin`, `authorization`: the header values, if present.
// `token`: the required bearer token, or std::nullopt when no token is configured.
// An Origin that is not loopback is refused first; then the token, compared in constant time.
// The scheme is matched case-insensitively ("bearer", "BEARER"; RFC 7235), the token exactly.
Admission Admit(std::optional<std::string_view> origin,
                std::optional<std::string_view> authorization,
                const std::optional<std::string>& token);

}  // namespace threadlog::api

#endif  // THREADLOG_API_WS_POLICY_H_
