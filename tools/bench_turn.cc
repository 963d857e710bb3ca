// `threadlog bench turn`: the in-process mock Responses API (Boost.Beast), the turn driver on a
// stdio JSON-RPC connection, and the table of threadlog serve against codex app-server.
#include "tools/bench_turn.h"

#include <sys/socket.h>
#include <sys/types.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <system_error>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/memory/memory.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "eventlog/codex_version.h"
#include "nlohmann/json.hpp"
#include "tools/bench_rpc_client.h"
#include "tools/bench_util.h"

namespace threadlog::bench {
namespace {

namespace fs = std::filesystem;
namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;
using Json = nlohmann::json;
using OrderedJson = nlohmann::ordered_json;

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

// ---------------------------------------------------------------------------------------------
// The mock Responses API
// ---------------------------------------------------------------------------------------------

constexpr const char* kAnswer = "Done.";

// One SSE frame as the Responses API writes it: `event:` then `data:`.
std::string SseFrame(const OrderedJson& event) {
  return absl::StrCat("event: ", event["type"].get<std::string>(), "\ndata: ", event.dump(),
                      "\n\n");
}

// response.created of response `id`, with no output yet.
std::string CreatedFrame(const std::string& id) {
  return SseFrame({{"type", "response.created"},
                   {"response",
                    {{"id", id},
                     {"object", "response"},
                     {"status", "in_progress"},
                     {"output", OrderedJson::array()}}}});
}

// response.completed of response `id` whose output is `item`, with a fixed usage.
std::string CompletedFrame(const std::string& id, const OrderedJson& item) {
  OrderedJson usage = {{"input_tokens", 100},
                       {"input_tokens_details", {{"cached_tokens", 0}}},
                       {"output_tokens", 10},
                       {"output_tokens_details", {{"reasoning_tokens", 0}}},
                       {"total_tokens", 110}};
  OrderedJson completed = {{"id", id}, {"object", "response"}, {"status", "completed"}};
  completed["output"] = OrderedJson::array({item});
  completed["usage"] = usage;
  return SseFrame({{"type", "response.completed"}, {"response", completed}});
}

// The stream of response number `n`: created, an assistant message added, its text as one
// delta, the message done, completed with usage: the events both Codex 0.117.0 and threadlog
// read, shaped as tests/mock_responses/mock_responses.py shapes them for their tests (and as
// tests/agent/golden/codex_117_turns.json shows Codex accepting). With `complete` false, only
// response.created.
std::vector<std::string> TurnStream(size_t n, bool complete) {
  const std::string response_id = absl::StrCat("resp_", n);
  const std::string item_id = absl::StrCat("msg_", n);
  std::vector<std::string> frames = {CreatedFrame(response_id)};
  if (!complete) return frames;
  OrderedJson text_part = {{"type", "output_text"}, {"text", kAnswer}};
  text_part["annotations"] = OrderedJson::array();
  OrderedJson item = {
      {"type", "message"}, {"role", "assistant"}, {"id", item_id}, {"status", "completed"}};
  item["content"] = OrderedJson::array({text_part});
  OrderedJson added = item;
  added["status"] = "in_progress";
  added["content"] = OrderedJson::array();
  frames.push_back(SseFrame({{"type", "response.output_item.added"}, {"item", added}}));
  frames.push_back(SseFrame({{"type", "response.output_text.delta"},
                             {"item_id", item_id},
                             {"output_index", 0},
                             {"content_index", 0},
                             {"delta", kAnswer}}));
  frames.push_back(SseFrame({{"type", "response.output_item.done"}, {"item", item}}));
  frames.push_back(CompletedFrame(response_id, item));
  return frames;
}

// The stream of response number `n` that calls exec_command with `cmd` (bench exec): the
// function_call item added and done, then completed.
std::vector<std::string> ExecCallStream(size_t n, const std::string& cmd) {
  const std::string response_id = absl::StrCat("resp_", n);
  OrderedJson item = {{"type", "function_call"},
                      {"id", absl::StrCat("fc_", n)},
                      {"call_id", absl::StrCat("call_", n)},
                      {"name", "exec_command"},
                      {"arguments", OrderedJson{{"cmd", cmd}}.dump()},
                      {"status", "completed"}};
  OrderedJson added = item;
  added["status"] = "in_progress";
  added["arguments"] = "";
  std::vector<std::string> frames = {CreatedFrame(response_id)};
  frames.push_back(SseFrame({{"type", "response.output_item.added"}, {"item", added}}));
  frames.push_back(SseFrame({{"type", "response.output_item.done"}, {"item", item}}));
  frames.push_back(CompletedFrame(response_id, item));
  return frames;
}

// Whether the request's input ends with a tool's output (the model then answers in text).
bool EndsWithToolOutput(const std::string& body) {
  const Json request = Json::parse(body, nullptr, false);
  if (!request.is_object() || !request["input"].is_array() || request["input"].empty()) {
    return false;
  }
  const Json& last = request["input"].back();
  return last.is_object() && last.value("type", "") == "function_call_output";
}

// HTTP/1.1 on 127.0.0.1 (a free port), one thread per connection: few connections, and a
// blocking thread is the simplest way to answer at once. Keep-alive is honoured (Codex's
// client pools connections; threadlog's opens one per request), every body is chunked with
// one chunk per SSE event, each written (and so sent: TCP_NODELAY) as soon as it is ready.
// Thread-safe.
class MockResponses {
 public:
  static absl::StatusOr<std::unique_ptr<MockResponses>> Start(bool never_complete) {
    // WrapUnique: the constructor is private, so that every mock is a listening one.
    std::unique_ptr<MockResponses> mock = absl::WrapUnique(new MockResponses(never_complete));
    beast::error_code ec;
    const tcp::endpoint endpoint(net::ip::make_address_v4("127.0.0.1"), 0);
    mock->acceptor_.open(endpoint.protocol(), ec);
    if (!ec) mock->acceptor_.bind(endpoint, ec);
    if (!ec) mock->acceptor_.listen(net::socket_base::max_listen_connections, ec);
    tcp::endpoint bound;
    if (!ec) bound = mock->acceptor_.local_endpoint(ec);
    if (ec) {
      return absl::UnavailableError(
          absl::StrCat("the mock Responses API cannot listen on 127.0.0.1: ", ec.message()));
    }
    mock->port_ = bound.port();
    mock->accept_thread_ = std::thread([m = mock.get()] { m->AcceptLoop(); });
    return mock;
  }

