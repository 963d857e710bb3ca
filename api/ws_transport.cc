// The Beast WebSocket server: HTTP upgrade with admission checks, per-session read loop and a
// bounded write queue. All socket work runs on one io_context thread; handlers run elsewhere.
#include "api/ws_transport.h"

#include <cerrno>
#include <chrono>
#include <deque>
#include <iostream>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "api/ws_policy.h"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/steady_timer.hpp"
#include "boost/asio/strand.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "boost/beast/websocket.hpp"

namespace threadlog::api {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

namespace {

std::optional<std::string_view> Header(const http::request<http::empty_body>& req,
                                       http::field field) {
  auto it = req.find(field);
  if (it == req.end()) return std::nullopt;
  return std::string_view(it->value().data(), it->value().size());
}

}  // namespace

class WsSession;

class WsTransport::Impl {
 public:
  Impl(Dispatcher& dispatcher, WsOptions options)
      : dispatcher_(dispatcher), options_(std::move(options)), acceptor_(io_) {}

  absl::Status Listen();
  void Accept();
  void OnAcceptError(const beast::error_code& ec);
  void Forget(WsSession* session);

  Dispatcher& dispatcher_;
  const WsOptions options_;
  asio::io_context io_;
  tcp::acceptor acceptor_;
  absl::Mutex mu_;
  std::set<std::shared_ptr<WsSession>> sessions_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::optional<asio::steady_timer> deadline_ ABSL_GUARDED_BY(mu_);
  // Out of descriptors (or another accept failure): the acceptor waits on this before trying
  // again, instead of spinning on a connection it cannot take or, worse, giving up for good.
  asio::steady_timer accept_retry_{io_};
  bool accept_failing_ = false;  // said so on stderr; said again once accepting works
};

class WsSession : public Connection, public std::enable_shared_from_this<WsSession> {
 public:
  WsSession(WsTransport::Impl& server, tcp::socket socket)
      : server_(server),
        peer_(PeerOf(socket)),
        exec_(socket.get_executor()),
        http_stream_(std::move(socket)) {}

  void Start() { ReadUpgrade(); }

  void Send(std::string text) override {
    asio::post(exec_, [self = shared_from_this(), text = std::move(text)] {
      self->Enqueue(std::move(text));
    });
  }

  std::string Describe() const override { return absl::StrCat("ws#", id(), " ", peer_); }

  // Stop reading further messages (graceful stop, step 1).
  void StopReading() {
    asio::post(exec_, [self = shared_from_this()] { self->reading_stopped_ = true; });
  }

  // Close once the queued answers are written (graceful stop, step 2).
  void CloseWhenFlushed() {
    asio::post(exec_, [self = shared_from_this()] {
      self->close_requested_ = true;
      self->MaybeClose();
    });
  }

 private:
  static std::string PeerOf(const tcp::socket& socket) {
    boost::system::error_code ec;
    tcp::endpoint ep = socket.remote_endpoint(ec);
    return ec ? "?" : absl::StrCat(ep.address().to_string(), ":", ep.port());
  }

  void ReadUpgrade() {
    parser_.emplace();
    parser_->header_limit(16 * 1024);
    parser_->body_limit(0);
    http_stream_.expires_after(std::chrono::seconds(30));
    http::async_read(
        http_stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->OnUpgradeRead(ec); });
  }

  void OnUpgradeRead(beast::error_code ec) {
    if (ec) return Finish();
    http::request<http::empty_body> req = parser_->release();
    Admission admission = Admit(Header(req, http::field::origin),
                                Header(req, http::field::authorization), server_.options_.token);
    if (admission == Admission::kForbiddenOrigin) {
      return Reject(req, http::status::forbidden, "cross-origin WebSocket requests are refused\n");
    }
    if (!websocket::is_upgrade(req)) {
      // Health probes as Codex answers them; anything else is not for us.
      if (req.method() == http::verb::get &&
          (req.target() == "/readyz" || req.target() == "/healthz")) {
        return Reject(req, http::status::ok, "ok\n");
      }
      return Reject(req, http::status::upgrade_required, "this is a JSON-RPC WebSocket server\n");
    }
    if (admission == Admission::kUnauthorized) {
      return Reject(req, http::status::unauthorized,
                    "missing or invalid \"Authorization: Bearer <token>\"\n");
    }
    http_stream_.expires_never();
    ws_.emplace(std::move(http_stream_));
    ws_->read_message_max(server_.options_.max_message_bytes);
    ws_->set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    ws_->async_accept(req, [self = shared_from_this()](beast::error_code ec) {
      if (ec) return self->Finish();
      self->open_ = true;
      self->ReadMessage();
    });
  }

