// MockServer: the scripted Responses API mock (tests/mock_responses/mock_responses.py) as a
// child process for the C++ tests of api/agent, over HTTP or HTTPS; and throwaway TLS material.
#ifndef THREADLOG_TESTS_AGENT_MOCK_SERVER_H_
#define THREADLOG_TESTS_AGENT_MOCK_SERVER_H_

#include <sys/types.h>

#include <string>
#include <vector>

#include "nlohmann/json.hpp"

namespace threadlog::testing {

// Paths of the certificates tests/agent/tls_certs.py makes (a CA, a server certificate it
// signed for 127.0.0.1 and localhost, one it signed for another host only, a self-signed one).
struct TestCerts {
  std::string ca, cert, key, untrusted_cert, untrusted_key, wrong_host_cert, wrong_host_key;
};
// Makes them in `dir` with the openssl tool; fails the test when it cannot.
TestCerts MakeTestCerts(const std::string& dir);

struct MockServerOptions {
  std::string tls_cert;  // HTTPS with this certificate and key when set
  std::string tls_key;
  bool show_authorization = false;  // log Authorization as sent (else "<redacted>")
};

// One mock process, serving `steps` (the mock's script) until destroyed. Not thread-safe.
class MockServer {
 public:
  using Options = MockServerOptions;
  // Starts the mock in `dir` (its script and request log live there); fails the test when it
  // does not come up.
  MockServer(const std::string& dir, const nlohmann::json& steps,
             const MockServerOptions& options = MockServerOptions());
  ~MockServer();
  MockServer(const MockServer&) = delete;
  MockServer& operator=(const MockServer&) = delete;

  const std::string& base_url() const { return base_url_; }  // http(s)://127.0.0.1:PORT/v1
  int port() const { return port_; }

  // Every request the mock logged (its JSONL log), in order; /_mock paths left out.
  std::vector<nlohmann::json> Requests() const;
  // GET /_mock/state: {"requests", "violations", "hangups": [step index...], "stalled"}.
  nlohmann::json State() const;
  // POST /_mock/release: stalled streams go on (their after_release items, then completed).
  void Release() const;
  // Polls State until `pred` holds or `timeout_ms` passes; returns the last state.
  template <typename Pred>
  nlohmann::json WaitState(Pred pred, int timeout_ms = 5000) const;

 private:
  void Start(const std::string& dir, const nlohmann::json& steps, const MockServerOptions& options);
  // One request to the mock's control endpoint; its JSON answer, or null.
  nlohmann::json Control(const std::string& method, const std::string& path) const;

  std::string log_path_;
  std::string base_url_;
  int port_ = 0;
  pid_t pid_ = -1;
  bool tls_ = false;
};

// A port nothing listens on (bound, then released).
int ClosedPort();

// Milliseconds since an arbitrary epoch (steady clock).
double NowMs();

template <typename Pred>
nlohmann::json MockServer::WaitState(Pred pred, int timeout_ms) const {
  const double deadline = NowMs() + timeout_ms;
  nlohmann::json state = State();
  while (!pred(state) && NowMs() < deadline) {
    struct timespec ts = {0, 10 * 1000 * 1000};
    nanosleep(&ts, nullptr);
    state = State();
  }
  return state;
}

}  // namespace threadlog::testing

#endif  // THREADLOG_TESTS_AGENT_MOCK_SERVER_H_