  // Stops accepting, cuts every open connection (a held stream included) and joins every
  // thread.
  ~MockResponses() {
    stopping_ = true;
    // shutdown() wakes the accept() blocked on the listening socket (Linux: EINVAL); close()
    // from another thread would not.
    ::shutdown(acceptor_.native_handle(), SHUT_RDWR);
    if (accept_thread_.joinable()) accept_thread_.join();
    std::list<std::unique_ptr<Connection>> left;
    {
      absl::MutexLock lock(&mu_);
      // Only the accept thread, joined now, closes sockets: every descriptor here is open.
      for (auto& c : connections_) ::shutdown(c->socket.native_handle(), SHUT_RDWR);
      left.swap(connections_);
    }
    for (auto& c : left) c->thread.join();
  }
  MockResponses(const MockResponses&) = delete;
  MockResponses& operator=(const MockResponses&) = delete;

  std::string base_url() const { return absl::StrCat("http://127.0.0.1:", port_, "/v1"); }

  // POST .../responses requests received so far (answered, or being answered).
  size_t requests() const {
    absl::MutexLock lock(&mu_);
    return first_bytes_.size();
  }
  // From now on a request whose input does not end with a tool's output is answered with an
  // exec_command call of `cmd` ("" : always the message, as before).
  void SetExecCommand(std::string cmd) {
    absl::MutexLock lock(&mu_);
    exec_command_ = std::move(cmd);
  }

  // When the first SSE byte of request `index` (0-based, in order of arrival) was about to be
  // written; nullopt if it has not been yet or there is no such request.
  std::optional<Clock::time_point> FirstByte(size_t index) const {
    absl::MutexLock lock(&mu_);
    if (index >= first_bytes_.size()) return std::nullopt;
    return first_bytes_[index];
  }

 private:
  struct Connection {
    explicit Connection(tcp::socket s) : socket(std::move(s)) {}
    tcp::socket socket;  // closed only when the accept thread (or the destructor) reaps it
    std::thread thread;
    std::atomic<bool> done{false};
  };

  explicit MockResponses(bool never_complete) : acceptor_(io_), never_complete_(never_complete) {}

  void AcceptLoop() {
    while (!stopping_) {
      tcp::socket socket(io_);
      beast::error_code ec;
      acceptor_.accept(socket, ec);
      ReapFinished();
      if (stopping_) return;
      if (ec) {  // out of descriptors, say: try again shortly rather than spin
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        continue;
      }
      socket.set_option(tcp::no_delay(true), ec);
      auto owned = std::make_unique<Connection>(std::move(socket));
      Connection* c = owned.get();
      absl::MutexLock lock(&mu_);
      try {
        c->thread = std::thread([this, c] {
          Serve(*c);
          c->done = true;
        });
      } catch (const std::system_error&) {
        continue;  // no thread to be had: the connection is dropped (closed with `owned`)
      }
      connections_.push_back(std::move(owned));
    }
  }

  // Joins the threads of connections that ended, so that a client opening one connection per
  // request (threadlog) does not pile them up.
  void ReapFinished() {
    std::list<std::unique_ptr<Connection>> finished;
    {
      absl::MutexLock lock(&mu_);
      for (auto it = connections_.begin(); it != connections_.end();) {
        if ((*it)->done) {
          finished.push_back(std::move(*it));
          it = connections_.erase(it);
        } else {
          ++it;
        }
      }
    }
    for (auto& c : finished) c->thread.join();
  }

  // Answers requests on `c` until the client closes it, asks to, or a write fails.
  void Serve(Connection& c) {
    beast::flat_buffer buffer;
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.body_limit(64 << 20);  // a long history; Beast's default is 1 MiB
      beast::error_code ec;
      http::read(c.socket, buffer, parser, ec);
      if (ec) break;  // closed, or not HTTP
      const http::request<http::string_body>& request = parser.get();
      absl::string_view target(request.target().data(), request.target().size());
      target = target.substr(0, target.find('?'));
      bool ok;
      if (request.method() == http::verb::post && absl::EndsWith(target, "/responses")) {
        ok = AnswerTurn(c.socket, request);
      } else if (request.method() == http::verb::get && absl::EndsWith(target, "/models")) {
        // The real API lists models here; neither server's catalog depends on it.
        ok = AnswerJson(c.socket, request, http::status::ok, R"({"object":"list","data":[]})");
      } else {
        ok = AnswerJson(c.socket, request, http::status::not_found,
                        R"({"error":{"message":"not served by the benchmark's mock",)"
                        R"("type":"invalid_request_error","code":"not_found"}})");
      }
      if (!ok || !request.keep_alive()) break;
    }
    // The client sees the end now; the descriptor stays open until reaped (see Connection).
    beast::error_code ec;
    c.socket.shutdown(tcp::socket::shutdown_both, ec);
  }

