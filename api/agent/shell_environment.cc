// ShellEnvironmentPolicy: reading the table, matching names, deriving the environment.
#include "api/agent/shell_environment.h"

#include <fnmatch.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "eventlog/absl_compat.h"
#include "toml++/toml.h"

namespace threadlog::agent {
namespace {

// Codex's core set (Unix).
constexpr std::string_view kCoreVariables[] = {"HOME",     "LOGNAME", "PATH", "SHELL", "USER",
                                               "USERNAME", "TMPDIR",  "TEMP", "TMP"};
constexpr std::string_view kDefaultExcludes[] = {"*KEY*", "*SECRET*", "*TOKEN*"};

std::string_view NameOf(std::string_view entry) { return entry.substr(0, entry.find('=')); }

template <typename Patterns>
bool AnyMatches(const Patterns& patterns, std::string_view name) {
  for (const auto& p : patterns) {
    if (EnvironmentPatternMatches(p, name)) return true;
  }
  return false;
}

absl::Status Bad(const std::string& path, std::string_view key, std::string_view expected) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": shell_environment_policy.", ToAbsl(key),
                                                 " must be ", ToAbsl(expected)));
}

absl::StatusOr<std::vector<std::string>> Strings(const toml::table& t, std::string_view key,
                                                 const std::string& path) {
  std::vector<std::string> out;
  const toml::node* node = t.get(key);
  if (node == nullptr) return out;
  const toml::array* list = node->as_array();
  if (list == nullptr) return Bad(path, key, "an array of strings");
  for (const toml::node& item : *list) {
    const std::optional<std::string> s = item.value<std::string>();
    if (!item.is_string() || !s) return Bad(path, key, "an array of strings");
    out.push_back(*s);
  }
  return out;
}

}  // namespace

bool EnvironmentPatternMatches(std::string_view pattern, std::string_view name) {
  const std::string p(pattern);
  const std::string n(name);
  return ::fnmatch(p.c_str(), n.c_str(), FNM_CASEFOLD) == 0;
}

std::vector<std::string> ShellEnvironmentPolicy::Apply(const std::vector<std::string>& env) const {
  std::vector<std::string> out;
  for (const std::string& entry : inherit == Inherit::kNone ? std::vector<std::string>{} : env) {
    const std::string_view name = NameOf(entry);
    if (inherit == Inherit::kCore && std::find(std::begin(kCoreVariables), std::end(kCoreVariables),
                                               name) == std::end(kCoreVariables)) {
      continue;
    }
    if (!ignore_default_excludes && AnyMatches(kDefaultExcludes, name)) continue;
    if (AnyMatches(exclude, name)) continue;
    out.push_back(entry);
  }
  for (const auto& [name, value] : set) {
    std::erase_if(out, [&name](const std::string& e) { return NameOf(e) == name; });
    out.push_back(absl::StrCat(name, "=", value));
  }
  if (!include_only.empty()) {
    std::erase_if(out,
                  [this](const std::string& e) { return !AnyMatches(include_only, NameOf(e)); });
  }
  return out;
}

absl::StatusOr<ShellEnvironmentPolicy> ReadShellEnvironmentPolicy(const std::string& path) {
  ShellEnvironmentPolicy policy;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return policy;
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  toml::table root;
  try {
    root = toml::parse(text.str(), path);
  } catch (const toml::parse_error& e) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", ToAbsl(e.description())));
  }
  const toml::node* node = root.get("shell_environment_policy");
  if (node == nullptr) return policy;
  const toml::table* t = node->as_table();
  if (t == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": shell_environment_policy must be a table"));
  }
  if (const toml::node* inherit = t->get("inherit")) {
    const std::optional<std::string> v = inherit->value<std::string>();
    if (!inherit->is_string() || !v) return Bad(path, "inherit", "\"all\", \"core\" or \"none\"");
    if (*v == "all") {
      policy.inherit = ShellEnvironmentPolicy::Inherit::kAll;
    } else if (*v == "core") {
      policy.inherit = ShellEnvironmentPolicy::Inherit::kCore;
    } else if (*v == "none") {
      policy.inherit = ShellEnvironmentPolicy::Inherit::kNone;
    } else {
      return Bad(path, "inherit", "\"all\", \"core\" or \"none\"");
    }
  }
  if (const toml::node* ignore = t->get("ignore_default_excludes")) {
    if (!ignore->is_boolean()) return Bad(path, "ignore_default_excludes", "a boolean");
    policy.ignore_default_excludes = *ignore->value<bool>();
  }
  absl::StatusOr<std::vector<std::string>> exclude = Strings(*t, "exclude", path);
  if (!exclude.ok()) return exclude.status();
  policy.exclude = *std::move(exclude);
  absl::StatusOr<std::vector<std::string>> include_only = Strings(*t, "include_only", path);
  if (!include_only.ok()) return include_only.status();
  policy.include_only = *std::move(include_only);
  if (const toml::node* set = t->get("set")) {
    const toml::table* values = set->as_table();
    if (values == nullptr) return Bad(path, "set", "a table of strings");
    for (const auto& [key, value] : *values) {
      const std::optional<std::string> s = value.value<std::string>();
      if (!value.is_string() || !s) return Bad(path, "set", "a table of strings");
      policy.set.emplace_back(std::string(key.str()), *s);
    }
  }
  return policy;
}

}  // namespace threadlog::agent
