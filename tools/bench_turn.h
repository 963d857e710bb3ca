// `threadlog bench turn` and `bench exec`: turns against an in-process mock Responses API,
// through threadlog serve and the real Codex app-server: latency, turns/s, first delta, peak
// RSS; and what a command run through a turn costs, and how fast its output streams.
#ifndef THREADLOG_TOOLS_BENCH_TURN_H_
#define THREADLOG_TOOLS_BENCH_TURN_H_

#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "tools/bench_rpc.h"

namespace threadlog::bench {

struct TurnBenchOptions {
  std::string scratch_dir;  // each server's Codex home, store and cwd are made (and removed) here
  std::string threadlog_bin = "/proc/self/exe";  // the binary whose `serve` is measured
  std::string codex_bin = kDefaultCodexBin;      // missing: the Codex comparison is skipped
  int turns = 50;                  // sequential turns on one thread per run (threadlog)
  int codex_turns = 20;            // the same for Codex, whose turns take much longer
  int concurrent_threads = 16;     // threads turning at once in the turns/s phase
  int concurrent_turns = 10;       // turns per thread in that phase (threadlog)
  int codex_concurrent_turns = 3;  // the same for Codex
  int rss_after_turns = 20;        // peak RSS is read once this many sequential turns completed
  int runs = 3;                    // the table shows medians over runs
  int turn_timeout_seconds = 30;   // a turn not completed by then fails the benchmark
  // For tests of the failure path: the mock sends response.created and then holds the stream
  // open without finishing it, so no turn ever completes.
  bool mock_never_completes = false;
  bool concurrent_phase = true;  // false: no turns/s phase (bench exec measures turns alone)
};

struct ExecBenchOptions {
  std::string scratch_dir;
  std::string threadlog_bin = "/proc/self/exe";
  std::string codex_bin = kDefaultCodexBin;  // missing: the Codex comparison is skipped
  int turns = 30;                            // sequential turns per mode and run (threadlog)
  int codex_turns = 10;                      // the same for Codex
  int output_mb = 100;                       // what the output turn's command prints
  int runs = 3;
  int turn_timeout_seconds = 120;
};

// `threadlog bench exec`: what running a command through a turn costs. Per server (threadlog
// serve, and Codex's app-server when its binary exists) and run, on the mock of bench turn
// whose model calls exec_command once per turn and then answers: the p50 of trivial turns,
// the p50 of turns running `true` (model asks, command runs, model answers) and their
// difference, the overhead; then one turn whose command prints `output_mb` MB (every byte told
// to the client as item/commandExecution/outputDelta): its time, and MB/s. Prints the medians
// and the targets (overhead Codex / threadlog >= 10x; threadlog's MB/s >= Codex's), PASS or
// MISS. Errors as RunTurnBench's.
absl::Status RunExecBench(const ExecBenchOptions& options, std::ostream& out,
                          std::ostream& progress);

// Starts a mock Responses API on 127.0.0.1 in this process (every POST .../responses answered
// at once with the complete SSE stream of a turn of one assistant message, "Done."), then,
// `runs` times, for threadlog serve and (when its binary exists) codex app-server, each on
// stdio in a fresh scratch CODEX_HOME whose config.toml points at the mock:
//   thread/start: request written -> answer read, p50 over the 1 + concurrent_threads starts;
//   turn: `turns` sequential turns on one thread (the same thread, so its history grows a
//     little, as in a session), turn/start written -> its turn/completed read, p50/p99;
//   first delta: for each of those turns, the mock writing the first SSE byte of the turn's
//     request -> the client reading the first item/agentMessage/delta (one steady clock: both
//     ends are in this process), p50/p99;
//   peak RSS: the server's VmHWM once `rss_after_turns` of those turns completed (after the
//     last one when there are fewer);
//   turns/s: `concurrent_threads` new threads, a turn started on each at once and a thread's
//     next as soon as its last completes, `concurrent_turns` each; turns / wall time.
// Prints a table of the medians over runs, then the targets (turn p50 Codex / threadlog >= 20x,
// threadlog's first delta p50 <= 1 ms, peak RSS threadlog <= Codex / 3), each PASS or MISS, to
// `out`; progress to `progress`. Scratch folders are removed and every child process reaped,
// whatever happens.
// Errors: kInvalidArgument for counts that are not positive; a server that does not start,
// answers a request with an error or fails a turn (kInternal, quoting it and the server's
// stderr); a turn not completed within `turn_timeout_seconds` (kDeadlineExceeded, naming the
// server, the turn and what the mock saw of it). A missing Codex binary is noted in the output.
absl::Status RunTurnBench(const TurnBenchOptions& options, std::ostream& out,
                          std::ostream& progress);

}  // namespace threadlog::bench

#endif  // THREADLOG_TOOLS_BENCH_TURN_H_