  bool AnswerJson(tcp::socket& socket, const http::request<http::string_body>& request,
                  http::status status, std::string body) {
    http::response<http::string_body> response{status, request.version()};
    response.set(http::field::content_type, "application/json");
    response.keep_alive(request.keep_alive());
    response.body() = std::move(body);
    response.prepare_payload();
    beast::error_code ec;
    http::write(socket, response, ec);
    return !ec;
  }

  bool AnswerTurn(tcp::socket& socket, const http::request<http::string_body>& request) {
    size_t index;
    std::string exec_command;
    {
      absl::MutexLock lock(&mu_);
      index = first_bytes_.size();
      first_bytes_.emplace_back();
      exec_command = exec_command_;
    }
    const std::vector<std::string> frames =
        !exec_command.empty() && !never_complete_ && !EndsWithToolOutput(request.body())
            ? ExecCallStream(index, exec_command)
            : TurnStream(index, !never_complete_);
    http::response<http::empty_body> head{http::status::ok, request.version()};
    head.set(http::field::content_type, "text/event-stream");
    head.set(http::field::cache_control, "no-cache");
    head.keep_alive(request.keep_alive());
    head.chunked(true);
    http::response_serializer<http::empty_body> serializer{head};
    beast::error_code ec;
    http::write_header(socket, serializer, ec);
    if (ec) return false;
    {
      absl::MutexLock lock(&mu_);
      first_bytes_[index] = Clock::now();
    }
    for (const std::string& frame : frames) {
      net::write(socket, http::make_chunk(net::buffer(frame)), ec);
      if (ec) return false;
    }
    if (never_complete_) {
      // Hold the stream until the client gives up or the mock stops (either ends this read).
      char byte;
      socket.read_some(net::buffer(&byte, 1), ec);
      return false;
    }
    net::write(socket, http::make_chunk_last(), ec);
    return !ec;
  }

  net::io_context io_;  // runs nothing: every socket is used synchronously
  tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  const bool never_complete_;
  std::atomic<bool> stopping_{false};
  std::thread accept_thread_;
  mutable absl::Mutex mu_;
  std::list<std::unique_ptr<Connection>> connections_ ABSL_GUARDED_BY(mu_);
  std::vector<std::optional<Clock::time_point>> first_bytes_ ABSL_GUARDED_BY(mu_);
  std::string exec_command_ ABSL_GUARDED_BY(mu_);
};

// ---------------------------------------------------------------------------------------------
// Driving a server
// ---------------------------------------------------------------------------------------------

// What a server is asked to do per run.
struct ServerSpec {
  std::string name;  // the table's name
  bool codex = false;
  std::string bin;
  int turns = 0;             // sequential turns
  int concurrent_turns = 0;  // turns per thread in the concurrent phase
};

// One run's numbers for one server.
struct RunResult {
  std::vector<double> thread_start_ms, turn_ms, first_delta_ms;  // sequential turns only
  double turns_per_second = 0;                                   // the concurrent phase
  double peak_rss_mib = 0;
  int rss_turns = 0;                     // sequential turns completed when the peak RSS was read
  size_t model_requests = 0, turns = 0;  // sequential phase: requests the mock got, turns
  size_t output_delta_bytes = 0;         // the text of every item/commandExecution/outputDelta read
};

// The VmHWM (peak resident set) of process `pid`, in MiB.
absl::StatusOr<double> PeakRssMib(pid_t pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(in, line)) {
    long kib = 0;
    if (std::sscanf(line.c_str(), "VmHWM: %ld kB", &kib) == 1) return kib / 1024.0;
  }
  return absl::InternalError(absl::StrCat("no VmHWM in /proc/", pid, "/status"));
}

// The client of one server process on stdio: threads, and turns on several threads at once
// with one reader (every message of a stdio server comes down one pipe).
class Driver {
 public:
  Driver(const ServerSpec& spec, ChildProcess& child, RpcConnection& rpc, MockResponses& mock,
         std::chrono::seconds turn_timeout, std::string cwd)
      : spec_(spec),
        child_(child),
        rpc_(rpc),
        mock_(mock),
        turn_timeout_(turn_timeout),
        cwd_(std::move(cwd)) {}

  // A new thread in the scratch cwd; `*ms` gets the round trip.
  absl::StatusOr<std::string> StartThread(double* ms) {
    absl::StatusOr<Json> result = rpc_.Call("thread/start", {{"cwd", cwd_}}, ms);
    if (!result.ok()) return result.status();
    const Json* thread = result->contains("thread") ? &(*result)["thread"] : nullptr;
    if (thread == nullptr || !thread->is_object() || !(*thread)["id"].is_string()) {
      return absl::InternalError(
          absl::StrCat("thread/start gave no thread id: ", result->dump().substr(0, 300)));
    }
    return (*thread)["id"].get<std::string>();
  }

