// Skill discovery for skills/list: which folders hold skills for a working directory, and what
// each SKILL.md (its YAML front matter) and agents/openai.yaml say, as Codex 0.117.0 reads them.
#ifndef THREADLOG_API_SKILLS_SCAN_H_
#define THREADLOG_API_SKILLS_SCAN_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "nlohmann/json.hpp"

namespace threadlog::api {

// Where skills live, besides the repo folders found from each cwd.
struct SkillLocations {
  std::string codex_home;  // <codex_home>/skills: user scope; its .system/ folder: system scope
  std::string home;  // <home>/.agents/skills: user scope (where `threadlog migrate` puts them)
  std::string admin_root = "/etc/codex/skills";  // admin scope
};

// What one SKILL.md says, or why it could not be read.
struct SkillFile {
  std::string name;         // front matter `name`, else the folder's name; whitespace collapsed
  std::string description;  // required, whitespace collapsed
  std::optional<std::string> short_description;  // front matter metadata.short-description
  nlohmann::json interface = nullptr;            // SkillInterface from agents/openai.yaml
  nlohmann::json dependencies = nullptr;         // SkillDependencies from agents/openai.yaml
  std::string error;  // non-empty: the skill is not listed; this goes to `errors`
};

// Parses the SKILL.md at `skill_md` (and the agents/openai.yaml beside it). Never throws.
// Errors, in Codex's words: "missing YAML frontmatter delimited by ---", "invalid YAML: <what>",
// "missing field `description`" (absent or empty), "invalid name: exceeds maximum length of 64
// characters", "invalid description: exceeds maximum length of 1024 characters". A broken or
// odd agents/openai.yaml is ignored, as Codex ignores it: icons must be relative paths inside
// the skill folder (resolved to absolute), brandColor must be #RRGGBB, else they are null.
SkillFile ReadSkillFile(const std::string& skill_md);

// The SkillsListEntry {cwd, skills, errors} for `cwd`. Scopes and folders:
//   repo   <dir>/.agents/skills and <dir>/.codex/skills for every dir from `cwd` up to its repo
//          root (the nearest ancestor with .git; without one, `cwd` alone); none for a
//          relative or missing cwd;
//   user   <codex_home>/skills (but .system/), <home>/.agents/skills, then `extra_user_roots`;
//   system <codex_home>/skills/.system;
//   admin  `admin_root`.
// Every folder below a root is searched (symlinks followed, loops and hidden folders skipped)
// for files named SKILL.md; each is reported once, by its canonical path. Skills are sorted by
// scope (repo, user, system, admin), then name, then path; errors by path. `enabled(path)`
// gives config.toml's switch for a skill (nullopt: enabled).
nlohmann::json ListSkillsForCwd(
    const SkillLocations& locations, const std::string& cwd,
    const std::vector<std::string>& extra_user_roots,
    const std::function<std::optional<bool>(const std::string&)>& enabled);

}  // namespace threadlog::api

#endif  // THREADLOG_API_SKILLS_SCAN_H_
