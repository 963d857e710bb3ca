// `threadlog rebuild` and `threadlog verify`: replay the log into the projections, or check them.
#include <chrono>
#include <iostream>

#include "absl/strings/str_format.h"
#include "tools/cli.h"

namespace threadlog::cli {

void RegisterRebuild(CLI::App& app, GlobalOptions& global, Action* action) {
  CLI::App* cmd =
      app.add_subcommand("rebuild", "Drop every projection and replay the log into them");
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
      "verify", "Replay the log in memory and compare with the stored projections");
  cmd->callback([&global, action] {
    *action = [&global] {
      absl::StatusOr<std::unique_ptr<ThreadStore>> store = OpenStore(global);
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

}  // namespace threadlog::cli