  // `turns_each` turns on every thread of `threads`: one started on each at once, a thread's
  // next as soon as its last completed. Appends each turn's time to result->turn_ms; with one
  // thread (the mock's requests then belong to that thread's turns, in order) also the first
  // delta to result->first_delta_ms. Once `rss_after` turns completed (0: never) reads the
  // server's peak RSS into the result. `*seconds` gets the wall time, first turn/start written
  // to last turn/completed read.
  absl::Status RunTurns(const std::vector<std::string>& threads, int turns_each, int rss_after,
                        RunResult* result, double* seconds) {
    std::vector<Slot> slots(threads.size());
    std::map<std::string, size_t> by_thread;
    const bool single = threads.size() == 1;
    const auto begin = Clock::now();
    for (size_t i = 0; i < threads.size(); ++i) {
      slots[i].thread_id = threads[i];
      by_thread[threads[i]] = i;
      if (absl::Status s = StartTurn(slots[i], i); !s.ok()) return s;
    }
    size_t running = slots.size();
    int completed = 0;
    while (running > 0) {
      Clock::time_point deadline = Clock::time_point::max();
      const Slot* first_late = nullptr;
      for (const Slot& slot : slots) {
        if (slot.running && slot.deadline < deadline) {
          deadline = slot.deadline;
          first_late = &slot;
        }
      }
      absl::StatusOr<std::string> text = rpc_.Next(deadline);
      const auto arrived = Clock::now();
      if (absl::IsDeadlineExceeded(text.status()) || arrived >= deadline) {
        return TurnTimeout(*first_late);
      }
      if (!text.ok()) return text.status();
      Json message = Json::parse(*text, nullptr, false);
      if (!message.is_object()) continue;
      auto method = message.find("method");
      if (method == message.end()) {  // an answer: turn/start's
        if (absl::Status s = OnAnswer(message, slots); !s.ok()) return s;
        continue;
      }
      if (message.contains("id")) {  // a server request: none is expected of a trivial turn
        Json refusal = {
            {"id", message["id"]},
            {"error", {{"code", -32601}, {"message", "the benchmark client answers none"}}}};
        if (absl::Status s = rpc_.SendMessage(refusal.dump()); !s.ok()) return s;
        continue;
      }
      const auto params = message.find("params");
      if (!method->is_string() || params == message.end() || !params->is_object()) continue;
      const auto thread_id = params->find("threadId");
      if (thread_id == params->end() || !thread_id->is_string()) continue;
      const auto at = by_thread.find(thread_id->get<std::string>());
      if (at == by_thread.end() || !slots[at->second].running) continue;
      Slot& slot = slots[at->second];
      const std::string& name = method->get_ref<const std::string&>();
      // One turn at a time per thread, so whatever names the thread belongs to its running
      // turn (its turn id may still be unknown: turn/start's answer can come later).
      if (name == "item/agentMessage/delta") {
        if (!slot.first_delta) slot.first_delta = arrived;
        continue;
      }
      if (name == "item/commandExecution/outputDelta") {
        const auto delta = params->find("delta");
        if (delta != params->end() && delta->is_string()) {
          result->output_delta_bytes += delta->get_ref<const std::string&>().size();
        }
        continue;
      }
      if (name != "turn/completed") continue;
      if (absl::Status s = OnCompleted(*params, slot, arrived, single, result); !s.ok()) return s;
      slot.running = false;
      --running;
      ++slot.completed;
      if (++completed == rss_after) {
        absl::StatusOr<double> rss = PeakRssMib(child_.pid());
        if (!rss.ok()) return rss.status();
        result->peak_rss_mib = *rss;
        result->rss_turns = completed;
      }
      if (slot.completed < turns_each) {
        if (absl::Status s = StartTurn(slot, at->second); !s.ok()) return s;
        ++running;
      }
    }
    *seconds = std::chrono::duration<double>(Clock::now() - begin).count();
    return absl::OkStatus();
  }

 private:
  struct Slot {
    std::string thread_id;
    int completed = 0;  // turns of this thread completed
    bool running = false;
    int64_t request_id = 0;  // the running turn's turn/start
    std::string turn_id;     // from its answer, once read
    Clock::time_point sent, deadline;
    std::optional<Clock::time_point> first_delta;
    size_t mock_from = 0;  // the mock's request count when the turn started
  };

  absl::Status StartTurn(Slot& slot, size_t index) {
    slot.running = true;
    slot.turn_id.clear();
    slot.first_delta.reset();
    slot.mock_from = mock_.requests();
    Json input = Json::array({Json{{"type", "text"}, {"text", "Say hello."}}});
    slot.sent = Clock::now();
    slot.deadline = slot.sent + turn_timeout_;
    absl::StatusOr<int64_t> id =
        rpc_.Send("turn/start", {{"threadId", slot.thread_id}, {"input", std::move(input)}});
    if (!id.ok()) return id.status();
    slot.request_id = *id;
    answers_[*id] = index;
    return absl::OkStatus();
  }

  absl::Status OnAnswer(const Json& message, std::vector<Slot>& slots) {
    auto id = message.find("id");
    if (id == message.end() || !id->is_number_integer()) return absl::OkStatus();
    auto at = answers_.find(id->get<int64_t>());
    if (at == answers_.end()) return absl::OkStatus();
    Slot& slot = slots[at->second];
    answers_.erase(at);
    auto result = message.find("result");
    if (result == message.end()) {
      return absl::InternalError(
          absl::StrCat("turn/start on thread ", slot.thread_id,
                       " answered with an error: ", message.dump().substr(0, 500)));
    }
    // An answer read after its turn completed (then the next one may be running) names no
    // running turn.
    if (slot.running && slot.request_id == id->get<int64_t>() && result->is_object()) {
      const Json& turn = (*result)["turn"];
      if (turn.is_object() && turn["id"].is_string()) slot.turn_id = turn["id"];
    }
    return absl::OkStatus();
  }

  absl::Status OnCompleted(const Json& params, const Slot& slot, Clock::time_point arrived,
                           bool single, RunResult* result) {
    const auto turn = params.find("turn");
    const Json* status = turn != params.end() && turn->is_object() && turn->contains("status")
                             ? &(*turn)["status"]
                             : nullptr;
    if (status == nullptr || *status != "completed") {
      return absl::InternalError(absl::StrCat("turn ", slot.completed + 1, " on thread ",
                                              slot.thread_id,
                                              " did not complete: ", params.dump().substr(0, 500)));
    }
    result->turn_ms.push_back(Ms(arrived - slot.sent));
    if (!single) return absl::OkStatus();
    if (!slot.first_delta) {
      return absl::InternalError(absl::StrCat("turn ", slot.completed + 1, " on thread ",
                                              slot.thread_id,
                                              " completed without an item/agentMessage/delta"));
    }
    std::optional<Clock::time_point> sse = mock_.FirstByte(slot.mock_from);
    if (!sse) {
      return absl::InternalError(absl::StrCat("turn ", slot.completed + 1, " on thread ",
                                              slot.thread_id,
                                              " completed without a request to the mock"));
    }
    result->first_delta_ms.push_back(Ms(*slot.first_delta - *sse));
    return absl::OkStatus();
  }

