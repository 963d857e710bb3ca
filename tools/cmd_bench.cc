// `threadlog bench <name>`: the benchmarks, each printing a table of medians.
#include <iostream>

#include "absl/strings/str_cat.h"
#include "eventlog/codex_version.h"
#include "tools/bench_append.h"
#include "tools/bench_rpc.h"
#include "tools/bench_store.h"
#include "tools/bench_turn.h"
#include "tools/cli.h"

namespace threadlog::cli {

void RegisterBench(CLI::App& app, GlobalOptions& /*global*/, Action* action) {
  CLI::App* bench = app.add_subcommand("bench", "Benchmarks (medians of several runs)");
  bench->require_subcommand(1);

  auto append = std::make_shared<bench::AppendBenchOptions>();
  append->fixtures_dir = std::string(THREADLOG_SOURCE_DIR) + "/tests/fixtures";
  const char* tmp = std::getenv("TMPDIR");
  append->scratch_dir = tmp && *tmp ? tmp : "/tmp";
  CLI::App* cmd = bench->add_subcommand(
      "append", "Append throughput: buffered, sync with 1/4/16 appenders vs raw fsync, disk ratio");
  cmd->add_option("--events", append->events, "events appended per buffered run")
      ->capture_default_str();
  cmd->add_option("--runs", append->runs, "runs; the table shows medians")
      ->capture_default_str()
      ->check(CLI::Range(1, 100));
  cmd->add_option("--sync-seconds", append->sync_seconds, "duration of each sync measurement")
      ->capture_default_str();
  cmd->add_option("--fixtures", append->fixtures_dir, "folder of rollout templates")
      ->capture_default_str();
  cmd->add_option("--scratch", append->scratch_dir, "where the benchmark stores are made")
      ->capture_default_str();
  cmd->add_option("--seed", append->seed, "synthetic data seed")->capture_default_str();
  cmd->callback([append, action] {
    *action = [append] {
      absl::Status s = bench::RunAppendBench(*append, std::cout, std::cerr);
      return s.ok() ? 0 : ReportError(s);
    };
  });

  auto rpc = std::make_shared<bench::RpcBenchOptions>();
  // Only the templates recorded with the default model provider: Codex's thread/list filters
  // on it by default, and both servers must list the same threads.
  rpc->fixtures_dir = append->fixtures_dir + "/codex-rollouts";
  rpc->scratch_dir = append->scratch_dir;
  cmd = bench->add_subcommand("rpc",
                              "thread/list and thread/read over stdio and WebSocket, req/s and "
                              "p50/p99, against Codex's app-server on the same rollouts");
  cmd->add_option("--threads", rpc->threads, "rollouts in the Codex home")->capture_default_str();
  cmd->add_option("--requests", rpc->requests, "requests of each method per client per run")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--codex-requests", rpc->codex_requests,
                  "requests of each method per run against Codex")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--codex-warmup-seconds", rpc->codex_warmup_seconds,
                  "Codex gets thread/list calls for at least this long (then until its times "
                  "are stable) before it is measured")
      ->capture_default_str();
  cmd->add_option("--runs", rpc->runs, "runs; the table shows medians")
      ->capture_default_str()
      ->check(CLI::Range(1, 100));
  cmd->add_option("--codex-bin", rpc->codex_bin,
                  absl::StrCat("the Codex ", kCodexVersion, " binary (npm install @openai/codex@",
                               kCodexVersion, "); when missing the comparison is skipped"))
      ->capture_default_str();
  cmd->add_option("--fixtures", rpc->fixtures_dir, "folder of rollout templates")
      ->capture_default_str();
  cmd->add_option("--scratch", rpc->scratch_dir, "where the Codex home and the store are made")
      ->capture_default_str();
  cmd->add_option("--seed", rpc->seed, "synthetic data seed")->capture_default_str();
  cmd->callback([rpc, action] {
    *action = [rpc] {
      absl::Status s = bench::RunRpcBench(*rpc, std::cout, std::cerr);
      return s.ok() ? 0 : ReportError(s);
    };
  });

  auto exec = std::make_shared<bench::ExecBenchOptions>();
  exec->scratch_dir = append->scratch_dir;
  cmd = bench->add_subcommand(
      "exec",
      "what a command costs through a turn (the mock model calls exec_command `true`, then "
      "answers): the overhead over a trivial turn, and the MB/s of a command printing 100 MB, "
      "against Codex's app-server on the same mock");
  cmd->add_option("--turns", exec->turns, "sequential turns per mode and run")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--codex-turns", exec->codex_turns, "the same against Codex")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--output-mb", exec->output_mb, "what the output turn's command prints, in MB")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000));
  cmd->add_option("--turn-timeout", exec->turn_timeout_seconds,
                  "seconds a turn may take before the benchmark fails")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--runs", exec->runs, "runs; the table shows medians")
      ->capture_default_str()
      ->check(CLI::Range(1, 100));
  cmd->add_option("--codex-bin", exec->codex_bin,
                  absl::StrCat("the Codex ", kCodexVersion,
                               " binary; when missing the comparison "
                               "is skipped"))
      ->capture_default_str();
  cmd->add_option("--threadlog-bin", exec->threadlog_bin,
                  "the threadlog binary whose serve is measured (default: this one)")
      ->capture_default_str();
  cmd->add_option("--scratch", exec->scratch_dir,
                  "where each server's Codex home, store and cwd are made")
      ->capture_default_str();
  cmd->callback([exec, action] {
    *action = [exec] {
      absl::Status s = bench::RunExecBench(*exec, std::cout, std::cerr);
      return s.ok() ? 0 : ReportError(s);
    };
  });

  auto turn = std::make_shared<bench::TurnBenchOptions>();
  turn->scratch_dir = append->scratch_dir;
  cmd = bench->add_subcommand(
      "turn",
      "trivial turns against an in-process mock model: turn/start to turn/completed p50/p99, "
      "turns/s with 16 threads at once, first SSE byte to first delta, peak RSS, against "
      "Codex's app-server on the same mock");
  cmd->add_option("--turns", turn->turns, "sequential turns on one thread per run")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--codex-turns", turn->codex_turns, "the same against Codex")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--threads", turn->concurrent_threads, "threads turning at once for turns/s")
      ->capture_default_str()
      ->check(CLI::Range(1, 256));
  cmd->add_option("--concurrent-turns", turn->concurrent_turns,
                  "turns per thread in the turns/s phase")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--codex-concurrent-turns", turn->codex_concurrent_turns,
                  "the same against Codex")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--rss-after-turns", turn->rss_after_turns,
                  "peak RSS is read once this many sequential turns completed")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--turn-timeout", turn->turn_timeout_seconds,
                  "seconds a turn may take before the benchmark fails")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--runs", turn->runs, "runs; the table shows medians")
      ->capture_default_str()
      ->check(CLI::Range(1, 100));
  cmd->add_option("--codex-bin", turn->codex_bin,
                  absl::StrCat("the Codex ", kCodexVersion, " binary (npm install @openai/codex@",
                               kCodexVersion, "); when missing the comparison is skipped"))
      ->capture_default_str();
  cmd->add_option("--threadlog-bin", turn->threadlog_bin,
                  "the threadlog binary whose serve is measured (default: this one)")
      ->capture_default_str();
  cmd->add_option("--scratch", turn->scratch_dir,
                  "where each server's Codex home, store and cwd are made")
      ->capture_default_str();
  cmd->callback([turn, action] {
    *action = [turn] {
      absl::Status s = bench::RunTurnBench(*turn, std::cout, std::cerr);
      return s.ok() ? 0 : ReportError(s);
    };
  });

  auto store = std::make_shared<bench::StoreBenchOptions>();
  store->fixtures_dir = append->fixtures_dir;
  store->scratch_dir = append->scratch_dir;
  using StoreBench =
      absl::Status (*)(const bench::StoreBenchOptions&, std::ostream&, std::ostream&);
  struct Entry {
    const char* name;
    const char* help;
    StoreBench run;
  };
  for (const Entry& e : {
           Entry{"list", "thread/list first page by updatedAt over 10,000 and 100,000 threads",
                 &bench::RunListBench},
           Entry{"read", "thread/read with turns for threads of 1,000 to 100,000 events",
                 &bench::RunReadBench},
           Entry{"rebuild", "projection rebuild from the log, events/s", &bench::RunRebuildBench},
           Entry{"import", "rollout JSONL import, MB/s", &bench::RunImportBench},
       }) {
    CLI::App* sub = bench->add_subcommand(e.name, e.help);
    sub->add_option("--runs", store->runs, "runs; tables show medians")->capture_default_str();
    sub->add_option("--fixtures", store->fixtures_dir, "folder of rollout templates");
    sub->add_option("--scratch", store->scratch_dir, "where benchmark stores are made");
    if (std::string(e.name) == "list") {
      sub->add_option("--threads", store->thread_counts, "thread counts")->capture_default_str();
    } else if (std::string(e.name) == "read") {
      sub->add_option("--events", store->thread_events, "thread sizes in events")
          ->capture_default_str();
    } else if (std::string(e.name) == "rebuild") {
      sub->add_option("--events", store->rebuild_events, "events in the store")
          ->capture_default_str();
    } else {
      sub->add_option("--bytes", store->import_bytes, "rollout bytes to import")
          ->capture_default_str();
    }
    StoreBench run = e.run;
    sub->callback([store, run, action] {
      *action = [store, run] {
        absl::Status s = run(*store, std::cout, std::cerr);
        return s.ok() ? 0 : ReportError(s);
      };
    });
  }
}

}  // namespace threadlog::cli
