// HttpStream against the real mock server (HTTP and HTTPS) and against sockets that misbehave:
// bodies by every framing, error answers, timeouts, cancellation, TLS verification.
#include "api/agent/http_stream.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <thread>

#include "gtest/gtest.h"
#include "tests/agent/mock_server.h"
#include "tests/testutil/scratch_dir.h"

namespace threadlog::agent {
namespace {

using nlohmann::json;
using testing::MockServer;
using testing::NowMs;
using testing::ScratchDir;

HttpRequest Post(const std::string& url_text) {
  HttpRequest r;
  auto url = ParseUrl(url_text);
  EXPECT_TRUE(url.ok()) << url.status();
  r.url = *url;
  r.headers = {{"Content-Type", "application/json"}, {"Accept", "text/event-stream"}};
  r.body = R"({"input":[]})";
  r.connect_timeout = absl::Seconds(5);
  r.head_timeout = absl::Seconds(5);
  return r;
}

std::string ReadBody(HttpStream& stream) {
  auto body = stream.ReadAll(absl::Seconds(5), 1 << 20);
  EXPECT_TRUE(body.ok()) << body.status();
  return body.ok() ? *body : "";
}

class HttpStreamTest : public ::testing::Test {
 protected:
  ScratchDir dir_;
};

TEST_F(HttpStreamTest, ChunkedBodyAndTheRequestAsSent) {
  MockServer mock(dir_.path(), json::array({{{"text", "Hello."}}}));
  HttpRequest request = Post(mock.base_url() + "/responses");
  request.headers.push_back({"x-client-request-id", "abc"});
  auto stream = HttpStream::Open(request, nullptr);
  ASSERT_TRUE(stream.ok()) << stream.status();
  EXPECT_EQ((*stream)->status(), 200);
  EXPECT_EQ(FindHeader((*stream)->headers(), "content-type"), "text/event-stream");
  EXPECT_EQ(FindHeader((*stream)->headers(), "transfer-encoding"), "chunked");
  std::string body = ReadBody(**stream);
  EXPECT_TRUE((*stream)->done());
  EXPECT_NE(body.find("event: response.created\n"), std::string::npos);
  EXPECT_NE(body.find("\"delta\":\"Hello.\""), std::string::npos);
  EXPECT_EQ(body.substr(body.size() - 2), "\n\n");
  std::string more = "x";
  EXPECT_TRUE((*stream)->Read(absl::Seconds(1), &more).ok());
  EXPECT_EQ(more, "");  // done: nothing more

  auto requests = mock.Requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0]["path"], "/v1/responses");
  EXPECT_EQ(requests[0]["body"], json::parse(request.body));
  EXPECT_EQ(requests[0]["headers"]["Host"], "127.0.0.1:" + std::to_string(mock.port()));
  EXPECT_EQ(requests[0]["headers"]["x-client-request-id"], "abc");
  EXPECT_EQ(requests[0]["headers"]["Content-Length"], std::to_string(request.body.size()));
}

TEST_F(HttpStreamTest, TinyWritesAndCloseDelimitedBodiesGiveTheSameBytes) {
  MockServer mock(dir_.path(),
                  json::array({{{"text", "Same."}, {"response_id", "r"}},
                               {{"text", "Same."}, {"response_id", "r"}, {"split", 1}},
                               {{"text", "Same."}, {"response_id", "r"}, {"no_chunking", true}}}));
  std::vector<std::string> bodies;
  for (int i = 0; i < 3; ++i) {
    auto stream = HttpStream::Open(Post(mock.base_url() + "/responses"), nullptr);
    ASSERT_TRUE(stream.ok()) << stream.status();
    bodies.push_back(ReadBody(**stream));
    EXPECT_TRUE((*stream)->done());
  }
  // Item ids carry the step number; everything else is the same stream.
  auto normalize = [](std::string s) {
    for (char& c : s) {
      if (c >= '0' && c <= '9') c = '#';
    }
    return s;
  };
  EXPECT_EQ(normalize(bodies[0]), normalize(bodies[1]));
  EXPECT_EQ(normalize(bodies[0]), normalize(bodies[2]));
}