  absl::Status TurnTimeout(const Slot& slot) const {
    const size_t requests = mock_.requests() - slot.mock_from;
    return absl::DeadlineExceededError(absl::StrFormat(
        "%s: turn %d on thread %s (turn id %s) did not complete within %d s; meanwhile the "
        "mock got %d model request(s) (not only this turn's when several threads turn) and "
        "the client read %s item/agentMessage/delta of it",
        spec_.name, slot.completed + 1, slot.thread_id,
        slot.turn_id.empty() ? "not yet answered" : slot.turn_id, turn_timeout_.count(), requests,
        slot.first_delta ? "an" : "no"));
  }

  const ServerSpec& spec_;
  ChildProcess& child_;
  RpcConnection& rpc_;
  MockResponses& mock_;
  const std::chrono::seconds turn_timeout_;
  const std::string cwd_;
  std::map<int64_t, size_t> answers_;  // turn/start request id -> slot, until answered
};

// The scratch config.toml of both servers: tests/replay/codex_driver.py's, with
// capture_117.py's OFFLINE extras, which keep Codex from reaching for plugins, apps, update
// checks and analytics (so only the mock is ever called).
std::string ConfigToml(const std::string& base_url) {
  return absl::StrCat(R"(model = "gpt-5.1-codex"
model_provider = "mock"
approval_policy = "never"
sandbox_mode = "danger-full-access"
check_for_update_on_startup = false
[features]
plugins = false
apps = false
tool_suggest = false
[analytics]
enabled = false

[model_providers.mock]
name = "mock"
base_url = ")",
                      base_url, R"("
wire_api = "responses"
env_key = "MOCK_API_KEY"
request_max_retries = 0
stream_max_retries = 0
stream_idle_timeout_ms = 600000
)");
}

// Measures one server process, started fresh below `dir`.
absl::StatusOr<RunResult> MeasureServer(const ServerSpec& spec, const TurnBenchOptions& options,
                                        MockResponses& mock, const fs::path& dir) {
  const std::string codex_home = (dir / "codex-home").string();
  const std::string home = (dir / "home").string();
  const std::string cwd = (dir / "work").string();
  std::error_code ec;
  for (const std::string& d : {codex_home, home, cwd}) fs::create_directories(d, ec);
  {
    std::ofstream config(fs::path(codex_home) / "config.toml");
    config << ConfigToml(mock.base_url());
    if (!config) return absl::InternalError(absl::StrCat("cannot write ", codex_home));
  }
  // HOME too: neither server should find the user's skills or instructions.
  std::vector<std::pair<std::string, std::string>> env = {
      {"CODEX_HOME", codex_home}, {"HOME", home}, {"MOCK_API_KEY", "bench"}};
  std::vector<std::string> argv;
  if (spec.codex) {
    argv = {spec.bin, "app-server"};
    env.emplace_back("RUST_LOG", "warn");
  } else {
    argv = {spec.bin, "--home", (dir / "store").string(), "serve"};
  }
  absl::StatusOr<std::unique_ptr<ChildProcess>> child =
      ChildProcess::Spawn(argv, env, (dir / "server.log").string());
  if (!child.ok()) return child.status();
  const std::chrono::seconds timeout(options.turn_timeout_seconds);
  std::unique_ptr<RpcConnection> rpc = StdioConnection(**child, timeout);
  Driver driver(spec, **child, *rpc, mock, timeout, cwd);

  RunResult result;
  absl::Status status = [&]() -> absl::Status {
    if (absl::Status s = rpc->Initialize(); !s.ok()) return s;
    double ms = 0;
    absl::StatusOr<std::string> thread = driver.StartThread(&ms);
    if (!thread.ok()) return thread.status();
    result.thread_start_ms.push_back(ms);
    const size_t requests_before = mock.requests();
    double seconds = 0;
    if (absl::Status s =
            driver.RunTurns({*thread}, spec.turns, options.rss_after_turns, &result, &seconds);
        !s.ok()) {
      return s;
    }
    result.turns = result.turn_ms.size();
    result.model_requests = mock.requests() - requests_before;
    if (result.rss_turns == 0) {  // fewer turns than rss_after_turns
      absl::StatusOr<double> rss = PeakRssMib((*child)->pid());
      if (!rss.ok()) return rss.status();
      result.peak_rss_mib = *rss;
      result.rss_turns = spec.turns;
    }

    if (!options.concurrent_phase) return absl::OkStatus();
    std::vector<std::string> threads;
    for (int i = 0; i < options.concurrent_threads; ++i) {
      absl::StatusOr<std::string> t = driver.StartThread(&ms);
      if (!t.ok()) return t.status();
      threads.push_back(*std::move(t));
      result.thread_start_ms.push_back(ms);
    }
    RunResult concurrent;
    if (absl::Status s = driver.RunTurns(threads, spec.concurrent_turns, 0, &concurrent, &seconds);
        !s.ok()) {
      return s;
    }
    result.turns_per_second = concurrent.turn_ms.size() / seconds;
    return absl::OkStatus();
  }();
  // A failed server gets little grace: it may be stuck in the very turn that failed.
  (*child)->Stop(status.ok() ? std::chrono::seconds(10) : std::chrono::seconds(1));
  if (!status.ok()) {
    std::string message(status.message());
    if (!absl::StrContains(message, "stderr ends with")) {
      const std::string tail = (*child)->StderrTail();
      absl::StrAppend(&message, "\n", spec.name, "'s stderr ",
                      tail.empty() ? "is empty" : absl::StrCat("ends with:\n", tail));
    }
    return absl::Status(status.code(), message);
  }
  return result;
}

