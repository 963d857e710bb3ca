// Global options and error reporting shared by every subcommand.
#include "tools/cli.h"

#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "absl/strings/str_cat.h"

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

absl::StatusOr<std::unique_ptr<EventStore>> OpenStore(const GlobalOptions& options) {
  absl::StatusOr<std::string> home = ResolveHome(options);
  if (!home.ok()) return home.status();
  return EventStore::Open(*home);
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
