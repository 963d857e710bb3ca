// HttpStream on Boost.Beast: every operation is an asynchronous one run to completion on the
// stream's private io_context by the calling thread, so a deadline (Beast's stream timer) and a
// cancellation (a socket shutdown from another thread, plus a posted cancel) both end it.
#include "api/agent/http_stream.h"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cstdlib>
#include <exception>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "eventlog/absl_compat.h"

namespace threadlog::agent {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

constexpr size_t kReadChunk = 16 * 1024;
constexpr size_t kHeaderLimit = 256 * 1024;

// A deadline Beast's timer can hold: an infinite duration means none.
void ExpireAfter(beast::tcp_stream& stream, absl::Duration timeout) {
  if (timeout == absl::InfiniteDuration()) {
    stream.expires_never();
  } else {
    stream.expires_after(absl::ToChronoNanoseconds(std::max(timeout, absl::ZeroDuration())));
  }
}

}  // namespace

struct HttpStream::Impl {
  explicit Impl(Url u, CancelToken* token) : url(std::move(u)), cancel(token) {}

  ~Impl() {
    {
      absl::MutexLock lock(&fd_mu);
      fd = -1;
    }
    on_cancel.reset();  // no callback runs past this point
    if (!tls && !plain) return;
    beast::error_code ignored;
    lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
    lowest().socket().close(ignored);
  }

  std::string where() const { return absl::StrCat(url.host, ":", url.port); }

  beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*tls) : *plain; }

  template <typename F>
  auto WithStream(F&& f) {
    if (tls) return f(*tls);
    return f(*plain);
  }

  bool cancelled() const { return cancel != nullptr && cancel->cancelled(); }

  // Starts an asynchronous operation through `start(handler)` and runs the io_context until it
  // (and the timer Beast keeps for it) is finished.
  template <typename Start>
  beast::error_code Run(absl::Duration timeout, Start&& start) {
    beast::error_code result = asio::error::operation_aborted;
    ExpireAfter(lowest(), timeout);
    start([&result](beast::error_code ec, auto&&...) { result = ec; });
    ioc.restart();
    ioc.run();
    lowest().expires_never();
    return result;
  }

  // What to answer for an error `ec` of the phase `doing`.
  absl::Status Fail(beast::error_code ec, absl::StatusCode code, absl::string_view doing) const {
    if (cancelled()) return absl::CancelledError("cancelled");
    if (ec == beast::error::timeout) {
      return absl::DeadlineExceededError(absl::StrCat("timed out ", doing, " ", where()));
    }
    return absl::Status(code, absl::StrCat(doing, " ", where(), ": ", ec.message()));
  }

  void RememberSocket() {
    absl::MutexLock lock(&fd_mu);
    fd = lowest().socket().native_handle();
  }

  // Runs on the cancelling thread, with the token's lock held: shut the socket down at once
  // (wakes a blocked read, tells the server) and have the io thread cancel what is pending.
  void OnCancel() {
    {
      absl::MutexLock lock(&fd_mu);
      if (fd >= 0) ::shutdown(fd, SHUT_RDWR);
    }
    asio::post(ioc, [this] {
      beast::error_code ignored;
      resolver.cancel();
      lowest().socket().cancel(ignored);
    });
  }

  const Url url;
  CancelToken* const cancel;
  asio::io_context ioc;
  std::shared_ptr<asio::ssl::context> ssl_ctx;  // TLS only; shared, see ClientTlsContext
  tcp::resolver resolver{ioc};
  std::unique_ptr<beast::tcp_stream> plain;
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> tls;
  beast::flat_buffer buffer;
  http::response_parser<http::buffer_body> parser;
  absl::Mutex fd_mu;
  int fd ABSL_GUARDED_BY(fd_mu) = -1;
  std::unique_ptr<ScopedCancelCallback> on_cancel;  // last: the first member destroyed
};

namespace {

// The verifying client context, made once per trust store: building one (loading the system CA
// store) costs more than a whole local request. The store is named by SSL_CERT_FILE and
// SSL_CERT_DIR as OpenSSL reads them, looked up on every request as OpenSSL would. OpenSSL
// contexts may be shared by connections on any thread once set up.
absl::StatusOr<std::shared_ptr<asio::ssl::context>> ClientTlsContext() {
  static absl::Mutex mu(absl::kConstInit);
  static auto* contexts = new std::map<std::string, std::shared_ptr<asio::ssl::context>>();
  auto env = [](const char* name) {
    const char* v = std::getenv(name);
    return std::string(v == nullptr ? "" : v);
  };
  const std::string store = absl::StrCat(env("SSL_CERT_FILE"), "\n", env("SSL_CERT_DIR"));
  absl::MutexLock lock(&mu);
  std::shared_ptr<asio::ssl::context>& ctx = (*contexts)[store];
  if (!ctx) {
    auto made = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
    beast::error_code ec;
    made->set_verify_mode(asio::ssl::verify_peer, ec);
    if (!ec) made->set_default_verify_paths(ec);
    if (ec) return absl::InternalError(absl::StrCat("TLS setup failed: ", ec.message()));
    ctx = std::move(made);
  }
  return ctx;
}

}  // namespace

