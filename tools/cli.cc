// Global options and error reporting shared by every subcommand.
#include "tools/cli.h"

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace threadlog::cli {

absl::StatusOr<std::string> ResolveHome(const GlobalOptions& options) {
  std::string home = options.home;
  if (home.empty()) {
    if (const char* env = std::getenv("THREADLOG_HOME"); env != nullptr && *env != '\0') {
      home = env;
    } else if (const char* user = std::getenv("HOME"); user != nullptr && *user != '\0') {
      home = (std::filesystem::path(user) / ".threadlog").string();
    } else {
      return absl::FailedPreconditionError(
          "no store: pass --home DIR or set THREADLOG_HOME (HOME is not set either)");
    }
  }
  std::error_code ec;
  std::filesystem::path absolute = std::filesystem::absolute(home, ec);
  if (ec)
    return absl::InvalidArgumentError(absl::StrCat("bad --home '", home, "': ", ec.message()));
  return absolute.lexically_normal().string();
}

absl::StatusOr<std::unique_ptr<ThreadStore>> OpenStore(const GlobalOptions& options,
                                                       StoreAccess access) {
  absl::StatusOr<std::string> home = ResolveHome(options);
  if (!home.ok()) return home.status();
  ThreadStoreOptions store_options;
  store_options.progress = StderrProgress("rebuilding projections");
  store_options.bulk_load = access == StoreAccess::kBulkLoad;
  store_options.read_only = access == StoreAccess::kReadOnly;
  return ThreadStore::Open(*home, store_options);
}

ProgressFn StderrProgress(std::string what) {
  auto start = std::chrono::steady_clock::now();
  auto last = start - std::chrono::seconds(1);
  return [what = std::move(what), start, last](uint64_t done, uint64_t total) mutable {
    auto now = std::chrono::steady_clock::now();
    if (now - last < std::chrono::seconds(1) && done < total) return;
    last = now;
    double seconds = std::chrono::duration<double>(now - start).count();
    std::cerr << absl::StrFormat("\r%s: %d/%d (%.0f/s)", what, done, total,
                                 seconds > 0 ? done / seconds : 0.0);
    if (done >= total) std::cerr << "\n";
    std::cerr << std::flush;
  };
}

int ReportError(const absl::Status& status) {
  std::cerr << "threadlog: " << status.message() << "\n";
  switch (status.code()) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kNotFound:
      return 2;
    default:
      return 1;
  }
}

}  // namespace threadlog::cli
