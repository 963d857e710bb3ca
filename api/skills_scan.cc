// Skill discovery: walking the skill roots, splitting off and parsing SKILL.md front matter
// with yaml-cpp, and reading agents/openai.yaml's interface and dependencies.
#include "api/skills_scan.h"

#include <algorithm>
#include <deque>
#include <filesystem>
#include <fstream>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "migrate/paths.h"
#include "yaml-cpp/yaml.h"

namespace threadlog::api {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

constexpr size_t kMaxNameChars = 64;
constexpr size_t kMaxDescriptionChars = 1024;
constexpr size_t kMaxFrontMatterBytes = 1 << 20;
constexpr int kMaxDepth = 8;  // folders below a root; deeper ones are not searched

enum class Scope { kRepo, kUser, kSystem, kAdmin };

const char* ScopeName(Scope scope) {
  switch (scope) {
    case Scope::kRepo:
      return "repo";
    case Scope::kUser:
      return "user";
    case Scope::kSystem:
      return "system";
    case Scope::kAdmin:
      return "admin";
  }
  return "user";
}

// Runs of whitespace become one space; ends trimmed (Codex shows names and descriptions so).
std::string CollapseWhitespace(std::string_view text) {
  std::string out;
  bool gap = false;
  for (char c : text) {
    if (absl::ascii_isspace(static_cast<unsigned char>(c))) {
      gap = !out.empty();
      continue;
    }
    if (gap) out += ' ';
    gap = false;
    out += c;
  }
  return out;
}

// Characters, not bytes (a UTF-8 continuation byte does not start one).
size_t CharCount(std::string_view text) {
  return std::count_if(text.begin(), text.end(),
                       [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; });
}

// The YAML between a first line "---" and the next line "---", or nullopt.
std::optional<std::string> FrontMatter(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string line;
  auto strip = [](std::string& l) {
    if (!l.empty() && l.back() == '\r') l.pop_back();
  };
  if (!std::getline(in, line)) return std::nullopt;
  strip(line);
  if (absl::StartsWith(line, "\xEF\xBB\xBF")) line = line.substr(3);  // a UTF-8 BOM
  if (absl::StripTrailingAsciiWhitespace(line) != "---") return std::nullopt;
  std::string yaml;
  while (std::getline(in, line)) {
    strip(line);
    if (absl::StripTrailingAsciiWhitespace(line) == "---") return yaml;
    yaml += line;
    yaml += '\n';
    if (yaml.size() > kMaxFrontMatterBytes) return std::nullopt;
  }
  return std::nullopt;  // never closed
}

std::string YamlType(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Sequence:
      return "sequence";
    case YAML::NodeType::Map:
      return "map";
    case YAML::NodeType::Null:
      return "unit value";
    default:
      return absl::StrCat("string \"", node.Scalar(), "\"");
  }
}

// yaml-cpp's texts for the common syntax errors, in the words Codex's YAML parser uses (the
// rest are passed on as yaml-cpp says them).
std::string SerdeWording(const std::string& message) {
  static const std::pair<const char*, const char*> kWording[] = {
      {"illegal map value", "mapping values are not allowed in this context"},
      {"end of map not found", "did not find expected key"},
      {"end of sequence not found", "did not find expected ',' or ']'"},
      {"end of map flow not found", "did not find expected ',' or '}'"},
      {"unknown escape character", "found unknown escape character"},
      {"tabs are not allowed", "found character that cannot start any token"},
  };
  for (const auto& [ours, theirs] : kWording) {
    if (message.rfind(ours, 0) == 0) return theirs;
  }
  return message;
}

// A scalar member as a string; nullopt when absent or null; an error text otherwise.
std::optional<std::string> ScalarMember(const YAML::Node& map, const char* key,
                                        std::string* error) {
  const YAML::Node node = map[key];
  if (!node.IsDefined() || node.IsNull()) return std::nullopt;
  if (!node.IsScalar()) {
    *error = absl::StrCat("invalid YAML: ", key, ": invalid type: ", YamlType(node),
                          ", expected a string");
    return std::nullopt;
  }
  return node.Scalar();
}

std::optional<std::string> OptionalScalar(const YAML::Node& map, const char* key) {
  const YAML::Node node = map[key];
  if (!node.IsDefined() || !node.IsScalar()) return std::nullopt;
  return node.Scalar();
}

// An icon path of openai.yaml: relative, inside the skill folder, made absolute; else null.
json IconPath(const YAML::Node& interface, const char* key, const fs::path& skill_dir) {
  std::optional<std::string> value = OptionalScalar(interface, key);
  if (!value || value->empty()) return nullptr;
  fs::path relative = fs::path(*value).lexically_normal();
  if (relative.is_absolute()) return nullptr;
  for (const fs::path& part : relative) {
    if (part == "..") return nullptr;
  }
  return (skill_dir / relative).string();
}