TEST_F(HttpStreamTest, ErrorAnswerWithItsHeadersAndBody) {
  MockServer mock(
      dir_.path(),
      json::array(
          {{{"http_error", {{"status", 429}, {"retry_after", 2}, {"message", "slow down"}}}}}));
  auto stream = HttpStream::Open(Post(mock.base_url() + "/responses"), nullptr);
  ASSERT_TRUE(stream.ok()) << stream.status();
  EXPECT_EQ((*stream)->status(), 429);
  EXPECT_EQ(FindHeader((*stream)->headers(), "retry-after"), "2");
  json body = json::parse(ReadBody(**stream));
  EXPECT_EQ(body["error"]["message"], "slow down");
}

TEST_F(HttpStreamTest, CutChunkedBodyIsDataLoss) {
  MockServer mock(dir_.path(), json::array({{{"text", "partial"}, {"cut", true}}}));
  auto stream = HttpStream::Open(Post(mock.base_url() + "/responses"), nullptr);
  ASSERT_TRUE(stream.ok()) << stream.status();
  absl::Status status;
  std::string piece;
  while (status.ok() && !(*stream)->done()) status = (*stream)->Read(absl::Seconds(5), &piece);
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss) << status;
  EXPECT_FALSE((*stream)->done());
}

TEST_F(HttpStreamTest, ReadTimeoutOnAStall) {
  MockServer mock(dir_.path(), json::array({{{"stall", true}}}));
  auto stream = HttpStream::Open(Post(mock.base_url() + "/responses"), nullptr);
  ASSERT_TRUE(stream.ok()) << stream.status();
  std::string piece;
  // The first read gets response.created; then nothing comes.
  ASSERT_TRUE((*stream)->Read(absl::Seconds(5), &piece).ok());
  const double start = NowMs();
  absl::Status status;
  while (status.ok()) status = (*stream)->Read(absl::Milliseconds(150), &piece);
  const double took = NowMs() - start;
  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded) << status;
  EXPECT_GE(took, 140);
  EXPECT_LT(took, 2000);
}

TEST_F(HttpStreamTest, CancelDuringAStallClosesTheConnectionAtOnce) {
  MockServer mock(dir_.path(), json::array({{{"stall", true}}}));
  CancelToken cancel;
  auto stream = HttpStream::Open(Post(mock.base_url() + "/responses"), &cancel);
  ASSERT_TRUE(stream.ok()) << stream.status();
  mock.WaitState([](const json& s) { return s.is_object() && s["stalled"] == 1; });
  double cancelled_at = 0;
  std::thread canceller([&] {
    absl::SleepFor(absl::Milliseconds(100));
    cancelled_at = NowMs();
    cancel.Cancel();
  });
  absl::Status status;
  std::string piece;
  while (status.ok()) status = (*stream)->Read(absl::Seconds(30), &piece);
  const double returned_at = NowMs();
  canceller.join();
  EXPECT_EQ(status.code(), absl::StatusCode::kCancelled) << status;
  EXPECT_LT(returned_at - cancelled_at, 100)
      << "Read returned " << returned_at - cancelled_at << " ms after the cancel";
  // The server saw the client go while the stream object still exists.
  json state = mock.WaitState([](const json& s) { return s.is_object() && !s["hangups"].empty(); });
  EXPECT_EQ(state["hangups"], json::array({0}));
  EXPECT_EQ((*stream)->Read(absl::Seconds(1), &piece).code(), absl::StatusCode::kCancelled);
}

TEST_F(HttpStreamTest, CancelledBeforeOpen) {
  MockServer mock(dir_.path(), json::array());
  CancelToken cancel;
  cancel.Cancel();
  auto stream = HttpStream::Open(Post(mock.base_url() + "/responses"), &cancel);
  EXPECT_EQ(stream.status().code(), absl::StatusCode::kCancelled);
  EXPECT_TRUE(mock.Requests().empty());
}

