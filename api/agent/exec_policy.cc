// ExecPolicyRules: reading and writing the allowing prefix rules of $CODEX_HOME/rules.
#include "api/agent/exec_policy.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "eventlog/json_parse.h"
#include "nlohmann/json.hpp"

namespace threadlog::agent {
namespace {

namespace fs = std::filesystem;

// The pattern of a line `prefix_rule(pattern=["a", "b"], decision="allow")`; empty for any
// other line. The pattern list is JSON-compatible (Starlark's string list as Codex writes it).
std::vector<std::string> AllowedPattern(absl::string_view line) {
  line = absl::StripAsciiWhitespace(line);
  if (!absl::ConsumePrefix(&line, "prefix_rule(") || !absl::ConsumeSuffix(&line, ")")) return {};
  if (line.find("decision=\"allow\"") == absl::string_view::npos) return {};
  const size_t open = line.find("pattern=[");
  if (open == absl::string_view::npos) return {};
  const size_t start = open + std::string_view("pattern=").size();
  const size_t close = line.find(']', start);
  if (close == absl::string_view::npos) return {};
  const absl::string_view list_text = line.substr(start, close - start + 1);
  absl::StatusOr<nlohmann::json> list =
      ParseJson(std::string_view(list_text.data(), list_text.size()));
  if (!list.ok() || !list->is_array()) return {};
  std::vector<std::string> out;
  for (const nlohmann::json& word : *list) {
    if (!word.is_string()) return {};
    out.push_back(word.get<std::string>());
  }
  return out;
}

}  // namespace

ExecPolicyRules::ExecPolicyRules(std::string codex_home) : codex_home_(std::move(codex_home)) {
  if (codex_home_.empty()) return;
  std::error_code ec;
  const fs::path dir = fs::path(codex_home_) / "rules";
  if (!fs::is_directory(dir, ec)) return;
  std::vector<fs::path> files;
  for (const fs::directory_entry& e : fs::directory_iterator(dir, ec)) {
    if (e.path().extension() == ".rules") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  absl::MutexLock lock(&mu_);
  for (const fs::path& file : files) {
    std::ifstream in(file);
    std::string line;
    while (std::getline(in, line)) {
      std::vector<std::string> pattern = AllowedPattern(line);
      if (!pattern.empty()) allowed_.push_back(std::move(pattern));
    }
  }
}

bool ExecPolicyRules::Allows(const std::vector<std::string>& command) const {
  absl::MutexLock lock(&mu_);
  for (const std::vector<std::string>& pattern : allowed_) {
    if (pattern.size() <= command.size() &&
        std::equal(pattern.begin(), pattern.end(), command.begin())) {
      return true;
    }
  }
  return false;
}

std::string ExecPolicyRules::RuleLine(const std::vector<std::string>& prefix) {
  std::vector<std::string> words;
  for (const std::string& w : prefix) words.push_back(nlohmann::json(w).dump());
  return absl::StrCat("prefix_rule(pattern=[", absl::StrJoin(words, ", "),
                      "], decision=\"allow\")\n");
}

absl::Status ExecPolicyRules::AddAllow(const std::vector<std::string>& prefix) {
  if (prefix.empty()) return absl::InvalidArgumentError("an empty command prefix allows nothing");
  if (codex_home_.empty()) {
    return absl::FailedPreconditionError("no Codex home to keep the rule in");
  }
  const fs::path dir = fs::path(codex_home_) / "rules";
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec)
    return absl::InternalError(absl::StrCat("cannot make ", dir.string(), ": ", ec.message()));
  const std::string path = (dir / "default.rules").string();
  const std::string line = RuleLine(prefix);
  absl::MutexLock lock(&mu_);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0)
    return absl::InternalError(absl::StrCat("cannot open ", path, ": ", std::strerror(errno)));
  const ssize_t n = ::write(fd, line.data(), line.size());
  const int write_errno = errno;
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (n != static_cast<ssize_t>(line.size()) || !synced) {
    return absl::InternalError(
        absl::StrCat("cannot write the rule to ", path, ": ", std::strerror(write_errno)));
  }
  allowed_.push_back(prefix);
  return absl::OkStatus();
}

}  // namespace threadlog::agent
