// `threadlog import PATH...`: Codex rollout files or homes into the store, with progress.
#include <chrono>
#include <filesystem>
#include <iostream>

#include "absl/strings/str_format.h"
#include "eventlog/codex_import.h"
#include "tools/cli.h"

namespace threadlog::cli {

void RegisterImport(CLI::App& app, GlobalOptions& global, Action* action) {
  auto paths = std::make_shared<std::vector<std::string>>();
  CLI::App* cmd = app.add_subcommand(
      "import", "Import Codex rollouts: a Codex home, a sessions folder, or rollout files");
  cmd->add_option("paths", *paths, "files or directories (.jsonl and .jsonl.zst rollouts)")
      ->required();
  cmd->callback([&global, paths, action] {
    *action = [&global, paths] {
      // The import has the store to itself (RocksDB's lock refuses a second opener), so it
      // bulk-loads: no WAL, all families flushed together, durable once Close() succeeds. If
      // it stops half-way, what is on disk is consistent and a second run completes it.
      absl::StatusOr<std::string> home = ResolveHome(global);
      if (!home.ok()) return ReportError(home.status());
      absl::StatusOr<std::unique_ptr<ThreadStore>> store =
          OpenStore(global, StoreAccess::kBulkLoad);
      if (!store.ok()) return ReportError(store.status());
      auto start = std::chrono::steady_clock::now();
      auto last_progress = start;
      auto seconds = [&] {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      };
      CodexImportStats stats;
      absl::Status imported = ImportCodex(
          **store, *paths,
          [](const ImportProblem& p) {
            if (p.line == 0)
              std::cerr << p.file << ": skipped: " << p.reason << "\n";
            else
              std::cerr << p.file << ":" << p.line << ": skipped line: " << p.reason << "\n";
          },
          [&](const ImportStats& s) {
            auto now = std::chrono::steady_clock::now();
            if (now - last_progress < std::chrono::seconds(1)) return;
            last_progress = now;
            std::cerr << absl::StrFormat("\rimporting: %d files, %d events, %.1f MB/s", s.files,
                                         s.events, s.bytes_in / 1e6 / seconds())
                      << std::flush;
          },
          &stats);
      if (!imported.ok()) return ReportError(imported);
      if (absl::Status s = (*store)->Close(); !s.ok()) return ReportError(s);
      std::error_code ec;
      uint64_t bytes_on_disk = 0;
      for (const auto& entry : std::filesystem::recursive_directory_iterator(*home, ec)) {
        if (entry.is_regular_file(ec)) bytes_on_disk += entry.file_size(ec);
      }
      const ImportStats& s = stats.rollouts;
      std::cout << absl::StrFormat(
          "imported %d files (%d new threads, %d extended, %d unchanged, %d rejected): %d events, "
          "%d bad lines skipped, %d names, %d archive changes, %.1f MB in, %.1f MB stored, "
          "%.2f s\n",
          s.files, s.threads_created, s.threads_extended, s.files_unchanged, s.files_rejected,
          s.events, s.bad_lines, stats.renamed, stats.archive_changes, s.bytes_in / 1e6,
          bytes_on_disk / 1e6, seconds());
      return 0;
    };
  });
}

}  // namespace threadlog::cli