  void Reject(const http::request<http::empty_body>& req, http::status status, std::string body) {
    auto res = std::make_shared<http::response<http::string_body>>(status, req.version());
    res->set(http::field::content_type, "text/plain");
    if (status == http::status::unauthorized) res->set(http::field::www_authenticate, "Bearer");
    res->keep_alive(false);
    res->body() = std::move(body);
    res->prepare_payload();
    std::cerr << "threadlog serve: " << Describe() << ": HTTP " << static_cast<int>(status) << "\n";
    http::async_write(http_stream_, *res,
                      [self = shared_from_this(), res](beast::error_code, size_t) {
                        beast::error_code ignored;
                        self->http_stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
                        self->Finish();
                      });
  }

  void ReadMessage() {
    ws_->async_read(buffer_, [self = shared_from_this()](beast::error_code ec, size_t) {
      self->OnMessage(ec);
    });
  }

  void OnMessage(beast::error_code ec) {
    if (ec) {
      if (ec == websocket::error::message_too_big) {
        std::cerr << "threadlog serve: " << Describe() << ": message over "
                  << server_.options_.max_message_bytes << " bytes, closing\n";
      }
      return Finish();  // Beast already sent the close frame where one applies (1009)
    }
    if (!reading_stopped_) {
      std::string text = beast::buffers_to_string(buffer_.data());
      server_.dispatcher_.OnMessage(shared_from_this(), text);
    }
    buffer_.consume(buffer_.size());
    ReadMessage();
  }

  void Enqueue(std::string text) {
    if (!open_ || closing_) return;
    queued_bytes_ += text.size();
    if (queued_bytes_ > server_.options_.max_outbound_bytes) {
      // The client stopped reading: drop it rather than buffer without bound.
      std::cerr << "threadlog serve: " << Describe() << ": over "
                << server_.options_.max_outbound_bytes
                << " bytes of unread output, disconnecting\n";
      closing_ = true;  // the queue stays: a pending async_write still refers to its front
      beast::error_code ignored;
      beast::get_lowest_layer(*ws_).socket().close(ignored);
      return;
    }
    queue_.push_back(std::move(text));
    if (!writing_) WriteNext();
  }

  void WriteNext() {
    writing_ = true;
    ws_->text(true);
    ws_->async_write(asio::buffer(queue_.front()),
                     [self = shared_from_this()](beast::error_code ec, size_t) {
                       self->writing_ = false;
                       if (ec || self->closing_) return self->Finish();
                       self->queued_bytes_ -= self->queue_.front().size();
                       self->queue_.pop_front();
                       if (!self->queue_.empty()) return self->WriteNext();
                       self->MaybeClose();
                     });
  }

  void MaybeClose() {
    if (!close_requested_ || writing_ || closing_) return;
    if (!open_) {
      closing_ = true;
      beast::error_code ignored;
      if (ws_) {
        beast::get_lowest_layer(*ws_).socket().close(ignored);
      } else {
        http_stream_.socket().close(ignored);
      }
      return Finish();
    }
    closing_ = true;
    ws_->async_close(websocket::close_code::going_away,
                     [self = shared_from_this()](beast::error_code) { self->Finish(); });
  }

  void Finish() {
    if (finished_) return;
    finished_ = true;
    open_ = false;
    server_.dispatcher_.OnClosed(id());
    server_.Forget(this);
  }

  WsTransport::Impl& server_;
  const std::string peer_;
  const asio::any_io_executor exec_;  // the session's strand; http_stream_ is moved into ws_
  beast::tcp_stream http_stream_;
  std::optional<http::request_parser<http::empty_body>> parser_;
  std::optional<websocket::stream<beast::tcp_stream>> ws_;
  beast::flat_buffer buffer_;
  std::deque<std::string> queue_;
  size_t queued_bytes_ = 0;
  bool open_ = false;
  bool writing_ = false;
  bool closing_ = false;
  bool close_requested_ = false;
  bool reading_stopped_ = false;
  bool finished_ = false;
};

absl::Status WsTransport::Impl::Listen() {
  boost::system::error_code ec;
  asio::ip::address address = asio::ip::make_address(options_.address, ec);
  if (ec) {
    return absl::InvalidArgumentError(
        absl::StrCat("--listen: \"", options_.address, "\" is not an IP address"));
  }
  if (!address.is_loopback() && !options_.token) {
    return absl::FailedPreconditionError(
        absl::StrCat("refusing to listen on non-loopback address ", options_.address,
                     " without --ws-token-file (anyone on the network could drive the server)"));
  }
  tcp::endpoint endpoint(address, options_.port);
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", options_.address, ":",
                                               options_.port, ": ", ec.message()));
  }
  return absl::OkStatus();
}

