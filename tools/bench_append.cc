// The append benchmark: buffered and sync throughput, group commit, raw fsync limit, disk ratio.
#include "tools/bench_append.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "eventlog/event_store.h"
#include "eventlog/rollout_line.h"
#include "tools/bench_util.h"
#include "tools/synthetic_events.h"

namespace threadlog::bench {
namespace {

using Clock = std::chrono::steady_clock;
constexpr size_t kTurnBatch = 20;  // events per append in the sync figures: about one turn

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

struct RunResult {
  double buffered_events_per_s = 0;
  double buffered_mb_per_s = 0;
  double sync_events_per_s[3] = {0, 0, 0};  // 1, 4, 16 appenders
  double raw_events_per_s = 0;
  double stored_ratio = 0;
};

constexpr int kAppenders[3] = {1, 4, 16};

// The synthetic events as a flat cycle of turn-sized batches, for the sync appenders.
std::vector<std::vector<NewEvent>> TurnBatches(const std::vector<SyntheticThread>& threads) {
  std::vector<std::vector<NewEvent>> batches;
  for (const SyntheticThread& t : threads) {
    for (size_t i = 0; i < t.events.size(); i += kTurnBatch) {
      size_t end = std::min(t.events.size(), i + kTurnBatch);
      batches.emplace_back(t.events.begin() + i, t.events.begin() + end);
    }
  }
  return batches;
}

absl::StatusOr<double> BufferedRun(const std::string& dir,
                                   const std::vector<SyntheticThread>& threads, uint64_t events,
                                   double* stored_ratio, uint64_t jsonl_bytes) {
  absl::StatusOr<std::unique_ptr<EventStore>> store = EventStore::Open(dir);
  if (!store.ok()) return store.status();
  auto start = Clock::now();
  for (const SyntheticThread& t : threads) {
    uint64_t last = 0;
    for (size_t i = 0; i < t.events.size(); i += kTurnBatch) {
      size_t n = std::min(kTurnBatch, t.events.size() - i);
      absl::StatusOr<AppendResult> r = (*store)->Append(
          t.id, last, std::span<const NewEvent>(t.events).subspan(i, n), Durability::kBuffered);
      if (!r.ok()) return r.status();
      last = r->last_seq;
    }
  }
  double seconds = Seconds(start);
  if (absl::Status s = (*store)->CompactAll(); !s.ok()) return s;
  absl::StatusOr<StoreStats> stats = (*store)->Stats();
  if (!stats.ok()) return stats.status();
  *stored_ratio = static_cast<double>(stats->bytes_on_disk) / jsonl_bytes;
  if (absl::Status s = (*store)->Close(); !s.ok()) return s;
  return events / seconds;
}

absl::StatusOr<double> SyncRun(const std::string& dir,
                               const std::vector<std::vector<NewEvent>>& batches, int appenders,
                               double duration) {
  absl::StatusOr<std::unique_ptr<EventStore>> store = EventStore::Open(dir);
  if (!store.ok()) return store.status();
  std::atomic<uint64_t> appended{0};
  std::atomic<bool> failed{false};
  absl::Status first_error;
  std::mutex error_mu;
  std::vector<std::thread> workers;
  auto start = Clock::now();
  for (int a = 0; a < appenders; ++a) {
    workers.emplace_back([&, a] {
      ThreadId thread = ThreadId::NewV7();
      uint64_t last = 0;
      for (size_t i = a; Seconds(start) < duration && !failed; i += appenders) {
        const std::vector<NewEvent>& batch = batches[i % batches.size()];
        absl::StatusOr<AppendResult> r = (*store)->Append(thread, last, batch, Durability::kSync);
        if (!r.ok()) {
          std::lock_guard lock(error_mu);
          first_error = r.status();
          failed = true;
          return;
        }
        last = r->last_seq;
        appended += batch.size();
      }
    });
  }
  for (std::thread& w : workers) w.join();
  double seconds = Seconds(start);
  if (failed) return first_error;
  if (absl::Status s = (*store)->Close(); !s.ok()) return s;
  return appended / seconds;
}

// One writer appending each batch's rollout bytes to a plain file, fsync after each batch: what
// the disk allows for durable turn-sized writes without any database.
absl::StatusOr<double> RawRun(const std::string& path,
                              const std::vector<std::vector<NewEvent>>& batches, double duration) {
  std::vector<std::string> texts;
  for (const auto& batch : batches) {
    std::string text;
    for (const NewEvent& e : batch) {
      EventView view;
      view.kind = e.kind;
      view.timestamp_ms = e.timestamp_ms;
      view.timestamp_text = e.timestamp_text;
      view.payload = e.payload.view();
      absl::StrAppend(&text, FormatRolloutLine(view), "\n");
    }
    texts.push_back(std::move(text));
  }
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
  if (fd < 0) return absl::InternalError(absl::StrCat("cannot create ", path));
  uint64_t events = 0;
  auto start = Clock::now();
  for (size_t i = 0; Seconds(start) < duration; ++i) {
    const std::string& text = texts[i % texts.size()];
    if (write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size()) ||
        fsync(fd) != 0) {
      close(fd);
      return absl::InternalError(absl::StrCat("write/fsync to ", path, " failed"));
    }
    events += batches[i % batches.size()].size();
  }
  double seconds = Seconds(start);
  close(fd);
  return events / seconds;
}

}  // namespace