TEST_F(HttpStreamTest, ConnectionRefusedIsQuickAndSaysSo) {
  const int port = testing::ClosedPort();
  const double start = NowMs();
  auto stream =
      HttpStream::Open(Post("http://127.0.0.1:" + std::to_string(port) + "/v1/responses"), nullptr);
  EXPECT_LT(NowMs() - start, 2000);
  ASSERT_FALSE(stream.ok());
  EXPECT_EQ(stream.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(stream.status().message(),
            "connecting to 127.0.0.1:" + std::to_string(port) + ": Connection refused");
}

TEST_F(HttpStreamTest, ServerThatNeverAnswersTimesOut) {
  // Accepted by the kernel (listen backlog), never answered.
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr = {};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(listen(fd, 4), 0);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  HttpRequest request = Post("http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) + "/v1");
  request.head_timeout = absl::Milliseconds(150);
  const double start = NowMs();
  auto stream = HttpStream::Open(request, nullptr);
  const double took = NowMs() - start;
  close(fd);
  EXPECT_EQ(stream.status().code(), absl::StatusCode::kDeadlineExceeded) << stream.status();
  EXPECT_GE(took, 140);
  EXPECT_LT(took, 2000);
}

class HttpsTest : public HttpStreamTest {
 protected:
  void SetUp() override {
    certs_ = testing::MakeTestCerts(dir_.Sub(""));
    setenv("SSL_CERT_FILE", certs_.ca.c_str(), 1);
  }
  void TearDown() override { unsetenv("SSL_CERT_FILE"); }
  testing::TestCerts certs_;
};

TEST_F(HttpsTest, TrustedThroughSslCertFile) {
  MockServer mock(dir_.path(), json::array({{{"text", "Over TLS."}}}), {certs_.cert, certs_.key});
  ASSERT_EQ(mock.base_url().rfind("https://", 0), 0u);
  for (std::string host : {"127.0.0.1", "localhost"}) {
    auto stream = HttpStream::Open(
        Post("https://" + host + ":" + std::to_string(mock.port()) + "/v1/responses"), nullptr);
    ASSERT_TRUE(stream.ok()) << host << ": " << stream.status();
    EXPECT_EQ((*stream)->status(), 200);
    EXPECT_NE(ReadBody(**stream).find("response.completed"), std::string::npos);
  }
  auto requests = mock.Requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0]["tls"], true);
}

TEST_F(HttpsTest, UntrustedCertificateIsRefusedClearly) {
  MockServer mock(dir_.path(), json::array({{{"text", "never"}}}),
                  {certs_.untrusted_cert, certs_.untrusted_key});
  auto stream = HttpStream::Open(Post(mock.base_url() + "/responses"), nullptr);
  ASSERT_FALSE(stream.ok());
  EXPECT_EQ(stream.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(stream.status().message(),
            "TLS handshake with 127.0.0.1:" + std::to_string(mock.port()) +
                " failed: certificate verify failed: self-signed certificate");
  EXPECT_TRUE(mock.Requests().empty());
}

TEST_F(HttpsTest, CertificateForAnotherHostIsRefused) {
  MockServer mock(dir_.path(), json::array({{{"text", "never"}}}),
                  {certs_.wrong_host_cert, certs_.wrong_host_key});
  auto stream = HttpStream::Open(Post(mock.base_url() + "/responses"), nullptr);
  ASSERT_FALSE(stream.ok());
  EXPECT_EQ(stream.status().message(),
            "TLS handshake with 127.0.0.1:" + std::to_string(mock.port()) +
                " failed: certificate verify failed: IP address mismatch");
}

TEST_F(HttpsTest, WithoutTheCaNothingIsTrusted) {
  unsetenv("SSL_CERT_FILE");
  MockServer mock(dir_.path(), json::array({{{"text", "never"}}}), {certs_.cert, certs_.key});
  auto stream = HttpStream::Open(Post(mock.base_url() + "/responses"), nullptr);
  ASSERT_FALSE(stream.ok());
  EXPECT_NE(stream.status().message().find("certificate verify failed: unable to get local "
                                           "issuer certificate"),
            std::string::npos)
      << stream.status();
}

}  // namespace
}  // namespace threadlog::agent
