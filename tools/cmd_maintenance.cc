// `threadlog rebuild`, `verify` and `repair`: replay the log into the projections, check them,
// or recover a store whose write-ahead log is damaged.
#include <chrono>
#include <filesystem>
#include <iostream>
#include <map>

#include "absl/strings/str_format.h"
#include "eventlog/store_repair.h"
#include "tools/cli.h"

namespace threadlog::cli {

void RegisterRebuild(CLI::App& app, GlobalOptions& global, Action* action) {
  CLI::App* cmd =
      app.add_subcommand("rebuild",
                         "Replay the log into a fresh copy of every projection and swap it in "
                         "(a failed rebuild leaves the store as it was)");
  cmd->callback([&global, action] {
    *action = [&global] {
      absl::StatusOr<std::unique_ptr<ThreadStore>> store = OpenStore(global);
      if (!store.ok()) return ReportError(store.status());
      absl::StatusOr<StoreStats> stats = (*store)->log().Stats();
      auto start = std::chrono::steady_clock::now();
      if (absl::Status s = (*store)->Rebuild(StderrProgress("rebuild")); !s.ok()) {
        return ReportError(s);
      }
      double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      uint64_t events = stats.ok() ? stats->last_position : 0;
      std::cout << absl::StrFormat("rebuilt projections from %d events in %.2f s (%.0f events/s)\n",
                                   events, seconds, seconds > 0 ? events / seconds : 0.0);
      if (absl::Status s = (*store)->Close(); !s.ok()) return ReportError(s);
      return 0;
    };
  });
}

void RegisterVerify(CLI::App& app, GlobalOptions& global, Action* action) {
  CLI::App* cmd = app.add_subcommand(
      "verify",
      "Replay the log in memory and compare with the stored projections (read-only: runs "
      "beside a running serve)");
  cmd->callback([&global, action] {
    *action = [&global] {
      absl::StatusOr<std::unique_ptr<ThreadStore>> store =
          OpenStore(global, StoreAccess::kReadOnly);
      if (!store.ok()) return ReportError(store.status());
      absl::Status verified = (*store)->Verify(StderrProgress("verify (threads)"));
      if (absl::Status s = (*store)->Close(); !s.ok()) return ReportError(s);
      if (!verified.ok()) {
        std::cerr << "threadlog verify: projections differ from the log: " << verified.message()
                  << "\n";
        return 1;
      }
      std::cout << "verify: every projection matches the log\n";
      return 0;
    };
  });
}

namespace {

// "thread X: seqs 27..51 (25 events)" lines, per thread, in first-seen order.
void PrintByThread(const std::vector<RecoveredEvent>& events) {
  std::vector<ThreadId> order;
  std::map<ThreadId, std::pair<uint64_t, uint64_t>> range;  // first, last seq
  std::map<ThreadId, uint64_t> count;
  for (const RecoveredEvent& e : events) {
    auto [it, inserted] = range.try_emplace(e.thread, e.seq, e.seq);
    if (inserted) order.push_back(e.thread);
    it->second.first = std::min(it->second.first, e.seq);
    it->second.second = std::max(it->second.second, e.seq);
    ++count[e.thread];
  }
  for (const ThreadId& t : order) {
    std::cout << absl::StrFormat("    thread %s: seqs %d..%d (%d events)\n", t.ToString(),
                                 range[t].first, range[t].second, count[t]);
  }
}

int RunRepair(const GlobalOptions& global) {
  absl::StatusOr<std::string> home = ResolveHome(global);
  if (!home.ok()) return ReportError(home.status());
  absl::StatusOr<LogRecovery> recovery = RecoverDamagedLog(*home, StoreOptions{});
  if (!recovery.ok()) return ReportError(recovery.status());
  if (!recovery->damaged) {
    absl::StatusOr<std::unique_ptr<ThreadStore>> store = OpenStore(global);
    if (!store.ok()) return ReportError(store.status());
    if (absl::Status s = (*store)->Close(); !s.ok()) return ReportError(s);
    std::cout << "repair: the write-ahead log is intact; nothing to repair (`threadlog verify` "
                 "checks the projections)\n";
    return 0;
  }
  // The recovered store holds every write before the damage, projections included.
  absl::StatusOr<std::unique_ptr<ThreadStore>> store = OpenStore(global);
  if (!store.ok()) return ReportError(store.status());
  absl::StatusOr<SalvageReport> salvage = SalvageEvents((*store)->log(), recovery->after_damage);
  if (!salvage.ok()) return ReportError(salvage.status());
  absl::StatusOr<StoreStats> stats = (*store)->log().Stats();
  if (absl::Status s = (*store)->Close(); !s.ok()) return ReportError(s);
  const std::string lost_file =
      (std::filesystem::path(recovery->backup_dir) / "lost-events.jsonl").string();
  if (!salvage->lost.empty()) {
    if (absl::Status s = WriteRecoveredEvents(salvage->lost, lost_file); !s.ok()) {
      return ReportError(s);
    }
  }
  std::cout << absl::StrFormat("repair: %s was damaged at byte %d (%s)\n", recovery->file,
                               recovery->offset, recovery->what);
  std::cout << absl::StrFormat(
      "  kept: every write before the damage (the log now ends at "
      "position %d)\n",
      stats.ok() ? stats->last_position : 0);
  std::cout << absl::StrFormat("  lost: %d write batch(es) that cannot be read at all\n",
                               recovery->unreadable_records);
  std::cout << absl::StrFormat("  restored: %d event(s) read after the damage and appended again\n",
                               salvage->restored.size());
  PrintByThread(salvage->restored);
  if (!salvage->lost.empty()) {
    std::cout << absl::StrFormat(
        "  lost: %d event(s) read after the damage but not appended, because an earlier event "
        "of their thread is missing; saved to %s\n",
        salvage->lost.size(), lost_file);
    PrintByThread(salvage->lost);
  }
  std::cout << "  the original log files are in " << recovery->backup_dir << "\n";
  return 0;
}

}  // namespace

void RegisterRepair(CLI::App& app, GlobalOptions& global, Action* action) {
  CLI::App* cmd = app.add_subcommand(
      "repair",
      "Recover a store whose write-ahead log is damaged: keep every write before the damage, "
      "append again what can be read after it, and report exactly what was lost");
  cmd->callback([&global, action] { *action = [&global] { return RunRepair(global); }; });
}

}  // namespace threadlog::cli
