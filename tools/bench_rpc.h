// `threadlog bench rpc`: thread/list and thread/read over JSON-RPC (stdio, WebSocket), against
// threadlog serve and the real Codex app-server on the same rollouts.
#ifndef THREADLOG_TOOLS_BENCH_RPC_H_
#define THREADLOG_TOOLS_BENCH_RPC_H_

#include <cstdint>
#include <ostream>
#include <string>

#include "absl/status/status.h"

namespace threadlog::bench {

// Where `npm install @openai/codex@<kCodexVersion>` in /opt/codex puts the binary.
inline constexpr const char* kDefaultCodexBin =
    "/opt/codex/node_modules/@openai/codex-linux-x64/vendor/x86_64-unknown-linux-musl/codex/codex";

struct RpcBenchOptions {
  std::string fixtures_dir;  // rollout templates
  std::string scratch_dir;   // the Codex home and the store are made (and removed) below it
  std::string threadlog_bin = "/proc/self/exe";  // the binary whose `serve` is measured
  std::string codex_bin = kDefaultCodexBin;      // missing: the Codex comparison is skipped
  uint64_t threads = 10'000;                     // rollouts in the Codex home
  int requests = 200;                // requests of each method per client per run (threadlog)
  int codex_requests = 20;           // the same for Codex, whose answers take much longer
  double codex_warmup_seconds = 15;  // Codex gets thread/list calls this long, at least, first
  int runs = 3;                      // the table shows medians over runs
  uint64_t seed = 1;
};

// Writes a Codex home of `threads` small rollouts (a few turns each), imports it into a
// scratch store, then measures requests/s and p50/p99 latency of thread/list (first page,
// default params) and thread/read (includeTurns, a random thread per request) through
// `threadlog serve` over stdio (1 client: a stdio server has one) and WebSocket (1 and 8
// concurrent connections), and through `codex app-server` (stdio, 1 client) on the same home
// after warming it up. Prints the table and the Codex/threadlog p50 ratios against the targets
// (>= 100x list, >= 50x read) to `out`, progress to `progress`. Scratch folders are removed.
// Errors: a server that fails to start or answers with an error (for Codex only when the binary
// exists; a missing binary is reported in the output and skipped).
absl::Status RunRpcBench(const RpcBenchOptions& options, std::ostream& out, std::ostream& progress);

}  // namespace threadlog::bench

#endif  // THREADLOG_TOOLS_BENCH_RPC_H_