// Each column of a server's row: the median over runs of that run's number.
struct Row {
  std::string name;
  double thread_start_p50 = 0, turn_p50 = 0, turn_p99 = 0, turns_per_second = 0;
  double delta_p50 = 0, delta_p99 = 0, peak_rss_mib = 0;
  int rss_turns = 0;
  size_t turns = 0, model_requests = 0;  // totals over runs
};

Row Summarize(const std::string& name, const std::vector<RunResult>& runs) {
  std::vector<double> start, p50, p99, tps, d50, d99, rss;
  Row row{name};
  for (const RunResult& r : runs) {
    start.push_back(Percentile(r.thread_start_ms, 0.5));
    p50.push_back(Percentile(r.turn_ms, 0.5));
    p99.push_back(Percentile(r.turn_ms, 0.99));
    tps.push_back(r.turns_per_second);
    d50.push_back(Percentile(r.first_delta_ms, 0.5));
    d99.push_back(Percentile(r.first_delta_ms, 0.99));
    rss.push_back(r.peak_rss_mib);
    row.rss_turns = r.rss_turns;
    row.turns += r.turns;
    row.model_requests += r.model_requests;
  }
  row.thread_start_p50 = Median(start);
  row.turn_p50 = Median(p50);
  row.turn_p99 = Median(p99);
  row.turns_per_second = Median(tps);
  row.delta_p50 = Median(d50);
  row.delta_p99 = Median(d99);
  row.peak_rss_mib = Median(rss);
  return row;
}

absl::Status Run(const TurnBenchOptions& options, std::ostream& out, std::ostream& progress) {
  if (options.turns <= 0 || options.codex_turns <= 0 || options.concurrent_threads <= 0 ||
      options.concurrent_turns <= 0 || options.codex_concurrent_turns <= 0 ||
      options.rss_after_turns <= 0 || options.runs <= 0 || options.turn_timeout_seconds <= 0) {
    return absl::InvalidArgumentError(
        "--turns, --codex-turns, --threads, --concurrent-turns, --codex-concurrent-turns, "
        "--rss-after-turns, --runs and --turn-timeout must be positive");
  }
  std::error_code ec;
  std::string bin = options.threadlog_bin;
  if (bin == "/proc/self/exe") bin = fs::read_symlink(bin, ec).string();
  if (ec || bin.empty()) return absl::InternalError("cannot find the threadlog binary");
  const auto begin = Clock::now();

  std::vector<ServerSpec> specs = {
      {"threadlog", false, bin, options.turns, options.concurrent_turns}};
  std::string codex_note;
  if (fs::exists(options.codex_bin, ec)) {
    specs.push_back({absl::StrCat("codex ", kCodexVersion), true, options.codex_bin,
                     options.codex_turns, options.codex_concurrent_turns});
  } else {
    codex_note = absl::StrCat(
        "Codex comparison skipped: no Codex binary at ", options.codex_bin,
        " (install it with `npm install @openai/codex@", kCodexVersion,
        "` and pass --codex-bin "
        "node_modules/@openai/codex-linux-x64/vendor/x86_64-unknown-linux-musl/codex/codex).\n");
  }

  Scratch scratch(options.scratch_dir, "turn");
  absl::StatusOr<std::unique_ptr<MockResponses>> mock =
      MockResponses::Start(options.mock_never_completes);
  if (!mock.ok()) return mock.status();
  progress << "bench turn: mock Responses API at " << (*mock)->base_url() << "\n";

  std::vector<std::vector<RunResult>> results(specs.size());
  for (int run = 0; run < options.runs; ++run) {
    for (size_t i = 0; i < specs.size(); ++i) {
      const ServerSpec& spec = specs[i];
      progress << absl::StrFormat("bench turn: %s, run %d/%d\n", spec.name, run + 1, options.runs);
      const fs::path dir = scratch.path() / absl::StrCat("run", run + 1, "-", i);
      absl::StatusOr<RunResult> result = MeasureServer(spec, options, **mock, dir);
      fs::remove_all(dir, ec);
      if (!result.ok()) return result.status();
      progress << absl::StrFormat(
          "  thread/start p50 %.2f ms, turn p50 %.2f ms p99 %.2f ms, first delta p50 %.3f ms, "
          "%.1f turns/s x%d, peak RSS %.1f MiB\n",
          Percentile(result->thread_start_ms, 0.5), Percentile(result->turn_ms, 0.5),
          Percentile(result->turn_ms, 0.99), Percentile(result->first_delta_ms, 0.5),
          result->turns_per_second, options.concurrent_threads, result->peak_rss_mib);
      results[i].push_back(*std::move(result));
    }
  }
  std::vector<Row> rows;
  for (size_t i = 0; i < specs.size(); ++i) rows.push_back(Summarize(specs[i].name, results[i]));

  out << absl::StrFormat(
      "threadlog bench turn: trivial turns (the mock Responses API in this process answers every "
      "request at once with one message, \"%s\"), JSON-RPC over stdio; medians of %d runs\n",
      kAnswer, options.runs);
  out << absl::StrFormat(
      "turn: turn/start written -> turn/completed read, sequential on one thread (%d turns per "
      "run for threadlog, %d for Codex); first delta: the mock's first SSE byte of the turn's "
      "request -> item/agentMessage/delta read; turns/s: %d threads turning at once, %d turns "
      "each (Codex %d); peak RSS: the server's VmHWM after %d sequential turns\n",
      options.turns, options.codex_turns, options.concurrent_threads, options.concurrent_turns,
      options.codex_concurrent_turns, options.rss_after_turns);
  out << absl::StrFormat("| %-13s | %19s | %11s | %11s | %11s | %16s | %16s | %12s | %5s |\n",
                         "server", "thread/start p50 ms", "turn p50 ms", "turn p99 ms",
                         absl::StrCat("turns/s x", options.concurrent_threads), "1st delta p50 ms",
                         "1st delta p99 ms", "peak RSS MiB", "turns");
  for (const Row& r : rows) {
    out << absl::StrFormat(
        "| %-13s | %19.2f | %11.2f | %11.2f | %11.1f | %16.3f | %16.3f | %12.1f | %5d |\n", r.name,
        r.thread_start_p50, r.turn_p50, r.turn_p99, r.turns_per_second, r.delta_p50, r.delta_p99,
        r.peak_rss_mib, r.turns);
  }
  out << "thread/start ms: the p50 of the 1 + " << options.concurrent_threads
      << " starts of each run; turns: sequential turns measured, over all runs.\n";
  std::string per_turn = "model requests per sequential turn:";
  for (const Row& r : rows) {
    absl::StrAppendFormat(&per_turn, " %s %.2f;", r.name,
                          r.turns == 0 ? 0.0 : static_cast<double>(r.model_requests) / r.turns);
    if (r.rss_turns != options.rss_after_turns) {
      out << absl::StrFormat("%s's peak RSS was read after %d turns (fewer than %d).\n", r.name,
                             r.rss_turns, options.rss_after_turns);
    }
  }
  out << per_turn.substr(0, per_turn.size() - 1) << "\n" << codex_note;

  const Row& ours = rows[0];
  if (rows.size() > 1 && ours.turn_p50 > 0 && ours.peak_rss_mib > 0) {
    const Row& codex = rows[1];
    const double ratio = codex.turn_p50 / ours.turn_p50;
    out << absl::StrFormat(
        "turn p50, Codex / threadlog: %.2f / %.2f ms = %.1fx (target >= 20x): %s\n", codex.turn_p50,
        ours.turn_p50, ratio, ratio >= 20 ? "PASS" : "MISS");
  }
  out << absl::StrFormat("first delta p50, threadlog: %.3f ms (target <= 1 ms): %s\n",
                         ours.delta_p50, ours.delta_p50 <= 1 ? "PASS" : "MISS");
  if (rows.size() > 1 && ours.peak_rss_mib > 0) {
    const Row& codex = rows[1];
    const double share = ours.peak_rss_mib / codex.peak_rss_mib;
    out << absl::StrFormat(
        "peak RSS, threadlog / Codex: %.1f / %.1f MiB = %.2f (target <= 1/3): %s\n",
        ours.peak_rss_mib, codex.peak_rss_mib, share, share * 3 <= 1 ? "PASS" : "MISS");
  }
  progress << absl::StrFormat("bench turn: %.1f s in all\n",
                              std::chrono::duration<double>(Clock::now() - begin).count());
  return absl::OkStatus();
}

