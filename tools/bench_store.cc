// Store benchmarks: thread/list pages, thread/read turns, projection rebuild, rollout import.
#include "tools/bench_store.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "eventlog/codex_import.h"
#include "eventlog/rollout_line.h"
#include "eventlog/timestamp.h"
#include "projections/thread_store.h"
#include "tools/bench_util.h"
#include "tools/synthetic_events.h"

namespace threadlog::bench {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double Millis(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

absl::Status AppendThread(ThreadStore& store, const ThreadId& id,
                          const std::vector<NewEvent>& events) {
  uint64_t last = 0;
  constexpr size_t kBatch = 256;
  for (size_t i = 0; i < events.size(); i += kBatch) {
    size_t n = std::min(kBatch, events.size() - i);
    absl::StatusOr<AppendResult> r = store.Append(
        id, last, std::span<const NewEvent>(events).subspan(i, n), Durability::kBuffered);
    if (!r.ok()) return r.status();
    last = r->last_seq;
  }
  return absl::OkStatus();
}

// `count` small threads: a pool of synthetic ones, cloned under fresh ids (the session_meta's
// id is rewritten) with their times shifted so every clone has its own place in the index.
absl::Status FillWithThreads(ThreadStore& store, const StoreBenchOptions& options, uint64_t count,
                             std::ostream& progress) {
  constexpr uint64_t kPool = 2000, kEventsPerThread = 12;
  absl::StatusOr<std::vector<SyntheticThread>> pool = MakeSyntheticThreads(
      options.fixtures_dir, kPool * kEventsPerThread, options.seed, kEventsPerThread);
  if (!pool.ok()) return pool.status();
  for (uint64_t i = 0; i < count; ++i) {
    const SyntheticThread& base = (*pool)[i % pool->size()];
    ThreadId id = ThreadId::NewV7();
    std::vector<NewEvent> events = base.events;
    const int64_t shift = static_cast<int64_t>(i) * 1000;
    for (NewEvent& e : events) {
      e.timestamp_ms += shift;
      if (e.kind == EventKind::kSessionMeta) {
        absl::StatusOr<JsonText> payload = JsonText::Parse(
            absl::StrReplaceAll(e.payload.str(), {{base.id.ToString(), id.ToString()}}));
        if (!payload.ok()) return payload.status();
        e.payload = *std::move(payload);
      }
    }
    if (absl::Status s = AppendThread(store, id, events); !s.ok()) return s;
    if ((i + 1) % 20000 == 0) progress << "  " << i + 1 << "/" << count << " threads\n";
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status RunListBench(const StoreBenchOptions& options, std::ostream& out,
                          std::ostream& progress) {
  out << "threadlog bench list: thread/list first page (50, sortKey updated_at)\n";
  out << "rows: the stored listing rows thread/list answers with (ListJson); summaries: the same "
         "page as parsed ThreadSummary (List, what inspect uses)\n";
  out << absl::StrFormat("| %10s | %12s | %12s | %15s | %10s |\n", "threads", "rows p50 ms",
                         "rows p99 ms", "summaries p50 ms", "samples");
  for (uint64_t count : options.thread_counts) {
    Scratch scratch(options.scratch_dir, absl::StrCat("list-", count));
    progress << "bench list: filling a store with " << count << " threads\n";
    absl::StatusOr<std::unique_ptr<ThreadStore>> store = ThreadStore::Open(scratch.Sub("store"));
    if (!store.ok()) return store.status();
    if (absl::Status s = FillWithThreads(**store, options, count, progress); !s.ok()) return s;
    ListQuery query;
    query.sort = SortKey::kUpdatedAt;
    query.limit = 50;
    query.require_user_message = true;
    std::vector<double> rows, summaries;
    for (int run = 0; run < options.runs; ++run) {
      for (int i = 0; i < 200; ++i) {
        auto start = Clock::now();
        absl::StatusOr<ListedPage> page = (*store)->ListJson(query);
        rows.push_back(Millis(Clock::now() - start));
        if (!page.ok()) return page.status();
        if (page->threads.size() != 50) {
          return absl::InternalError(absl::StrCat("page held ", page->threads.size(), " threads"));
        }
        start = Clock::now();
        absl::StatusOr<ThreadPage> parsed = (*store)->List(query);
        summaries.push_back(Millis(Clock::now() - start));
        if (!parsed.ok()) return parsed.status();
        if (parsed->threads.size() != 50) {
          return absl::InternalError(
              absl::StrCat("page held ", parsed->threads.size(), " threads"));
        }
      }
    }
    out << absl::StrFormat("| %10d | %12.3f | %12.3f | %15.3f | %10d |\n", count,
                           Percentile(rows, 0.5), Percentile(rows, 0.99),
                           Percentile(summaries, 0.5), rows.size());
    if (absl::Status s = (*store)->Close(); !s.ok()) return s;
  }
  out << "target: p50 <= 2 ms at 100,000 threads\n";
  return absl::OkStatus();
}

absl::Status RunReadBench(const StoreBenchOptions& options, std::ostream& out,
                          std::ostream& progress) {
  out << "threadlog bench read: thread/read with turns (summary + turns from projections)\n";
  out << absl::StrFormat("| %10s | %8s | %14s | %14s | %18s |\n", "events", "turns", "all p50 ms",
                         "all p99 ms", "last 10 p50 ms");
  for (uint64_t events : options.thread_events) {
    Scratch scratch(options.scratch_dir, absl::StrCat("read-", events));
    progress << "bench read: a thread of " << events << " events\n";
    absl::StatusOr<SyntheticThread> thread =
        MakeLongThread(options.fixtures_dir, events, options.seed);
    if (!thread.ok()) return thread.status();
    absl::StatusOr<std::unique_ptr<ThreadStore>> store = ThreadStore::Open(scratch.Sub("store"));
    if (!store.ok()) return store.status();
    if (absl::Status s = AppendThread(**store, thread->id, thread->events); !s.ok()) return s;
    std::vector<double> all, last10;
    size_t turns = 0;
    for (int run = 0; run < options.runs; ++run) {
      for (int i = 0; i < 20; ++i) {
        auto start = Clock::now();
        auto summary = (*store)->GetThread(thread->id);
        auto read = (*store)->ReadTurns(thread->id);
        all.push_back(Millis(Clock::now() - start));
        if (!summary.ok() || !read.ok()) return read.status();
        turns = read->size();
      }
      for (int i = 0; i < 100; ++i) {
        auto start = Clock::now();
        auto summary = (*store)->GetThread(thread->id);
        auto read = (*store)->ReadTurns(thread->id, 10);
        last10.push_back(Millis(Clock::now() - start));
        if (!summary.ok() || !read.ok()) return read.status();
      }
    }
    out << absl::StrFormat("| %10d | %8d | %14.3f | %14.3f | %18.3f |\n", thread->events.size(),
                           turns, Percentile(all, 0.5), Percentile(all, 0.99),
                           Percentile(last10, 0.5));
    if (absl::Status s = (*store)->Close(); !s.ok()) return s;
  }
  out << "target: p50 <= 5 ms at 10,000 events; the last-10 column flat as threads grow\n";
  return absl::OkStatus();
}

absl::Status RunRebuildBench(const StoreBenchOptions& options, std::ostream& out,
                             std::ostream& progress) {
  Scratch scratch(options.scratch_dir, "rebuild");
  progress << "bench rebuild: appending " << options.rebuild_events << " events\n";
  absl::StatusOr<std::vector<SyntheticThread>> threads =
      MakeSyntheticThreads(options.fixtures_dir, options.rebuild_events, options.seed);
  if (!threads.ok()) return threads.status();
  absl::StatusOr<std::unique_ptr<ThreadStore>> store = ThreadStore::Open(scratch.Sub("store"));
  if (!store.ok()) return store.status();
  uint64_t events = 0;
  for (const SyntheticThread& t : *threads) {
    if (absl::Status s = AppendThread(**store, t.id, t.events); !s.ok()) return s;
    events += t.events.size();
  }
  std::vector<double> rates;
  for (int run = 0; run < options.runs; ++run) {
    auto start = Clock::now();
    if (absl::Status s = (*store)->Rebuild(); !s.ok()) return s;
    double seconds = Millis(Clock::now() - start) / 1000;
    rates.push_back(events / seconds);
    progress << absl::StrFormat("run %d/%d: %.0f events/s\n", run + 1, options.runs, rates.back());
  }
  out << absl::StrFormat(
      "threadlog bench rebuild: %d events in %d threads, %d runs: median %.0f events/s (min "
      "%.0f, max %.0f); target >= 500000\n",
      events, threads->size(), rates.size(), Median(rates),
      *std::min_element(rates.begin(), rates.end()), *std::max_element(rates.begin(), rates.end()));
  return (*store)->Close();
}

absl::Status RunImportBench(const StoreBenchOptions& options, std::ostream& out,
                            std::ostream& progress) {
  Scratch scratch(options.scratch_dir, "import");
  const uint64_t approx_events = options.import_bytes / 450 + 1;
  progress << "bench import: writing about " << options.import_bytes / 1000000
           << " MB of rollouts\n";
  absl::StatusOr<std::vector<SyntheticThread>> threads =
      MakeSyntheticThreads(options.fixtures_dir, approx_events, options.seed);
  if (!threads.ok()) return threads.status();
  const fs::path sessions = fs::path(scratch.Sub("home")) / "sessions/2026/01/01";
  std::error_code ec;
  fs::create_directories(sessions, ec);
  uint64_t bytes = 0;
  for (const SyntheticThread& t : *threads) {
    std::ofstream file(sessions /
                       absl::StrCat("rollout-2026-01-01T00-00-00-", t.id.ToString(), ".jsonl"));
    for (const NewEvent& e : t.events) {
      EventView view;
      view.kind = e.kind;
      view.timestamp_ms = e.timestamp_ms;
      view.timestamp_text = e.timestamp_text;
      view.payload = e.payload.view();
      std::string line = FormatRolloutLine(view);
      file << line << '\n';
      bytes += line.size() + 1;
    }
    if (!file) return absl::InternalError("cannot write the benchmark's rollouts");
  }
  std::vector<double> rates;
  for (int run = 0; run < options.runs; ++run) {
    std::string dir = scratch.Sub(absl::StrCat("store-", run));
    // As `threadlog import` opens it: bulk loading, durable at Close (counted below).
    absl::StatusOr<std::unique_ptr<ThreadStore>> store =
        ThreadStore::Open(dir, {.progress = {}, .bulk_load = true});
    if (!store.ok()) return store.status();
    CodexImportStats stats;
    auto start = Clock::now();
    absl::Status s = ImportCodex(**store, {scratch.Sub("home")}, {}, {}, &stats);
    if (s.ok()) s = (*store)->Close();  // the import is done when it is durable
    double seconds = Millis(Clock::now() - start) / 1000;
    if (!s.ok()) return s;
    rates.push_back(bytes / 1e6 / seconds);
    progress << absl::StrFormat("run %d/%d: %.1f MB/s\n", run + 1, options.runs, rates.back());
    fs::remove_all(dir, ec);
  }
  out << absl::StrFormat(
      "threadlog bench import: %.1f MB of rollout JSONL in %d files, %d runs: median %.1f MB/s "
      "(min %.1f, max %.1f); target >= 100\n",
      bytes / 1e6, threads->size(), rates.size(), Median(rates),
      *std::min_element(rates.begin(), rates.end()), *std::max_element(rates.begin(), rates.end()));
  return absl::OkStatus();
}

}  // namespace threadlog::bench
