// `threadlog export THREAD [-o FILE]` / `threadlog export --all DIR`: Codex rollout files.
#include <iostream>

#include "absl/strings/str_format.h"
#include "eventlog/rollout_export.h"
#include "projections/thread_store.h"
#include "tools/cli.h"

namespace threadlog::cli {
namespace {

struct ExportArgs {
  std::string thread;
  std::string output;
  std::string all;
  bool force = false;
};

int RunExport(const GlobalOptions& global, const ExportArgs& args) {
  if (args.thread.empty() == args.all.empty()) {
    return ReportError(absl::InvalidArgumentError("export: name one THREAD or pass --all DIR"));
  }
  absl::StatusOr<std::unique_ptr<ThreadStore>> store = OpenStore(global, StoreAccess::kReadOnly);
  if (!store.ok()) return ReportError(store.status());
  ExportOptions options;
  options.force = args.force;
  if (!args.all.empty()) {
    absl::StatusOr<ExportStats> stats = ExportAll(**store, args.all, options);
    if (!stats.ok()) return ReportError(stats.status());
    std::cerr << absl::StrFormat(
        "exported %d threads to %s: %d files written, %d unchanged, %d lines, %.1f MB\n",
        stats->threads, args.all, stats->files_written, stats->files_unchanged, stats->lines,
        stats->bytes / 1e6);
  } else {
    absl::StatusOr<ThreadId> thread = (*store)->Resolve(args.thread);
    if (!thread.ok()) return ReportError(thread.status());
    absl::Status s = args.output.empty() || args.output == "-"
                         ? WriteRollout(**store, *thread, std::cout)
                         : ExportThreadToFile(**store, *thread, args.output, options);
    if (!s.ok()) return ReportError(s);
  }
  if (absl::Status s = (*store)->Close(); !s.ok()) return ReportError(s);
  return 0;
}

}  // namespace

void RegisterExport(CLI::App& app, GlobalOptions& global, Action* action) {
  auto args = std::make_shared<ExportArgs>();
  CLI::App* cmd = app.add_subcommand(
      "export", "Write threads back as Codex rollout JSONL (one thread, or a whole Codex home)");
  cmd->add_option("thread", args->thread, "thread id, unique id prefix, or name");
  cmd->add_option("-o,--output", args->output, "file to write (default: stdout)");
  cmd->add_option("--all", args->all,
                  "write every thread into DIR as a Codex home (sessions/, archived_sessions/, "
                  "session_index.jsonl)");
  cmd->add_flag("--force", args->force, "replace existing files whose content differs");
  cmd->callback(
      [&global, args, action] { *action = [&global, args] { return RunExport(global, *args); }; });
}

}  // namespace threadlog::cli