// bench exec: one server's sequential turns with the mock in one mode; the turn p50 in ms, and
// (when `streamed` is set) the bytes of command output the client was told.
absl::StatusOr<double> TurnP50(const ServerSpec& spec, const TurnBenchOptions& options,
                               MockResponses& mock, const std::string& exec_command,
                               const fs::path& dir, int turns, size_t* streamed = nullptr) {
  mock.SetExecCommand(exec_command);
  ServerSpec one = spec;
  one.turns = turns;
  TurnBenchOptions o = options;
  o.concurrent_phase = false;
  o.rss_after_turns = turns;
  absl::StatusOr<RunResult> r = MeasureServer(one, o, mock, dir);
  std::error_code ec;
  fs::remove_all(dir, ec);
  if (!r.ok()) return r.status();
  if (streamed != nullptr) *streamed = r->output_delta_bytes;
  return Percentile(r->turn_ms, 0.5);
}

absl::Status RunExec(const ExecBenchOptions& options, std::ostream& out, std::ostream& progress) {
  if (options.turns <= 0 || options.codex_turns <= 0 || options.runs <= 0 ||
      options.output_mb <= 0 || options.turn_timeout_seconds <= 0) {
    return absl::InvalidArgumentError(
        "--turns, --codex-turns, --runs, --output-mb and --turn-timeout must be positive");
  }
  std::error_code ec;
  std::string bin = options.threadlog_bin;
  if (bin == "/proc/self/exe") bin = fs::read_symlink(bin, ec).string();
  if (ec || bin.empty()) return absl::InternalError("cannot find the threadlog binary");
  const auto begin = Clock::now();
  std::vector<ServerSpec> specs = {{"threadlog", false, bin, options.turns, 0}};
  std::string codex_note;
  if (fs::exists(options.codex_bin, ec)) {
    specs.push_back(
        {absl::StrCat("codex ", kCodexVersion), true, options.codex_bin, options.codex_turns, 0});
  } else {
    codex_note =
        absl::StrCat("Codex comparison skipped: no Codex binary at ", options.codex_bin, ".\n");
  }
  TurnBenchOptions base;
  base.turn_timeout_seconds = options.turn_timeout_seconds;
  Scratch scratch(options.scratch_dir, "exec");
  absl::StatusOr<std::unique_ptr<MockResponses>> mock = MockResponses::Start(false);
  if (!mock.ok()) return mock.status();
  // `head -c` of zeros turned into text: the command's output, written as fast as it can be.
  const std::string flood =
      absl::StrCat("head -c ", options.output_mb * 1000000, " /dev/zero | tr '\\0' x");
  struct Numbers {
    std::vector<double> trivial, exec, overhead, flood_ms, streamed_mb;
  };
  std::vector<Numbers> numbers(specs.size());
  for (int run = 0; run < options.runs; ++run) {
    for (size_t i = 0; i < specs.size(); ++i) {
      const ServerSpec& spec = specs[i];
      const fs::path dir = scratch.path() / absl::StrCat("run", run + 1, "-", i);
      progress << absl::StrFormat("bench exec: %s, run %d/%d\n", spec.name, run + 1, options.runs);
      absl::StatusOr<double> trivial = TurnP50(spec, base, **mock, "", dir, spec.turns);
      if (!trivial.ok()) return trivial.status();
      absl::StatusOr<double> exec = TurnP50(spec, base, **mock, "true", dir, spec.turns);
      if (!exec.ok()) return exec.status();
      size_t streamed = 0;
      absl::StatusOr<double> flooded = TurnP50(spec, base, **mock, flood, dir, 1, &streamed);
      if (!flooded.ok()) return flooded.status();
      numbers[i].streamed_mb.push_back(streamed / 1e6);
      numbers[i].trivial.push_back(*trivial);
      numbers[i].exec.push_back(*exec);
      numbers[i].overhead.push_back(*exec - *trivial);
      numbers[i].flood_ms.push_back(*flooded);
      progress << absl::StrFormat(
          "  trivial turn p50 %.2f ms, turn running `true` p50 %.2f ms (+%.2f ms), %d MB of "
          "output in %.0f ms\n",
          *trivial, *exec, *exec - *trivial, options.output_mb, *flooded);
    }
  }
  out << absl::StrFormat(
      "threadlog bench exec: turns whose model (the mock in this process) calls exec_command "
      "once and then answers, approval never, danger-full-access, JSON-RPC over stdio; medians "
      "of %d runs\n",
      options.runs);
  out << absl::StrFormat(
      "overhead: p50 of turns running `true` minus p50 of trivial turns (%d turns each per run, "
      "Codex %d); output: one turn running `%s` (%d MB), turn/start -> turn/completed; MB/s is "
      "the command's output over that time, streamed MB what the client was told of it as "
      "item/commandExecution/outputDelta\n",
      options.turns, options.codex_turns, flood, options.output_mb);
  out << absl::StrFormat("| %-13s | %16s | %15s | %11s | %15s | %8s | %11s | %13s |\n", "server",
                         "trivial p50 ms", "`true` p50 ms", "overhead ms", "output turn ms", "MB/s",
                         "streamed MB", "streamed MB/s");
  std::vector<double> overhead(specs.size()), mbps(specs.size()), streamed_mbps(specs.size());
  for (size_t i = 0; i < specs.size(); ++i) {
    overhead[i] = Median(numbers[i].overhead);
    const double flood_ms = Median(numbers[i].flood_ms);
    mbps[i] = flood_ms > 0 ? options.output_mb / (flood_ms / 1000) : 0;
    const double streamed = Median(numbers[i].streamed_mb);
    streamed_mbps[i] = flood_ms > 0 ? streamed / (flood_ms / 1000) : 0;
    out << absl::StrFormat(
        "| %-13s | %16.2f | %15.2f | %11.2f | %15.0f | %8.1f | %11.1f | %13.1f |\n", specs[i].name,
        Median(numbers[i].trivial), Median(numbers[i].exec), overhead[i], flood_ms, mbps[i],
        streamed, streamed_mbps[i]);
  }
  out << codex_note;
  if (specs.size() > 1 && overhead[0] > 0) {
    const double ratio = overhead[1] / overhead[0];
    out << absl::StrFormat(
        "exec overhead p50, Codex / threadlog: %.2f / %.2f ms = %.1fx (target >= 10x): %s\n",
        overhead[1], overhead[0], ratio, ratio >= 10 ? "PASS" : "MISS");
    // What the client is told per second; Codex tells only part of a flood (it drops output
    // deltas it cannot keep up with), so its turn can end sooner than one that tells it all.
    out << absl::StrFormat(
        "output streamed to the client, threadlog / Codex: %.1f / %.1f MB/s (target >= 1x): %s\n",
        streamed_mbps[0], streamed_mbps[1], streamed_mbps[0] >= streamed_mbps[1] ? "PASS" : "MISS");
    out << absl::StrFormat(
        "the output turn, threadlog / Codex: %.0f / %.0f ms for the same command (Codex streams "
        "%.0f%% of its output, threadlog all of it)\n",
        Median(numbers[0].flood_ms), Median(numbers[1].flood_ms),
        100 * Median(numbers[1].streamed_mb) / options.output_mb);
  }
  progress << absl::StrFormat("bench exec: %.1f s in all\n",
                              std::chrono::duration<double>(Clock::now() - begin).count());
  return absl::OkStatus();
}

}  // namespace

absl::Status RunExecBench(const ExecBenchOptions& options, std::ostream& out,
                          std::ostream& progress) {
  try {
    return RunExec(options, out, progress);
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("bench exec: ", e.what()));
  }
}

absl::Status RunTurnBench(const TurnBenchOptions& options, std::ostream& out,
                          std::ostream& progress) {
  // The JSON and socket libraries can throw (a resource exhausted, a thread not started);
  // their exceptions end here, after the destructors have stopped the children and the mock.
  try {
    return Run(options, out, progress);
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("bench turn: ", e.what()));
  }
}

}  // namespace threadlog::bench
