// URL parsing for the model client: scheme, host, port and request target.
#include "api/agent/http_types.h"

#include <arpa/inet.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "eventlog/absl_compat.h"

namespace threadlog::agent {

std::optional<std::string> FindHeader(const std::vector<HttpHeader>& headers,
                                      std::string_view name) {
  for (const HttpHeader& h : headers) {
    if (absl::EqualsIgnoreCase(h.name, ToAbsl(name))) return h.value;
  }
  return std::nullopt;
}

bool Url::host_is_address() const {
  unsigned char buf[16];
  return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

std::string Url::HostHeader() const {
  const bool v6 = host.find(':') != std::string::npos;
  std::string out = v6 ? absl::StrCat("[", host, "]") : host;
  if (port != (tls ? 443 : 80)) absl::StrAppend(&out, ":", port);
  return out;
}

namespace {

// What WHATWG's URL parser percent-encodes in a path or a query; the rest stays as written
// (in particular '%', '&' and '=' are not touched).
std::string EncodeTarget(absl::string_view raw) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : raw) {
    if (c <= 0x20 || c >= 0x7F || c == '"' || c == '<' || c == '>' || c == '`') {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out;
}

}  // namespace

absl::StatusOr<Url> ParseUrl(std::string_view std_text) {
  const absl::string_view text = ToAbsl(std_text);
  Url url;
  url.text = std::string(text);
  auto invalid = [&](absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat("invalid URL `", text, "`: ", why));
  };
  absl::string_view rest = text;
  if (absl::StartsWithIgnoreCase(rest, "https://")) {
    url.tls = true;
    rest.remove_prefix(8);
  } else if (absl::StartsWithIgnoreCase(rest, "http://")) {
    rest.remove_prefix(7);
  } else {
    return invalid("only http:// and https:// are supported");
  }
  size_t authority_end = rest.find_first_of("/?#");
  absl::string_view authority = rest.substr(0, authority_end);
  absl::string_view target =
      authority_end == absl::string_view::npos ? absl::string_view() : rest.substr(authority_end);
  if (size_t hash = target.find('#'); hash != absl::string_view::npos) {
    target = target.substr(0, hash);
  }
  if (authority.find('@') != absl::string_view::npos) return invalid("user info is not supported");
  absl::string_view host = authority;
  absl::string_view port;
  if (absl::StartsWith(authority, "[")) {
    size_t close = authority.find(']');
    if (close == absl::string_view::npos) return invalid("unterminated IPv6 address");
    host = authority.substr(1, close - 1);
    absl::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return invalid("junk after the IPv6 address");
      port = after.substr(1);
    }
  } else if (size_t colon = authority.rfind(':'); colon != absl::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty()) return invalid("no host");
  url.host = absl::AsciiStrToLower(host);
  url.port = url.tls ? 443 : 80;
  if (!port.empty()) {
    uint32_t value = 0;
    if (!absl::SimpleAtoi(port, &value) || value == 0 || value > 65535) return invalid("bad port");
    url.port = static_cast<uint16_t>(value);
  }
  const bool needs_slash = target.empty() || target[0] == '?';
  url.target = absl::StrCat(needs_slash ? "/" : "", EncodeTarget(target));
  return url;
}

}  // namespace threadlog::agent
