// The small HTTP vocabulary the model client shares between its layers: a header, a parsed
// http(s) URL.
#ifndef THREADLOG_API_AGENT_HTTP_TYPES_H_
#define THREADLOG_API_AGENT_HTTP_TYPES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace threadlog::agent {

struct HttpHeader {
  std::string name;
  std::string value;

  bool operator==(const HttpHeader&) const = default;
};

// The value of the first header named `name` (compared without regard to case), if any.
std::optional<std::string> FindHeader(const std::vector<HttpHeader>& headers,
                                      std::string_view name);

struct Url {
  bool tls = false;    // https
  std::string host;    // a name, an IPv4 address, or an IPv6 address without its brackets
  uint16_t port = 0;   // explicit, else 80 / 443
  std::string target;  // path and query, starting with '/'; what the request line carries
  std::string text;    // the URL as given

  bool host_is_address() const;    // an IP literal (no SNI, verified as an IP address)
  std::string HostHeader() const;  // host[:port] as the Host header wants it
};

// Parses an absolute http:// or https:// URL. Characters a URL parser would percent-encode in
// a path or query (spaces, controls, '"', '<', '>', '`', non-ASCII bytes) are encoded in
// `target`; everything else is kept as written. kInvalidArgument for anything else (another
// scheme, user info, no host, a bad port).
absl::StatusOr<Url> ParseUrl(std::string_view text);

}  // namespace threadlog::agent

#endif  // THREADLOG_API_AGENT_HTTP_TYPES_H_
