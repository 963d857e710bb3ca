// The WebSocket admission rules.
#include "api/ws_policy.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "boost/asio/ip/address.hpp"
#include "eventlog/absl_compat.h"

namespace threadlog::api {

bool IsLoopbackAddress(std::string_view ip) {
  boost::system::error_code ec;
  boost::asio::ip::address address = boost::asio::ip::make_address(std::string(ip), ec);
  if (ec) return false;
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    return address.to_v6().to_v4().is_loopback();
  }
  return address.is_loopback();
}

bool IsLoopbackOrigin(std::string_view origin) {
  std::string lower = absl::AsciiStrToLower(ToAbsl(origin));
  std::string_view rest = lower;
  if (absl::StartsWith(ToAbsl(rest), "http://")) {
    rest.remove_prefix(7);
  } else if (absl::StartsWith(ToAbsl(rest), "https://")) {
    rest.remove_prefix(8);
  } else {
    return false;  // includes "null" (sandboxed frames, file://)
  }
  std::string_view host;
  if (!rest.empty() && rest.front() == '[') {
    size_t close = rest.find(']');
    if (close == std::string_view::npos) return false;
    host = rest.substr(1, close - 1);
    rest.remove_prefix(close + 1);
  } else {
    size_t colon = rest.find(':');
    host = rest.substr(0, colon);
    rest.remove_prefix(colon == std::string_view::npos ? rest.size() : colon);
  }
  if (!rest.empty()) {
    if (rest.front() != ':' || rest.size() == 1) return false;
    for (char c : rest.substr(1)) {
      if (c < '0' || c > '9') return false;
    }
  }
  return host == "localhost" || IsLoopbackAddress(host);
}

Admission Admit(std::optional<std::string_view> origin,
                std::optional<std::string_view> authorization,
                const std::optional<std::string>& token) {
  if (origin && !IsLoopbackOrigin(*origin)) return Admission::kForbiddenOrigin;
  if (!token) return Admission::kAccept;
  if (!authorization) return Admission::kUnauthorized;
  // RFC 7235: credentials = auth-scheme 1*SP token68, and the scheme is case-insensitive.
  constexpr std::string_view kBearer = "bearer";
  std::string_view given = *authorization;
  if (given.size() <= kBearer.size() ||
      !absl::EqualsIgnoreCase(ToAbsl(given.substr(0, kBearer.size())), ToAbsl(kBearer)) ||
      given[kBearer.size()] != ' ') {
    return Admission::kUnauthorized;
  }
  given.remove_prefix(kBearer.size());
  while (!given.empty() && given.front() == ' ') given.remove_prefix(1);
  if (given.size() != token->size()) return Admission::kUnauthorized;
  unsigned char diff = 0;  // constant time: no early exit on the first differing byte
  for (size_t i = 0; i < token->size(); ++i) diff |= given[i] ^ (*token)[i];
  return diff == 0 ? Admission::kAccept : Admission::kUnauthorized;
}

}  // namespace threadlog::api
