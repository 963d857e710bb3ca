// `threadlog bench rpc`: thread/list and thread/read round trips through threadlog serve (stdio,
// WebSocket) and Codex's app-server on one Codex home of synthetic rollouts.
#include "tools/bench_rpc.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <latch>
#include <random>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "eventlog/codex_import.h"
#include "eventlog/codex_version.h"
#include "eventlog/rollout_line.h"
#include "eventlog/timestamp.h"
#include "projections/thread_store.h"
#include "tools/bench_rpc_client.h"
#include "tools/bench_util.h"
#include "tools/synthetic_events.h"

namespace threadlog::bench {
namespace {

namespace fs = std::filesystem;

// The table's name for the Codex app-server measured, e.g. "codex 0.117.0".
std::string CodexRowName() { return absl::StrCat("codex ", kCodexVersion); }
using Clock = std::chrono::steady_clock;
using Json = nlohmann::json;

struct CodexHome {
  std::vector<std::string> ids;  // every thread, for thread/read
  uint64_t events = 0;
  uint64_t bytes = 0;
};

// Small threads of a few turns: each is a cut synthetic thread (session_meta, context and its
// first turn) followed by the first turn of two other cut threads, under a fresh id, ten
// minutes after the previous thread, in Codex's sessions/YYYY/MM/DD/rollout-<time>-<id>.jsonl.
absl::StatusOr<CodexHome> WriteCodexHome(const RpcBenchOptions& options, const std::string& home,
                                         std::ostream& progress) {
  constexpr uint64_t kPool = 256, kEventsPerPart = 16, kParts = 3;
  constexpr int64_t kFirstMs = 1'767'225'600'000;  // 2026-01-01T00:00:00Z
  absl::StatusOr<std::vector<SyntheticThread>> pool = MakeSyntheticThreads(
      options.fixtures_dir, kPool * kEventsPerPart, options.seed, kEventsPerPart);
  if (!pool.ok()) return pool.status();
  if (pool->size() < kParts) return absl::NotFoundError("too few rollout templates");
  CodexHome out;
  for (uint64_t i = 0; i < options.threads; ++i) {
    const SyntheticThread& base = (*pool)[i % pool->size()];
    std::vector<const NewEvent*> events;
    for (const NewEvent& e : base.events) events.push_back(&e);
    for (uint64_t part = 1; part < kParts; ++part) {
      const SyntheticThread& more = (*pool)[(i + part) % pool->size()];
      auto turn = std::find_if(more.events.begin(), more.events.end(),
                               [](const NewEvent& e) { return e.type == "task_started"; });
      for (; turn != more.events.end(); ++turn) events.push_back(&*turn);
    }

    const std::string id = ThreadId::NewV7().ToString();
    const int64_t created_ms = kFirstMs + static_cast<int64_t>(i) * 600'000;
    const std::string created = FormatTimestampMs(created_ms);  // 2026-01-01T00:00:00.000Z
    const fs::path dir = fs::path(home) / "sessions" / created.substr(0, 4) / created.substr(5, 2) /
                         created.substr(8, 2);
    std::error_code ec;
    fs::create_directories(dir, ec);
    std::ofstream file(dir / absl::StrCat("rollout-", created.substr(0, 10), "T",
                                          absl::StrReplaceAll(created.substr(11, 8), {{":", "-"}}),
                                          "-", id, ".jsonl"));
    for (size_t j = 0; j < events.size(); ++j) {
      const NewEvent& e = *events[j];
      const int64_t ms = created_ms + static_cast<int64_t>(j) * 1500;
      std::string payload;
      if (e.kind == EventKind::kSessionMeta) {
        nlohmann::ordered_json meta = nlohmann::ordered_json::parse(e.payload.view());
        meta["id"] = id;
        meta["timestamp"] = created;
        payload = meta.dump();
      }
      EventView view;
      view.kind = e.kind;
      view.timestamp_ms = ms;
      const std::string text = FormatTimestampMs(ms);
      view.timestamp_text = text;
      view.payload = payload.empty() ? e.payload.view() : std::string_view(payload);
      std::string line = FormatRolloutLine(view);
      file << line << '\n';
      out.bytes += line.size() + 1;
    }
    if (!file) return absl::InternalError(absl::StrCat("cannot write rollouts below ", home));
    out.events += events.size();
    out.ids.push_back(id);
    if ((i + 1) % 2000 == 0) progress << "  " << i + 1 << "/" << options.threads << " rollouts\n";
  }
  return out;
}

enum class Method { kList, kRead };

const char* MethodName(Method m) { return m == Method::kList ? "thread/list" : "thread/read"; }

// One request of `method` on `connection`, its answer checked to be what was asked for (an
// empty page or another thread would make the numbers meaningless).
absl::Status OneRequest(RpcConnection& connection, Method method, const std::string& id,
                        size_t expected_page, double* latency_ms) {
  Json params = Json::object();
  if (method == Method::kRead) params = {{"threadId", id}, {"includeTurns", true}};
  absl::StatusOr<Json> result = connection.Call(MethodName(method), params, latency_ms);
  if (!result.ok()) return result.status();
  if (method == Method::kList) {
    auto data = result->find("data");
    if (data == result->end() || !data->is_array() || data->size() != expected_page) {
      return absl::InternalError(absl::StrCat("thread/list's first page should hold ",
                                              expected_page,
                                              " threads: ", result->dump().substr(0, 300)));
    }
  } else {
    const Json& thread = (*result)["thread"];
    if (!thread.is_object() || thread.value("id", "") != id || !thread["turns"].is_array() ||
        thread["turns"].empty()) {
      return absl::InternalError(
          absl::StrCat("thread/read ", id, " gave no turns: ", result->dump().substr(0, 300)));
    }
  }
  return absl::OkStatus();
}

struct RunStats {
  double rps = 0, p50 = 0, p99 = 0;
  size_t samples = 0;
};

// `requests` requests per connection, all connections at once (one thread each).
absl::StatusOr<RunStats> RunPhase(const std::vector<RpcConnection*>& connections, Method method,
                                  int requests, const CodexHome& home, size_t expected_page,
                                  uint64_t seed) {
  const size_t n = connections.size();
  std::vector<std::vector<double>> latencies(n);
  std::vector<absl::Status> statuses(n);
  std::latch start(static_cast<ptrdiff_t>(n + 1));
  std::vector<std::thread> clients;
  for (size_t c = 0; c < n; ++c) {
    clients.emplace_back([&, c] {
      std::mt19937_64 rng(seed * 1000 + c);
      start.arrive_and_wait();
      for (int i = 0; i < requests && statuses[c].ok(); ++i) {
        double ms = 0;
        const std::string& id = home.ids[rng() % home.ids.size()];
        statuses[c] = OneRequest(*connections[c], method, id, expected_page, &ms);
        latencies[c].push_back(ms);
      }
    });
  }
  start.arrive_and_wait();
  const auto begin = Clock::now();
  for (std::thread& t : clients) t.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - begin).count();
  std::vector<double> all;
  for (size_t c = 0; c < n; ++c) {
    if (!statuses[c].ok()) return statuses[c];
    all.insert(all.end(), latencies[c].begin(), latencies[c].end());
  }
  return RunStats{all.size() / seconds, Percentile(all, 0.5), Percentile(all, 0.99), all.size()};
}

struct Row {
  std::string server, transport;
  size_t clients = 0;
  Method method = Method::kList;
  RunStats median;  // each column the median over runs; samples the total
};

// Every method, `runs` times, on `connections`; appends one row per method.
absl::Status Measure(const std::string& server, const std::string& transport,
                     const std::vector<RpcConnection*>& connections, int requests, int runs,
                     const CodexHome& home, size_t expected_page, uint64_t seed,
                     std::ostream& progress, std::vector<Row>* rows) {
  for (Method method : {Method::kList, Method::kRead}) {
    std::vector<double> rps, p50, p99;
    size_t samples = 0;
    for (int run = 0; run < runs; ++run) {
      absl::StatusOr<RunStats> stats =
          RunPhase(connections, method, requests, home, expected_page, seed + run);
      if (!stats.ok()) return stats.status();
      progress << absl::StrFormat("  %s %s x%d %s run %d/%d: %.0f req/s, p50 %.3f ms\n", server,
                                  transport, connections.size(), MethodName(method), run + 1, runs,
                                  stats->rps, stats->p50);
      rps.push_back(stats->rps);
      p50.push_back(stats->p50);
      p99.push_back(stats->p99);
      samples += stats->samples;
    }
    rows->push_back(
        {server, transport, connections.size(), method,
         RunStats{Percentile(rps, 0.5), Percentile(p50, 0.5), Percentile(p99, 0.5), samples}});
  }
  return absl::OkStatus();
}

// A few requests of each method, unmeasured: first touches of caches and pages, as any server
// gets before a client's second request.
absl::Status WarmUp(const std::vector<RpcConnection*>& connections, const CodexHome& home,
                    size_t expected_page) {
  for (RpcConnection* c : connections) {
    for (int i = 0; i < 10; ++i) {
      for (Method m : {Method::kList, Method::kRead}) {
        double ms;
        const std::string& id = home.ids[static_cast<size_t>(i) * 7919 % home.ids.size()];
        if (absl::Status s = OneRequest(*c, m, id, expected_page, &ms); !s.ok()) return s;
      }
    }
  }
  return absl::OkStatus();
}

// Waits for "listening on ws://IP:PORT" in a `threadlog serve --listen ws://...:0` log.
absl::StatusOr<uint16_t> WaitForPort(const ChildProcess& server) {
  constexpr std::string_view kMarker = "listening on ws://127.0.0.1:";
  const auto deadline = Clock::now() + std::chrono::seconds(60);
  while (Clock::now() < deadline) {
    std::ifstream in(server.stderr_path());
    std::string line;
    while (std::getline(in, line)) {
      size_t at = line.find(kMarker);
      uint32_t port = 0;
      if (at != std::string::npos && absl::SimpleAtoi(line.substr(at + kMarker.size()), &port) &&
          port > 0 && port < 65536) {
        return static_cast<uint16_t>(port);
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return absl::DeadlineExceededError(
      absl::StrCat("threadlog serve did not start listening within 60 s:\n", server.StderrTail()));
}

// The ids of thread/list's first page, comma-separated.
absl::StatusOr<std::string> FirstPage(RpcConnection& connection, double* latency_ms) {
  absl::StatusOr<Json> page = connection.Call("thread/list", Json::object(), latency_ms);
  if (!page.ok()) return page.status();
  std::string ids;
  for (const Json& t : (*page)["data"]) ids += t.value("id", "") + ",";
  return ids;
}

// Measures threadlog serve over stdio (1 client) and WebSocket (1 and 8 connections);
// `*first_page` gets the ids of thread/list's first page, to compare with Codex's.
absl::Status MeasureThreadlog(const RpcBenchOptions& options, const std::string& bin,
                              const Scratch& scratch, const CodexHome& home, size_t expected_page,
                              std::ostream& progress, std::vector<Row>* rows,
                              std::string* first_page) {
  const std::string store = scratch.Sub("store");
  constexpr auto kTimeout = std::chrono::seconds(60);
  {
    progress << "bench rpc: threadlog serve over stdio, 1 client\n";
    absl::StatusOr<std::unique_ptr<ChildProcess>> server =
        ChildProcess::Spawn({bin, "--home", store, "serve"}, {}, scratch.Sub("serve-stdio.log"));
    if (!server.ok()) return server.status();
    std::unique_ptr<RpcConnection> connection = StdioConnection(**server, kTimeout);
    if (absl::Status s = connection->Initialize(); !s.ok()) return s;
    absl::StatusOr<std::string> page = FirstPage(*connection, nullptr);
    if (!page.ok()) return page.status();
    *first_page = *std::move(page);
    std::vector<RpcConnection*> connections = {connection.get()};
    if (absl::Status s = WarmUp(connections, home, expected_page); !s.ok()) return s;
    if (absl::Status s = Measure("threadlog", "stdio", connections, options.requests, options.runs,
                                 home, expected_page, options.seed, progress, rows);
        !s.ok()) {
      return s;
    }
    (*server)->Stop();
  }
  absl::StatusOr<std::unique_ptr<ChildProcess>> server =
      ChildProcess::Spawn({bin, "--home", store, "serve", "--listen", "ws://127.0.0.1:0"}, {},
                          scratch.Sub("serve-ws.log"));
  if (!server.ok()) return server.status();
  absl::StatusOr<uint16_t> port = WaitForPort(**server);
  if (!port.ok()) return port.status();
  for (size_t clients : {size_t{1}, size_t{8}}) {
    progress << "bench rpc: threadlog serve over WebSocket, " << clients << " connection(s)\n";
    std::vector<std::unique_ptr<RpcConnection>> owned;
    std::vector<RpcConnection*> connections;
    for (size_t c = 0; c < clients; ++c) {
      absl::StatusOr<std::unique_ptr<RpcConnection>> connection = WsConnection(*port, kTimeout);
      if (!connection.ok()) return connection.status();
      if (absl::Status s = (*connection)->Initialize(); !s.ok()) return s;
      connections.push_back(connection->get());
      owned.push_back(*std::move(connection));
    }
    if (absl::Status s = WarmUp(connections, home, expected_page); !s.ok()) return s;
    if (absl::Status s = Measure("threadlog", "ws", connections, options.requests, options.runs,
                                 home, expected_page, options.seed, progress, rows);
        !s.ok()) {
      return s;
    }
  }
  (*server)->Stop(std::chrono::milliseconds(0));  // a WebSocket server stops on SIGTERM
  return absl::OkStatus();
}

// Codex is slower for its first seconds on a home it has not seen (about 10 s on 10,000
// rollouts with 2 cores, 20-30 ms per thread/list, then 8-12 ms), so thread/list back to back
// for at least `min_seconds`, then until the last five answers hold the same first page and
// their median time is within 25% of the five before. Returns a line saying what the warm-up
// took, and the first page.
absl::StatusOr<std::pair<std::string, std::string>> WarmUpCodex(RpcConnection& codex,
                                                                double min_seconds,
                                                                std::ostream& progress) {
  constexpr size_t kWindow = 5;
  constexpr double kMaxSeconds = 300;
  const auto begin = Clock::now();
  std::vector<std::string> pages;
  std::vector<double> times;
  for (;;) {
    double ms = 0;
    absl::StatusOr<std::string> page = FirstPage(codex, &ms);
    if (!page.ok()) return page.status();
    pages.push_back(*std::move(page));
    times.push_back(ms);
    const double seconds = std::chrono::duration<double>(Clock::now() - begin).count();
    bool stable = pages.size() >= 2 * kWindow;
    if (stable) {
      const auto end = times.end();
      const double last = Percentile({end - kWindow, end}, 0.5);
      const double before = Percentile({end - 2 * kWindow, end - kWindow}, 0.5);
      stable = last <= 1.25 * before && before <= 1.25 * last;
      for (size_t i = pages.size() - kWindow; stable && i < pages.size(); ++i) {
        stable = pages[i] == pages.back();
      }
    }
    if (pages.size() % 100 == 1) {
      progress << absl::StrFormat("  codex warm-up: %d thread/list calls, %.1f s, last %.1f ms\n",
                                  pages.size(), seconds, ms);
    }
    if ((stable && seconds >= min_seconds) || seconds > kMaxSeconds) {
      return std::pair{
          absl::StrFormat(
              "Codex was warmed up first: %d thread/list calls back to back over %.1f s (at "
              "least %.0f s, then %s).",
              pages.size(), seconds, min_seconds,
              stable ? "until the last five held the same first page in a median time within "
                       "25% of the five before"
                     : "its answers were still not stable; measured anyway"),
          pages.back()};
    }
  }
}

const Row* FindRow(const std::vector<Row>& rows, const std::string& server,
                   const std::string& transport, size_t clients, Method method) {
  for (const Row& r : rows) {
    if (r.server == server && r.transport == transport && r.clients == clients &&
        r.method == method) {
      return &r;
    }
  }
  return nullptr;
}

}  // namespace

absl::Status RunRpcBench(const RpcBenchOptions& options, std::ostream& out,
                         std::ostream& progress) {
  if (options.threads == 0 || options.requests <= 0 || options.runs <= 0) {
    return absl::InvalidArgumentError("--threads, --requests and --runs must be positive");
  }
  std::error_code ec;
  std::string bin = options.threadlog_bin;
  if (bin == "/proc/self/exe") bin = fs::read_symlink(bin, ec).string();
  if (ec || bin.empty()) return absl::InternalError("cannot find the threadlog binary");
  Scratch scratch(options.scratch_dir, "rpc");
  const std::string codex_home = scratch.Sub("codex-home");

  progress << "bench rpc: writing a Codex home of " << options.threads << " rollouts\n";
  absl::StatusOr<CodexHome> home = WriteCodexHome(options, codex_home, progress);
  if (!home.ok()) return home.status();

  progress << "bench rpc: importing it into a threadlog store\n";
  {
    absl::StatusOr<std::unique_ptr<ThreadStore>> store = ThreadStore::Open(scratch.Sub("store"));
    if (!store.ok()) return store.status();
    CodexImportStats stats;
    if (absl::Status s = ImportCodex(**store, {codex_home}, {}, {}, &stats); !s.ok()) return s;
    if (absl::Status s = (*store)->Close(); !s.ok()) return s;
    if (stats.rollouts.threads_created != options.threads) {
      return absl::InternalError(absl::StrCat("the import made ", stats.rollouts.threads_created,
                                              " threads of ", options.threads, " rollouts"));
    }
  }

  // Codex's and threadlog's default page size.
  const size_t expected_page = std::min<uint64_t>(options.threads, 25);
  std::vector<Row> rows;
  std::string threadlog_page;
  if (absl::Status s = MeasureThreadlog(options, bin, scratch, *home, expected_page, progress,
                                        &rows, &threadlog_page);
      !s.ok()) {
    return s;
  }

  std::string codex_note;
  if (!fs::exists(options.codex_bin, ec)) {
    codex_note = absl::StrCat(
        "Codex comparison skipped: no Codex binary at ", options.codex_bin,
        " (install it with `npm install @openai/codex@", kCodexVersion,
        "` and pass --codex-bin "
        "node_modules/@openai/codex-linux-x64/vendor/x86_64-unknown-linux-musl/codex/codex).");
  } else {
    progress << "bench rpc: codex app-server over stdio, 1 client\n";
    absl::StatusOr<std::unique_ptr<ChildProcess>> codex = ChildProcess::Spawn(
        {options.codex_bin, "app-server"}, {{"CODEX_HOME", codex_home}}, scratch.Sub("codex.log"));
    if (!codex.ok()) return codex.status();
    std::unique_ptr<RpcConnection> connection = StdioConnection(**codex, std::chrono::seconds(300));
    if (absl::Status s = connection->Initialize(); !s.ok()) return s;
    absl::StatusOr<std::pair<std::string, std::string>> warm =
        WarmUpCodex(*connection, options.codex_warmup_seconds, progress);
    if (!warm.ok()) return warm.status();
    codex_note = absl::StrCat(warm->first, " First page the same as threadlog's: ",
                              warm->second == threadlog_page ? "yes" : "NO", ".");
    if (absl::Status s =
            Measure(CodexRowName(), "stdio", {connection.get()}, options.codex_requests,
                    options.runs, *home, expected_page, options.seed, progress, &rows);
        !s.ok()) {
      return s;
    }
    (*codex)->Stop();
  }

  out << absl::StrFormat(
      "threadlog bench rpc: %d threads (%d events, %.1f MB of rollout JSONL), one Codex home "
      "imported into a threadlog store; medians of %d runs\n",
      home->ids.size(), home->events, home->bytes / 1e6, options.runs);
  out << "thread/list: first page, default params; thread/read: includeTurns, a random thread "
         "per request\n";
  out << "stdio serves one client per server process, so stdio is measured with 1 client; "
         "WebSocket with 1 and 8 concurrent connections (one thread each)\n";
  out << absl::StrFormat("| %-13s | %-9s | %7s | %-11s | %10s | %9s | %9s | %8s |\n", "server",
                         "transport", "clients", "method", "req/s", "p50 ms", "p99 ms", "requests");
  for (const Row& r : rows) {
    out << absl::StrFormat("| %-13s | %-9s | %7d | %-11s | %10.0f | %9.3f | %9.3f | %8d |\n",
                           r.server, r.transport, r.clients, MethodName(r.method), r.median.rps,
                           r.median.p50, r.median.p99, r.median.samples);
  }
  out << codex_note << "\n";
  for (auto [method, target] : {std::pair{Method::kList, 100.0}, std::pair{Method::kRead, 50.0}}) {
    const Row* ours = FindRow(rows, "threadlog", "stdio", 1, method);
    const Row* codex = FindRow(rows, CodexRowName(), "stdio", 1, method);
    if (ours == nullptr || codex == nullptr || ours->median.p50 <= 0) continue;
    const double ratio = codex->median.p50 / ours->median.p50;
    out << absl::StrFormat(
        "%s p50, Codex / threadlog (stdio, 1 client): %.1fx (target >= %.0fx: %s)\n",
        MethodName(method), ratio, target, ratio >= target ? "met" : "NOT met");
  }
  return absl::OkStatus();
}

}  // namespace threadlog::bench