bool IsHexColor(const std::string& value) {
  return value.size() == 7 && value[0] == '#' &&
         std::all_of(value.begin() + 1, value.end(),
                     [](char c) { return absl::ascii_isxdigit(static_cast<unsigned char>(c)); });
}

// agents/openai.yaml's interface and dependencies; anything unreadable is left out.
void ReadOpenAiYaml(const fs::path& skill_dir, SkillFile* skill) {
  const fs::path path = skill_dir / "agents" / "openai.yaml";
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return;
  YAML::Node root;
  try {
    root = YAML::LoadFile(path.string());
  } catch (const std::exception&) {
    return;
  }
  if (!root.IsMap()) return;
  if (const YAML::Node interface = root["interface"]; interface.IsMap()) {
    auto text = [&](const char* key) -> json {
      std::optional<std::string> v = OptionalScalar(interface, key);
      return v ? json(*v) : json(nullptr);
    };
    std::optional<std::string> color = OptionalScalar(interface, "brand_color");
    skill->interface = {{"displayName", text("display_name")},
                        {"shortDescription", text("short_description")},
                        {"iconSmall", IconPath(interface, "icon_small", skill_dir)},
                        {"iconLarge", IconPath(interface, "icon_large", skill_dir)},
                        {"brandColor", color && IsHexColor(*color) ? json(*color) : json(nullptr)},
                        {"defaultPrompt", text("default_prompt")}};
  }
  if (const YAML::Node deps = root["dependencies"]; deps.IsMap() && deps["tools"].IsSequence()) {
    json tools = json::array();
    for (const YAML::Node& tool : deps["tools"]) {
      if (!tool.IsMap()) continue;
      std::optional<std::string> type = OptionalScalar(tool, "type");
      std::optional<std::string> value = OptionalScalar(tool, "value");
      if (!type || !value) continue;
      json entry = {{"type", *type}, {"value", *value}};
      for (const char* key : {"description", "transport", "command", "url"}) {
        if (std::optional<std::string> v = OptionalScalar(tool, key)) entry[key] = *v;
      }
      tools.push_back(std::move(entry));
    }
    if (!tools.empty()) skill->dependencies = {{"tools", std::move(tools)}};
  }
}

struct Found {
  Scope scope;
  std::string path;  // canonical SKILL.md
};

// Every SKILL.md below `root` (breadth first, sorted), by canonical path. Hidden folders and,
// right below the root, `skip_child` are not searched; a folder seen before (through a symlink,
// or as part of another root) is searched once.
void Search(const fs::path& root, Scope scope, const std::string& skip_child,
            std::set<std::string>* seen_dirs, std::vector<Found>* out) {
  std::error_code ec;
  if (!fs::is_directory(root, ec)) return;
  std::deque<std::pair<fs::path, int>> queue{{root, 0}};
  while (!queue.empty()) {
    auto [dir, depth] = queue.front();
    queue.pop_front();
    const fs::path canonical = fs::canonical(dir, ec);
    if (ec || !seen_dirs->insert(canonical.string()).second) continue;
    std::vector<fs::path> children;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      children.push_back(it->path());
    }
    std::sort(children.begin(), children.end());
    for (const fs::path& child : children) {
      const std::string name = child.filename().string();
      if (name == "SKILL.md" && fs::is_regular_file(child, ec)) {
        out->push_back({scope, fs::canonical(child, ec).string()});
        continue;
      }
      if (name.empty() || name[0] == '.' || (depth == 0 && name == skip_child)) continue;
      if (depth + 1 <= kMaxDepth && fs::is_directory(child, ec))
        queue.push_back({child, depth + 1});
    }
  }
}

}  // namespace

