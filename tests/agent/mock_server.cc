// MockServer: spawning mock_responses.py, reading its address, its log and its state.
#include "tests/agent/mock_server.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>

#include "api/agent/http_stream.h"
#include "gtest/gtest.h"
#include "tests/testutil/scratch_dir.h"

extern char** environ;

namespace threadlog::testing {

namespace {
const std::string kMockScript =
    std::string(THREADLOG_SOURCE_DIR) + "/tests/mock_responses/mock_responses.py";
const std::string kCertScript = std::string(THREADLOG_SOURCE_DIR) + "/tests/agent/tls_certs.py";
}  // namespace

double NowMs() {
  return std::chrono::duration<double, std::milli>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

TestCerts MakeTestCerts(const std::string& dir) {
  CommandResult r = RunCommand({THREADLOG_PYTHON, kCertScript, dir});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  nlohmann::json paths = nlohmann::json::parse(r.out, nullptr, false);
  if (!paths.is_object()) {
    ADD_FAILURE() << "tls_certs.py printed " << r.out;
    return {};
  }
  return TestCerts{paths["ca"],
                   paths["cert"],
                   paths["key"],
                   paths["untrusted_cert"],
                   paths["untrusted_key"],
                   paths["wrong_host_cert"],
                   paths["wrong_host_key"]};
}

MockServer::MockServer(const std::string& dir, const nlohmann::json& steps,
                       const MockServerOptions& options)
    : log_path_(dir + "/requests.jsonl"), tls_(!options.tls_cert.empty()) {
  Start(dir, steps, options);
}

void MockServer::Start(const std::string& dir, const nlohmann::json& steps,
                       const MockServerOptions& options) {
  const std::string script = dir + "/script.json";
  WriteFileOrDie(script, steps.dump());
  std::vector<std::string> args = {THREADLOG_PYTHON, kMockScript, script, "--port", "0",
                                   "--log",          log_path_};
  if (tls_) {
    args.insert(args.end(), {"--tls-cert", options.tls_cert, "--tls-key", options.tls_key});
  }
  if (options.show_authorization) args.push_back("--show-authorization");
  int out[2];
  ASSERT_EQ(pipe(out), 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, out[0]);
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  int rc = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(out[1]);
  ASSERT_EQ(rc, 0) << "cannot start " << kMockScript;
  // "listening on http://127.0.0.1:PORT", within a few seconds.
  std::string line;
  const double deadline = NowMs() + 10000;
  while (line.find('\n') == std::string::npos && NowMs() < deadline) {
    pollfd p = {out[0], POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    char buf[256];
    ssize_t n = read(out[0], buf, sizeof buf);
    if (n <= 0) break;
    line.append(buf, n);
  }
  close(out[0]);
  const std::string prefix = "listening on ";
  ASSERT_EQ(line.rfind(prefix, 0), 0u) << "mock said: " << line;
  std::string url = line.substr(prefix.size(), line.find('\n') - prefix.size());
  port_ = std::stoi(url.substr(url.rfind(':') + 1));
  base_url_ = url + "/v1";
}

MockServer::~MockServer() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
  }
}

std::vector<nlohmann::json> MockServer::Requests() const {
  std::vector<nlohmann::json> out;
  std::ifstream in(log_path_);
  std::string line;
  while (std::getline(in, line)) {
    nlohmann::json entry = nlohmann::json::parse(line, nullptr, false);
    if (!entry.is_object()) continue;
    if (entry.value("path", "").rfind("/_mock", 0) == 0) continue;
    out.push_back(std::move(entry));
  }
  return out;
}

nlohmann::json MockServer::State() const { return Control("GET", "/_mock/state"); }

void MockServer::Release() const { Control("POST", "/_mock/release"); }

nlohmann::json MockServer::Control(const std::string& method, const std::string& path) const {
  agent::HttpRequest request;
  auto url = agent::ParseUrl(base_url_.substr(0, base_url_.size() - 3) + path);
  if (!url.ok()) return nullptr;
  request.url = *url;
  request.method = method;
  request.connect_timeout = absl::Seconds(5);
  request.head_timeout = absl::Seconds(5);
  auto stream = agent::HttpStream::Open(request, nullptr);
  if (!stream.ok()) return nullptr;
  auto body = (*stream)->ReadAll(absl::Seconds(5), 1 << 20);
  if (!body.ok()) return nullptr;
  return nlohmann::json::parse(*body, nullptr, false);
}

int ClosedPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr = {};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

}  // namespace threadlog::testing
