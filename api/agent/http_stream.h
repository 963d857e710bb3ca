// HttpStream: one HTTP/1.1 request over TCP or TLS (OpenSSL, the system's CA store) whose
// response body is read as it arrives — what a streamed Responses API answer needs — with a
// connect timeout, a timeout between reads, and cancellation from another thread.
#ifndef THREADLOG_API_AGENT_HTTP_STREAM_H_
#define THREADLOG_API_AGENT_HTTP_STREAM_H_

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "api/agent/cancel_token.h"
#include "api/agent/http_types.h"

namespace threadlog::agent {

struct HttpRequest {
  Url url;
  std::string method = "POST";
  std::vector<HttpHeader> headers;  // sent as given, after Host (and Content-Length for a body)
  std::string body;
  absl::Duration connect_timeout = absl::Seconds(30);  // resolve, connect, TLS handshake
  // The longest wait for the response head after the request is written. Reads of the body
  // take their own timeout (HttpStream::Read).
  absl::Duration head_timeout = absl::Minutes(5);
};

// Errors, as absl codes (the message says what happened, naming the host and port):
//   kUnavailable        the request never got an answer: resolve, connect, TLS handshake
//                       (certificate verification: "certificate verify failed: <reason>"),
//                       write, or the connection closing before a response head
//   kDeadlineExceeded   a timeout (connect, head, or a Read's)
//   kCancelled          the CancelToken fired
//   kDataLoss           the body ended before its framing said it would (a cut chunked body,
//                       a short Content-Length) or could not be decoded
//   kInternal           the response is not HTTP/1.x
//
// TLS: peer verification against OpenSSL's default paths (so SSL_CERT_FILE / SSL_CERT_DIR
// work), SNI for host names, the certificate checked against the host name or IP address.
//
// Not thread-safe except as stated: one thread calls Open, Read, ReadAll and destroys the
// stream; the CancelToken may fire from any thread at any time, and then the socket is shut
// down at once (the server sees the connection close even while nobody is reading) and the
// pending or next call returns kCancelled. Never throws.
class HttpStream {
 public:
  ~HttpStream();
  HttpStream(const HttpStream&) = delete;
  HttpStream& operator=(const HttpStream&) = delete;

  // Connects, writes the request and reads the response head. `cancel` may be null; it must
  // outlive the stream.
  static absl::StatusOr<std::unique_ptr<HttpStream>> Open(const HttpRequest& request,
                                                          CancelToken* cancel);

  int status() const { return status_; }
  const std::vector<HttpHeader>& headers() const { return headers_; }

  // The next body bytes (de-chunked) into *out, replacing it: waits at most `timeout` for some
  // to arrive. OK with an empty *out once the body is complete (then done() is true).
  absl::Status Read(absl::Duration timeout, std::string* out);
  // The rest of the body, at most `max_bytes` of it (more is dropped), each read waiting at
  // most `timeout`.
  absl::StatusOr<std::string> ReadAll(absl::Duration timeout, size_t max_bytes);
  bool done() const;

 private:
  struct Impl;
  explicit HttpStream(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  int status_ = 0;
  std::vector<HttpHeader> headers_;
};

}  // namespace threadlog::agent

#endif  // THREADLOG_API_AGENT_HTTP_STREAM_H_
