// userAgent: OS from /etc/os-release, arch from uname, terminal from the environment.
#include "api/user_agent.h"

#include <sys/utsname.h>

#include <cstdlib>
#include <fstream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "eventlog/codex_version.h"

namespace threadlog::api {
namespace {

std::string OsRelease(const std::string& key) {
  std::ifstream in("/etc/os-release");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key + "=", 0) != 0) continue;
    std::string value = line.substr(key.size() + 1);
    if (value.size() >= 2 && value.front() == '"') value = value.substr(1, value.size() - 2);
    return value;
  }
  return "";
}

// Codex (os_info) prints "Debian 12.0.0": the distribution's first word and a semver version.
std::string OsDescription() {
  std::string name = OsRelease("NAME");
  if (name.empty()) name = "Linux";
  name = name.substr(0, name.find(' '));
  std::vector<std::string> parts = absl::StrSplit(OsRelease("VERSION_ID"), '.');
  if (parts.size() == 1 && parts[0].empty()) return absl::StrCat(name, " Unknown");
  while (parts.size() < 3) parts.push_back("0");
  return absl::StrCat(name, " ", parts[0], ".", parts[1], ".", parts[2]);
}

std::string Terminal() {
  if (const char* program = std::getenv("TERM_PROGRAM"); program && *program) {
    const char* version = std::getenv("TERM_PROGRAM_VERSION");
    return version && *version ? absl::StrCat(program, "/", version) : std::string(program);
  }
  if (const char* term = std::getenv("TERM"); term && *term) return term;
  return "unknown";
}

}  // namespace

std::string UserAgent(const std::string& client_name, const std::string& client_version) {
  // The machine does not change while the server runs: read once, not on every turn.
  static const std::string* const machine = [] {
    struct utsname u {};
    const std::string arch = uname(&u) == 0 ? u.machine : "unknown";
    return new std::string(absl::StrCat(OsDescription(), "; ", arch));
  }();
  return absl::StrCat(client_name, "/", kCodexVersion, " (", *machine, ") ", Terminal(), " (",
                      client_name, "; ", client_version, ")");
}

}  // namespace threadlog::api
