// Unit tests of api/skills_scan: SKILL.md front matter, agents/openai.yaml, broken files as
// entries of `errors`, roots and scopes, order, symlinks.
#include "api/skills_scan.h"

#include <filesystem>
#include <string>

#include "gtest/gtest.h"
#include "tests/testutil/scratch_dir.h"

namespace threadlog::api {
namespace {

using nlohmann::json;
using threadlog::testing::ScratchDir;
using threadlog::testing::WriteFileOrDie;
namespace fs = std::filesystem;

void Skill(const std::string& dir, const std::string& front) {
  fs::create_directories(dir);
  WriteFileOrDie(dir + "/SKILL.md", "---\n" + front + "---\nBody\n");
}

TEST(SkillFileTest, FrontMatterFields) {
  ScratchDir dir;
  Skill(dir.Sub("s"),
        "name: \"  my   skill \"\ndescription: >\n  two\n  lines\n"
        "metadata:\n  short-description: short\n");
  SkillFile f = ReadSkillFile(dir.Sub("s/SKILL.md"));
  EXPECT_EQ(f.error, "");
  EXPECT_EQ(f.name, "my skill");
  EXPECT_EQ(f.description, "two lines");
  EXPECT_EQ(f.short_description, "short");
  EXPECT_TRUE(f.interface.is_null());
  Skill(dir.Sub("folder-name"), "description: d\n");
  EXPECT_EQ(ReadSkillFile(dir.Sub("folder-name/SKILL.md")).name, "folder-name");
}

TEST(SkillFileTest, BrokenFilesSayWhy) {
  ScratchDir dir;
  fs::create_directories(dir.Sub("a"));
  WriteFileOrDie(dir.Sub("a/SKILL.md"), "# no front matter\n");
  EXPECT_EQ(ReadSkillFile(dir.Sub("a/SKILL.md")).error,
            "missing YAML frontmatter delimited by ---");
  WriteFileOrDie(dir.Sub("a/SKILL.md"), "---\nname: a\ndescription: never closed\n");
  EXPECT_EQ(ReadSkillFile(dir.Sub("a/SKILL.md")).error,
            "missing YAML frontmatter delimited by ---");
  Skill(dir.Sub("b"), "name: b\n");
  EXPECT_EQ(ReadSkillFile(dir.Sub("b/SKILL.md")).error, "missing field `description`");
  Skill(dir.Sub("c"), "name: c\ndescription: a: b\n");
  EXPECT_EQ(ReadSkillFile(dir.Sub("c/SKILL.md")).error,
            "invalid YAML: mapping values are not allowed in this context at line 2 column 15");
  Skill(dir.Sub("d"), "name: [x]\ndescription: d\n");
  EXPECT_EQ(ReadSkillFile(dir.Sub("d/SKILL.md")).error,
            "invalid YAML: name: invalid type: sequence, expected a string");
  Skill(dir.Sub("e"), "name: " + std::string(65, 'n') + "\ndescription: d\n");
  EXPECT_EQ(ReadSkillFile(dir.Sub("e/SKILL.md")).error,
            "invalid name: exceeds maximum length of 64 characters");
  Skill(dir.Sub("f"), "name: f\ndescription: " + std::string(1025, 'd') + "\n");
  EXPECT_EQ(ReadSkillFile(dir.Sub("f/SKILL.md")).error,
            "invalid description: exceeds maximum length of 1024 characters");
  Skill(dir.Sub("g"), "- a list\n");
  EXPECT_NE(ReadSkillFile(dir.Sub("g/SKILL.md")).error.find("invalid YAML"), std::string::npos);
  // 64 characters of UTF-8 (128 bytes) are within the limit.
  std::string wide;
  for (int i = 0; i < 64; ++i) wide += "\xC3\xA9";
  Skill(dir.Sub("h"), "name: " + wide + "\ndescription: d\n");
  EXPECT_EQ(ReadSkillFile(dir.Sub("h/SKILL.md")).error, "");
}

TEST(SkillFileTest, OpenAiYamlInterfaceAndDependencies) {
  ScratchDir dir;
  Skill(dir.Sub("s"), "name: s\ndescription: d\n");
  fs::create_directories(dir.Sub("s/agents"));
  WriteFileOrDie(dir.Sub("s/agents/openai.yaml"),
                 "interface:\n  display_name: D\n  icon_small: ./a/s.svg\n  icon_large: ../x.png\n"
                 "  brand_color: \"#12ab9F\"\n"
                 "dependencies:\n  tools:\n    - {type: mcp, value: v, url: u}\n    - {type: x}\n");
  SkillFile f = ReadSkillFile(dir.Sub("s/SKILL.md"));
  EXPECT_EQ(f.interface["displayName"], "D");
  EXPECT_EQ(f.interface["iconSmall"], dir.Sub("s/a/s.svg"));
  EXPECT_TRUE(f.interface["iconLarge"].is_null());  // outside the skill folder
  EXPECT_EQ(f.interface["brandColor"], "#12ab9F");
  EXPECT_TRUE(f.interface["defaultPrompt"].is_null());
  EXPECT_EQ(f.dependencies, json::parse(R"({"tools":[{"type":"mcp","value":"v","url":"u"}]})"));
  WriteFileOrDie(dir.Sub("s/agents/openai.yaml"), "interface: [\n");
  SkillFile broken = ReadSkillFile(dir.Sub("s/SKILL.md"));
  EXPECT_EQ(broken.error, "");
  EXPECT_TRUE(broken.interface.is_null());
}

TEST(ListSkillsTest, ScopesOrderErrorsAndSymlinks) {
  ScratchDir dir;
  const std::string home = dir.Sub("home"), codex = dir.Sub("home/.codex");
  Skill(codex + "/skills/zed", "name: zed\ndescription: user\n");
  Skill(codex + "/skills/nested/deeper/alpha", "name: alpha\ndescription: nested\n");
  Skill(codex + "/skills/.system/sys", "name: sys\ndescription: system\n");
  Skill(codex + "/skills/.hidden/h", "name: h\ndescription: hidden\n");
  fs::create_directories(codex + "/skills/bad");
  WriteFileOrDie(codex + "/skills/bad/SKILL.md", "nothing\n");
  Skill(home + "/.agents/skills/gamma", "name: gamma\ndescription: agents\n");
  Skill(dir.Sub("admin/adm"), "name: adm\ndescription: admin\n");
  fs::create_directories(dir.Sub("repo/.git"));
  Skill(dir.Sub("repo/.agents/skills/r1"), "name: r1\ndescription: root\n");
  Skill(dir.Sub("repo/sub/.codex/skills/r2"), "name: r2\ndescription: sub\n");
  Skill(dir.Sub("elsewhere/linked"), "name: linked\ndescription: via symlink\n");
  fs::create_symlink(dir.Sub("elsewhere/linked"), codex + "/skills/link");
  fs::create_symlink(codex + "/skills", codex + "/skills/nested/loop");  // a cycle
  Skill(dir.Sub("extra/x"), "name: x\ndescription: extra\n");

  SkillLocations where{codex, home, dir.Sub("admin")};
  json entry = ListSkillsForCwd(where, dir.Sub("repo/sub"), {dir.Sub("extra")},
                                [&](const std::string& path) -> std::optional<bool> {
                                  if (path == codex + "/skills/zed/SKILL.md") return false;
                                  return std::nullopt;
                                });
  EXPECT_EQ(entry["cwd"], dir.Sub("repo/sub"));
  std::vector<std::string> got;
  for (const json& s : entry["skills"]) {
    got.push_back(s["scope"].get<std::string>() + ":" + s["name"].get<std::string>());
  }
  EXPECT_EQ(got, (std::vector<std::string>{"repo:r1", "repo:r2", "user:alpha", "user:gamma",
                                           "user:linked", "user:x", "user:zed", "system:sys",
                                           "admin:adm"}));
  for (const json& s : entry["skills"]) {
    if (s["name"] == "zed") {
      EXPECT_EQ(s["enabled"], false);
    }
    if (s["name"] == "linked") {
      EXPECT_EQ(s["path"], dir.Sub("elsewhere/linked/SKILL.md"));
    }
  }
  ASSERT_EQ(entry["errors"].size(), 1u);
  EXPECT_EQ(entry["errors"][0]["path"], codex + "/skills/bad/SKILL.md");

  // A relative or missing cwd has no repo skills; the rest are the same.
  json relative = ListSkillsForCwd(where, "rel/dir", {}, nullptr);
  EXPECT_EQ(relative["skills"][0]["scope"], "user");
  json missing = ListSkillsForCwd(where, dir.Sub("nope"), {}, nullptr);
  EXPECT_EQ(missing["skills"][0]["scope"], "user");
}

}  // namespace
}  // namespace threadlog::api