HttpStream::HttpStream(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpStream::~HttpStream() = default;

bool HttpStream::done() const { return impl_->parser.is_done(); }

absl::StatusOr<std::unique_ptr<HttpStream>> HttpStream::Open(const HttpRequest& request,
                                                             CancelToken* cancel) try {
  auto s = std::make_unique<Impl>(request.url, cancel);
  Impl& impl = *s;
  if (impl.url.tls) {
    absl::StatusOr<std::shared_ptr<asio::ssl::context>> ctx = ClientTlsContext();
    if (!ctx.ok()) return ctx.status();
    impl.ssl_ctx = *std::move(ctx);
    impl.tls = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(impl.ioc, *impl.ssl_ctx);
  } else {
    impl.plain = std::make_unique<beast::tcp_stream>(impl.ioc);
  }
  impl.on_cancel = std::make_unique<ScopedCancelCallback>(cancel, [&impl] { impl.OnCancel(); });
  if (impl.cancelled()) return absl::CancelledError("cancelled");

  // Resolve, with the connect timeout (Beast's timer does not cover a resolver). An address
  // needs none: asio resolves on a thread of its own, which costs more than a local request.
  tcp::resolver::results_type endpoints;
  beast::error_code not_an_address;
  const asio::ip::address literal = asio::ip::make_address(impl.url.host, not_an_address);
  if (!not_an_address) {
    endpoints = tcp::resolver::results_type::create(tcp::endpoint(literal, impl.url.port),
                                                    impl.url.host, std::to_string(impl.url.port));
  } else {
    beast::error_code result = asio::error::operation_aborted;
    bool timed_out = false;
    asio::steady_timer timer(impl.ioc);
    if (request.connect_timeout != absl::InfiniteDuration()) {
      timer.expires_after(absl::ToChronoNanoseconds(request.connect_timeout));
      timer.async_wait([&](beast::error_code ec) {
        if (!ec) {
          timed_out = true;
          impl.resolver.cancel();
        }
      });
    }
    impl.resolver.async_resolve(impl.url.host, std::to_string(impl.url.port),
                                [&](beast::error_code ec, tcp::resolver::results_type r) {
                                  result = ec;
                                  endpoints = std::move(r);
                                  timer.cancel();
                                });
    impl.ioc.restart();
    impl.ioc.run();
    if (timed_out) {
      return impl.Fail(beast::error::timeout, absl::StatusCode::kDeadlineExceeded, "resolving");
    }
    if (result) return impl.Fail(result, absl::StatusCode::kUnavailable, "resolving");
  }

  beast::error_code ec = impl.Run(request.connect_timeout, [&](auto handler) {
    impl.lowest().async_connect(endpoints, std::move(handler));
  });
  if (ec) return impl.Fail(ec, absl::StatusCode::kUnavailable, "connecting to");
  impl.RememberSocket();
  if (impl.cancelled()) return absl::CancelledError("cancelled");

  if (impl.tls) {
    SSL* ssl = impl.tls->native_handle();
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    if (impl.url.host_is_address()) {
      X509_VERIFY_PARAM_set1_ip_asc(param, impl.url.host.c_str());
    } else {
      SSL_set_tlsext_host_name(ssl, impl.url.host.c_str());
      X509_VERIFY_PARAM_set1_host(param, impl.url.host.c_str(), impl.url.host.size());
    }
    ec = impl.Run(request.connect_timeout, [&](auto handler) {
      impl.tls->async_handshake(asio::ssl::stream_base::client, std::move(handler));
    });
    if (ec) {
      if (impl.cancelled()) return absl::CancelledError("cancelled");
      long verify = SSL_get_verify_result(ssl);
      if (verify != X509_V_OK) {
        return absl::UnavailableError(absl::StrCat(
            "TLS handshake with ", impl.where(),
            " failed: certificate verify failed: ", X509_verify_cert_error_string(verify)));
      }
      return impl.Fail(ec, absl::StatusCode::kUnavailable, "TLS handshake with");
    }
  }

  http::request<http::string_body> req;
  req.method_string(request.method);
  req.target(impl.url.target);
  req.version(11);
  req.set(http::field::host, impl.url.HostHeader());
  for (const HttpHeader& h : request.headers) req.insert(h.name, h.value);
  if (!request.body.empty() || request.method == "POST") {
    req.body() = request.body;
    req.prepare_payload();
  }
  ec = impl.Run(request.head_timeout, [&](auto handler) {
    impl.WithStream([&](auto& stream) { http::async_write(stream, req, std::move(handler)); });
  });
  if (ec) return impl.Fail(ec, absl::StatusCode::kUnavailable, "sending the request to");

  // No limit: the caller bounds what it keeps. (Not boost::none: Beast 1.74 compares a
  // Content-Length with an empty optional as larger and refuses every body.)
  impl.parser.body_limit(std::numeric_limits<std::uint64_t>::max());
  impl.parser.header_limit(kHeaderLimit);
  ec = impl.Run(request.head_timeout, [&](auto handler) {
    impl.WithStream([&](auto& stream) {
      http::async_read_header(stream, impl.buffer, impl.parser, std::move(handler));
    });
  });
  if (ec) {
    if (ec == http::error::end_of_stream || ec == asio::error::eof ||
        ec == asio::ssl::error::stream_truncated || ec == asio::error::connection_reset) {
      if (impl.cancelled()) return absl::CancelledError("cancelled");
      return absl::UnavailableError(
          absl::StrCat(impl.where(), " closed the connection before answering"));
    }
    if (&ec.category() == &beast::http::make_error_code(http::error::bad_version).category()) {
      return absl::InternalError(
          absl::StrCat(impl.where(), " did not answer with HTTP/1.x: ", ec.message()));
    }
    return impl.Fail(ec, absl::StatusCode::kUnavailable, "waiting for the response from");
  }

  auto stream = std::unique_ptr<HttpStream>(new HttpStream(std::move(s)));
  const auto& head = stream->impl_->parser.get();
  stream->status_ = static_cast<int>(head.result_int());
  for (const auto& field : head) {
    stream->headers_.push_back({std::string(field.name_string()), std::string(field.value())});
  }
  return stream;
} catch (const std::exception& e) {
  return absl::InternalError(absl::StrCat("HTTP request failed: ", e.what()));
}

absl::Status HttpStream::Read(absl::Duration timeout, std::string* out) try {
  Impl& impl = *impl_;
  out->clear();
  if (impl.parser.is_done()) return absl::OkStatus();
  if (impl.cancelled()) return absl::CancelledError("cancelled");
  const absl::Time deadline =
      timeout == absl::InfiniteDuration() ? absl::InfiniteFuture() : absl::Now() + timeout;
  std::string chunk(kReadChunk, '\0');
  while (true) {
    auto& body = impl.parser.get().body();
    body.data = chunk.data();
    body.size = chunk.size();
    body.more = true;
    const absl::Duration left =
        deadline == absl::InfiniteFuture() ? absl::InfiniteDuration() : deadline - absl::Now();
    beast::error_code ec = impl.Run(left, [&](auto handler) {
      impl.WithStream([&](auto& stream) {
        http::async_read_some(stream, impl.buffer, impl.parser, std::move(handler));
      });
    });
    const size_t got = chunk.size() - impl.parser.get().body().size;
    impl.parser.get().body().data = nullptr;
    if (ec == http::error::need_buffer) ec = {};
    if (impl.cancelled()) return absl::CancelledError("cancelled");
    if (got > 0) {
      out->assign(chunk.data(), got);
      return absl::OkStatus();
    }
    if (ec == asio::error::eof || ec == asio::ssl::error::stream_truncated ||
        ec == http::error::end_of_stream) {
      // The server closed the connection: the end of a body that runs until then, or a cut.
      beast::error_code eof;
      impl.parser.put_eof(eof);
      if (!eof && impl.parser.is_done()) return absl::OkStatus();
      return absl::DataLossError(
          absl::StrCat(impl.where(), " closed the connection before the body was complete"));
    }
    if (ec == http::error::partial_message) {
      return absl::DataLossError(
          absl::StrCat(impl.where(), " closed the connection before the body was complete"));
    }
    if (ec) return impl.Fail(ec, absl::StatusCode::kDataLoss, "reading the response body from");
    if (impl.parser.is_done()) return absl::OkStatus();
    if (absl::Now() >= deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat("timed out reading the response body from ", impl.where()));
    }
  }
} catch (const std::exception& e) {
  return absl::InternalError(absl::StrCat("HTTP read failed: ", e.what()));
}

absl::StatusOr<std::string> HttpStream::ReadAll(absl::Duration timeout, size_t max_bytes) {
  std::string all;
  std::string piece;
  while (!done()) {
    if (absl::Status s = Read(timeout, &piece); !s.ok()) return s;
    if (all.size() < max_bytes) all.append(piece.substr(0, max_bytes - all.size()));
    if (all.size() >= max_bytes) break;
  }
  return all;
}

}  // namespace threadlog::agent