SkillFile ReadSkillFile(const std::string& skill_md) {
  SkillFile skill;
  std::optional<std::string> yaml = FrontMatter(skill_md);
  if (!yaml) {
    skill.error = "missing YAML frontmatter delimited by ---";
    return skill;
  }
  YAML::Node root;
  try {
    root = YAML::Load(*yaml);
  } catch (const YAML::Exception& e) {
    skill.error = absl::StrCat("invalid YAML: ", SerdeWording(e.msg), " at line ", e.mark.line + 1,
                               " column ", e.mark.column + 1);
    return skill;
  }
  if (!root.IsMap()) {
    skill.error = absl::StrCat("invalid YAML: invalid type: ", YamlType(root),
                               ", expected struct SkillFrontmatter");
    return skill;
  }
  const fs::path skill_dir = fs::path(skill_md).parent_path();
  std::string error;
  std::optional<std::string> name = ScalarMember(root, "name", &error);
  std::optional<std::string> description = ScalarMember(root, "description", &error);
  std::optional<std::string> short_description;
  if (const YAML::Node metadata = root["metadata"]; metadata.IsMap()) {
    short_description = ScalarMember(metadata, "short-description", &error);
  }
  if (!error.empty()) {
    skill.error = error;
    return skill;
  }
  skill.name = CollapseWhitespace(name.value_or(skill_dir.filename().string()));
  skill.description = CollapseWhitespace(description.value_or(""));
  if (skill.description.empty()) {
    skill.error = "missing field `description`";
    return skill;
  }
  if (CharCount(skill.name) > kMaxNameChars) {
    skill.error =
        absl::StrCat("invalid name: exceeds maximum length of ", kMaxNameChars, " characters");
    return skill;
  }
  if (CharCount(skill.description) > kMaxDescriptionChars) {
    skill.error = absl::StrCat("invalid description: exceeds maximum length of ",
                               kMaxDescriptionChars, " characters");
    return skill;
  }
  if (short_description) {
    std::string collapsed = CollapseWhitespace(*short_description);
    if (!collapsed.empty()) skill.short_description = std::move(collapsed);
  }
  ReadOpenAiYaml(skill_dir, &skill);
  return skill;
}

json ListSkillsForCwd(const SkillLocations& locations, const std::string& cwd,
                      const std::vector<std::string>& extra_user_roots,
                      const std::function<std::optional<bool>(const std::string&)>& enabled) {
  std::vector<Found> found;
  std::set<std::string> seen_dirs;
  if (!cwd.empty() && cwd[0] == '/') {
    const std::string start = migrate::NormalizePath(cwd);
    absl::StatusOr<std::optional<std::string>> root = migrate::FindRepoRoot(start);
    if (root.ok() && *root) {
      // From cwd up to the repo root, nearest first.
      for (fs::path dir = start;; dir = dir.parent_path()) {
        Search(dir / ".agents" / "skills", Scope::kRepo, "", &seen_dirs, &found);
        Search(dir / ".codex" / "skills", Scope::kRepo, "", &seen_dirs, &found);
        if (dir.string() == **root || dir == dir.parent_path()) break;
      }
    }
  }
  if (!locations.codex_home.empty()) {
    Search(fs::path(locations.codex_home) / "skills", Scope::kUser, ".system", &seen_dirs, &found);
  }
  if (!locations.home.empty()) {
    Search(fs::path(locations.home) / ".agents" / "skills", Scope::kUser, "", &seen_dirs, &found);
  }
  for (const std::string& extra : extra_user_roots) {
    Search(extra, Scope::kUser, "", &seen_dirs, &found);
  }
  if (!locations.codex_home.empty()) {
    Search(fs::path(locations.codex_home) / "skills" / ".system", Scope::kSystem, "", &seen_dirs,
           &found);
  }
  if (!locations.admin_root.empty()) {
    Search(locations.admin_root, Scope::kAdmin, "", &seen_dirs, &found);
  }

  struct Listed {
    Scope scope;
    std::string name;
    std::string path;
    json entry;
  };
  std::vector<Listed> skills;
  std::vector<std::pair<std::string, std::string>> errors;  // path, message
  std::set<std::string> seen_files;
  for (const Found& f : found) {
    if (!seen_files.insert(f.path).second) continue;
    SkillFile file = ReadSkillFile(f.path);
    if (!file.error.empty()) {
      errors.emplace_back(f.path, file.error);
      continue;
    }
    json entry = {{"name", file.name}, {"description", file.description}};
    if (file.short_description) entry["shortDescription"] = *file.short_description;
    if (!file.interface.is_null()) entry["interface"] = file.interface;
    if (!file.dependencies.is_null()) entry["dependencies"] = file.dependencies;
    entry["path"] = f.path;
    entry["scope"] = ScopeName(f.scope);
    entry["enabled"] = enabled ? enabled(f.path).value_or(true) : true;
    skills.push_back({f.scope, file.name, f.path, std::move(entry)});
  }
  std::sort(skills.begin(), skills.end(), [](const Listed& a, const Listed& b) {
    return std::tie(a.scope, a.name, a.path) < std::tie(b.scope, b.name, b.path);
  });
  std::sort(errors.begin(), errors.end());
  json out = {{"cwd", cwd}, {"skills", json::array()}, {"errors", json::array()}};
  for (Listed& s : skills) out["skills"].push_back(std::move(s.entry));
  for (auto& [path, message] : errors) {
    out["errors"].push_back({{"path", path}, {"message", message}});
  }
  return out;
}

}  // namespace threadlog::api