absl::Status RunAppendBench(const AppendBenchOptions& options, std::ostream& out,
                            std::ostream& progress) {
  progress << "bench append: preparing " << options.events << " synthetic events from "
           << options.fixtures_dir << "\n";
  absl::StatusOr<std::vector<SyntheticThread>> threads =
      MakeSyntheticThreads(options.fixtures_dir, options.events, options.seed);
  if (!threads.ok()) return threads.status();
  uint64_t events = 0, jsonl_bytes = 0;
  for (const SyntheticThread& t : *threads) {
    events += t.events.size();
    jsonl_bytes += t.jsonl_bytes;
  }
  std::vector<std::vector<NewEvent>> batches = TurnBatches(*threads);

  std::error_code ec;
  std::filesystem::path root =
      std::filesystem::path(options.scratch_dir) / absl::StrCat("threadlog-bench-", getpid());
  std::filesystem::create_directories(root, ec);
  if (ec) return absl::InternalError(absl::StrCat("cannot create ", root.string()));

  std::vector<RunResult> results;
  absl::Status status;
  for (int run = 0; run < options.runs && status.ok(); ++run) {
    RunResult r;
    std::filesystem::path dir = root / absl::StrCat("run-", run);
    absl::StatusOr<double> buffered =
        BufferedRun((dir / "buffered").string(), *threads, events, &r.stored_ratio, jsonl_bytes);
    if (!buffered.ok()) {
      status = buffered.status();
      break;
    }
    r.buffered_events_per_s = *buffered;
    r.buffered_mb_per_s = *buffered * (static_cast<double>(jsonl_bytes) / events) / 1e6;
    for (int c = 0; c < 3 && status.ok(); ++c) {
      absl::StatusOr<double> sync = SyncRun((dir / absl::StrCat("sync-", kAppenders[c])).string(),
                                            batches, kAppenders[c], options.sync_seconds);
      if (sync.ok())
        r.sync_events_per_s[c] = *sync;
      else
        status = sync.status();
    }
    absl::StatusOr<double> raw =
        RawRun((dir / "raw.jsonl").string(), batches, options.sync_seconds);
    if (raw.ok())
      r.raw_events_per_s = *raw;
    else
      status = raw.status();
    std::filesystem::remove_all(dir, ec);
    results.push_back(r);
    progress << absl::StrFormat(
        "run %d/%d: buffered %.0f ev/s, sync x1 %.0f x4 %.0f x16 %.0f, raw %.0f ev/s, stored "
        "%.2f%%\n",
        run + 1, options.runs, r.buffered_events_per_s, r.sync_events_per_s[0],
        r.sync_events_per_s[1], r.sync_events_per_s[2], r.raw_events_per_s, 100 * r.stored_ratio);
  }
  std::filesystem::remove_all(root, ec);
  if (!status.ok()) return status;

  auto column = [&](auto field) {
    std::vector<double> v;
    for (const RunResult& r : results) v.push_back(field(r));
    return v;
  };
  double raw = Median(column([](const RunResult& r) { return r.raw_events_per_s; }));
  auto row = [&](const std::string& name, std::vector<double> v, const std::string& unit,
                 const std::string& note) {
    out << absl::StrFormat("| %-34s | %14.1f | %14.1f | %14.1f | %-8s | %s\n", name, Median(v),
                           *std::min_element(v.begin(), v.end()),
                           *std::max_element(v.begin(), v.end()), unit, note);
  };
  out << absl::StrFormat(
      "threadlog bench append: %d runs, %d events in %d threads, %.1f MB of "
      "rollout JSONL, turn batches of %d events\n",
      results.size(), events, threads->size(), jsonl_bytes / 1e6, kTurnBatch);
  out << absl::StrFormat("| %-34s | %14s | %14s | %14s | %-8s | %s\n", "measure", "median", "min",
                         "max", "unit", "median vs target");
  out << "|" << std::string(36, '-') << "|" << std::string(16, '-') << "|" << std::string(16, '-')
      << "|" << std::string(16, '-') << "|" << std::string(10, '-') << "|" << std::string(30, '-')
      << "\n";
  double buffered = Median(column([](const RunResult& r) { return r.buffered_events_per_s; }));
  row("buffered, 1 appender", column([](const RunResult& r) { return r.buffered_events_per_s; }),
      "events/s", absl::StrFormat("target >= 300000: %s", buffered >= 300000 ? "met" : "MISSED"));
  row("buffered, 1 appender", column([](const RunResult& r) { return r.buffered_mb_per_s; }),
      "MB/s", "rollout JSONL bytes");
  const char* targets[3] = {">= 0.5x raw", "", ">= 4x raw"};
  for (int c = 0; c < 3; ++c) {
    double median = Median(column([c](const RunResult& r) { return r.sync_events_per_s[c]; }));
    double ratio = median / raw;
    std::string note = absl::StrFormat("%.2fx raw", ratio);
    if (c == 0)
      absl::StrAppend(&note, "; target ", targets[c], ": ", ratio >= 0.5 ? "met" : "MISSED");
    if (c == 2)
      absl::StrAppend(&note, "; target ", targets[c], ": ", ratio >= 4 ? "met" : "MISSED");
    row(absl::StrFormat("sync, %d appender%s", kAppenders[c], kAppenders[c] > 1 ? "s" : ""),
        column([c](const RunResult& r) { return r.sync_events_per_s[c]; }), "events/s", note);
  }
  row("raw limit: file write+fsync/batch",
      column([](const RunResult& r) { return r.raw_events_per_s; }), "events/s",
      "1 writer, same batches");
  double ratio = Median(column([](const RunResult& r) { return r.stored_ratio; }));
  row("stored bytes / rollout JSONL bytes",
      column([](const RunResult& r) { return 100 * r.stored_ratio; }), "%",
      absl::StrFormat("target <= 8%%: %s", ratio <= 0.08 ? "met" : "MISSED"));
  return absl::OkStatus();
}

}  // namespace threadlog::bench
