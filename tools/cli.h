// Shared plumbing of the threadlog subcommands: global options, store opening, exit codes.
#ifndef THREADLOG_TOOLS_CLI_H_
#define THREADLOG_TOOLS_CLI_H_

#include <functional>
#include <memory>
#include <string>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "projections/thread_store.h"

namespace threadlog::cli {

struct GlobalOptions {
  std::string home;  // --home; empty means $THREADLOG_HOME, else ~/.threadlog
};

// The store directory chosen by --home, $THREADLOG_HOME or ~/.threadlog, made absolute.
absl::StatusOr<std::string> ResolveHome(const GlobalOptions& options);

// How a subcommand uses the store.
enum class StoreAccess {
  kReadWrite,  // created on first use; a projection rebuild the open needs reports on stderr
  kReadOnly,   // inspect, verify: writes nothing, works beside a running `serve`
  kBulkLoad,   // import: StoreOptions::bulk_load
};

// Opens the store in the resolved home.
absl::StatusOr<std::unique_ptr<ThreadStore>> OpenStore(
    const GlobalOptions& options, StoreAccess access = StoreAccess::kReadWrite);

// "12.3k events/s"-style progress printer for long jobs, on stderr, at most once a second.
ProgressFn StderrProgress(std::string what);

// Prints "threadlog: <message>" to stderr and returns the process exit code for `status`.
int ReportError(const absl::Status& status);

// A subcommand's action returns the process exit code.
using Action = std::function<int()>;

// Each subcommand file defines one of these; main.cc calls them all. A Register function adds
// its subcommand to `app` and stores its action in `*action` (run when the command was chosen).
void RegisterImport(CLI::App& app, GlobalOptions& global, Action* action);
void RegisterBench(CLI::App& app, GlobalOptions& global, Action* action);
void RegisterRebuild(CLI::App& app, GlobalOptions& global, Action* action);
void RegisterVerify(CLI::App& app, GlobalOptions& global, Action* action);
void RegisterRepair(CLI::App& app, GlobalOptions& global, Action* action);
void RegisterMigrate(CLI::App& app, GlobalOptions& global, Action* action);
void RegisterExport(CLI::App& app, GlobalOptions& global, Action* action);
void RegisterInspect(CLI::App& app, GlobalOptions& global, Action* action);
void RegisterReplay(CLI::App& app, GlobalOptions& global, Action* action);
void RegisterServe(CLI::App& app, GlobalOptions& global, Action* action);

}  // namespace threadlog::cli

#endif  // THREADLOG_TOOLS_CLI_H_