void WsTransport::Impl::Accept() {
  acceptor_.async_accept(asio::make_strand(io_), [this](beast::error_code ec, tcp::socket socket) {
    if (!acceptor_.is_open()) return;  // StopAccepting() closed it
    if (ec) return OnAcceptError(ec);
    if (accept_failing_) {
      accept_failing_ = false;
      std::cerr << "threadlog serve: accepting connections again" << std::endl;
    }
    // Answers are written as several frames; without TCP_NODELAY, Nagle's algorithm holds the
    // last one back until the client's delayed ACK (~40 ms per answer, measured by bench rpc).
    beast::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    auto session = std::make_shared<WsSession>(*this, std::move(socket));
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
      sessions_.insert(session);
    }
    session->Start();
    Accept();
  });
}

void WsTransport::Impl::OnAcceptError(const beast::error_code& ec) {
  // A connection reset before it was taken is the peer's business: take the next one now.
  if (ec == asio::error::connection_aborted || ec == asio::error::connection_reset) {
    return Accept();
  }
  // EMFILE, ENFILE, ENOBUFS, ENOMEM... The pending connection stays in the backlog, so trying
  // again at once would spin; a closing session frees a descriptor soon enough.
  if (!accept_failing_) {
    accept_failing_ = true;
    const bool descriptors = ec == asio::error::no_descriptors || ec.value() == ENFILE;
    std::cerr << "threadlog serve: cannot accept connections: " << ec.message()
              << (descriptors ? " (raise the limit with ulimit -n)" : "")
              << "; retrying every 100 ms" << std::endl;
  }
  accept_retry_.expires_after(std::chrono::milliseconds(100));
  accept_retry_.async_wait([this](beast::error_code wait_ec) {
    if (wait_ec || !acceptor_.is_open()) return;  // cancelled by StopAccepting()
    Accept();
  });
}

void WsTransport::Impl::Forget(WsSession* session) {
  absl::MutexLock lock(&mu_);
  for (auto it = sessions_.begin(); it != sessions_.end(); ++it) {
    if (it->get() == session) {
      sessions_.erase(it);
      break;
    }
  }
  // The last session closed during a shutdown: nothing left to wait for.
  if (stopping_ && sessions_.empty() && deadline_) deadline_->cancel();
}

WsTransport::WsTransport(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
WsTransport::~WsTransport() = default;

absl::StatusOr<std::unique_ptr<WsTransport>> WsTransport::Listen(Dispatcher& dispatcher,
                                                                 WsOptions options) {
  auto impl = std::make_unique<Impl>(dispatcher, std::move(options));
  if (absl::Status s = impl->Listen(); !s.ok()) return s;
  impl->Accept();
  return std::unique_ptr<WsTransport>(new WsTransport(std::move(impl)));
}

uint16_t WsTransport::port() const { return impl_->acceptor_.local_endpoint().port(); }

void WsTransport::Run() {
  // A handler that throws unwinds out of run(), which may simply be called again: one
  // session's bug must not end the server for every other client.
  for (;;) {
    try {
      impl_->io_.run();
      return;
    } catch (const std::exception& e) {
      std::cerr << "threadlog serve: WebSocket transport: " << e.what() << " (serving on)"
                << std::endl;
    } catch (...) {
      std::cerr << "threadlog serve: WebSocket transport: unknown exception (serving on)"
                << std::endl;
    }
  }
}

void WsTransport::StopAccepting() {
  asio::post(impl_->io_, [impl = impl_.get()] {
    beast::error_code ignored;
    impl->acceptor_.close(ignored);
    impl->accept_retry_.cancel();
  });
  absl::MutexLock lock(&impl_->mu_);
  impl_->stopping_ = true;
  for (const auto& session : impl_->sessions_) session->StopReading();
}

void WsTransport::Shutdown() {
  {
    absl::MutexLock lock(&impl_->mu_);
    for (const auto& session : impl_->sessions_) session->CloseWhenFlushed();
  }
  // A peer that never answers the close handshake must not keep the process alive.
  asio::post(impl_->io_, [impl = impl_.get()] {
    absl::MutexLock lock(&impl->mu_);
    if (impl->sessions_.empty()) return;  // run() ends by itself once the acceptor is closed
    impl->deadline_.emplace(impl->io_, std::chrono::seconds(3));
    impl->deadline_->async_wait([impl](beast::error_code ec) {
      if (ec != asio::error::operation_aborted) impl->io_.stop();
    });
  });
}

}  // namespace threadlog::api
