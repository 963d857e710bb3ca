// Tests of CONFIG: settings.json (+ settings.local.json) -> config.toml, and its bad inputs.
#include "migrate/config_migration.h"

#include <sys/stat.h>

#include "gtest/gtest.h"
#include "tests/migrate/test_tree.h"
#include "tests/testutil/scratch_dir.h"

namespace threadlog::migrate {
namespace {

using ::threadlog::testing::MakeDir;
using ::threadlog::testing::MakeFile;
using ::threadlog::testing::MakeSymlink;
using ::threadlog::testing::ScratchDir;

TEST(EnvValueToStringTest, EveryJsonType) {
  EXPECT_EQ(EnvValueToString("bar"), "bar");
  EXPECT_EQ(EnvValueToString(""), "");
  EXPECT_EQ(EnvValueToString(true), "true");
  EXPECT_EQ(EnvValueToString(false), "false");
  EXPECT_EQ(EnvValueToString(3), "3");
  EXPECT_EQ(EnvValueToString(-7), "-7");
  EXPECT_EQ(EnvValueToString(1.5), "1.5");
  EXPECT_EQ(EnvValueToString(nullptr), std::nullopt);
  EXPECT_EQ(EnvValueToString(nlohmann::json::array({"a"})), std::nullopt);
  EXPECT_EQ(EnvValueToString(nlohmann::json::object({{"x", 1}})), std::nullopt);
}

TEST(MapSettingsTest, CodexTestExample) {
  std::vector<std::string> notes;
  toml::table t = MapSettings(nlohmann::json::parse(R"json({"env":{"FOO":"bar","CI":false,
      "MAX_RETRIES":3,"MY_TEAM":"codex","IGNORED":null,"LIST":["a","b"],"MAP":{"x":1}},
      "sandbox":{"enabled":true},"model":"claude","permissions":{"allow":["Bash(ls)"]}})json"),
                              &notes);
  EXPECT_EQ(t, toml::parse("sandbox_mode = \"workspace-write\"\n[shell_environment_policy]\n"
                           "inherit = \"core\"\n[shell_environment_policy.set]\nCI = \"false\"\n"
                           "FOO = \"bar\"\nMAX_RETRIES = \"3\"\nMY_TEAM = \"codex\"\n"));
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_NE(notes[0].find("IGNORED (null)"), std::string::npos) << notes[0];
  EXPECT_NE(notes[0].find("LIST (an array)"), std::string::npos);
  EXPECT_NE(notes[0].find("MAP (an object)"), std::string::npos);
}

TEST(MapSettingsTest, WhatIsNotMapped) {
  std::vector<std::string> notes;
  EXPECT_TRUE(MapSettings(nlohmann::json::parse(R"({"model":"opus"})"), &notes).empty());
  EXPECT_TRUE(
      MapSettings(nlohmann::json::parse(R"({"sandbox":{"enabled":false}})"), &notes).empty());
  EXPECT_TRUE(
      MapSettings(nlohmann::json::parse(R"({"sandbox":{"enabled":"true"}})"), &notes).empty());
  EXPECT_TRUE(MapSettings(nlohmann::json::parse(R"({"env":{}})"), &notes).empty());
  EXPECT_TRUE(notes.empty());
  EXPECT_TRUE(MapSettings(nlohmann::json::parse(R"({"env":["A=1"]})"), &notes).empty());
  EXPECT_EQ(notes.size(), 1u);
  // Every value dropped: Codex still writes the policy with an empty set.
  toml::table t = MapSettings(nlohmann::json::parse(R"({"env":{"A":null}})"), &notes);
  EXPECT_EQ(t, toml::parse("[shell_environment_policy]\ninherit = \"core\"\n"
                           "[shell_environment_policy.set]\n"));
}

class PlanConfigTest : public ::testing::Test {
 protected:
  Scope RepoScopeHere() { return RepoScope(dir_.path()); }
  std::string Settings() { return dir_.Sub(".claude/settings.json"); }
  ScratchDir dir_;
};

TEST_F(PlanConfigTest, NewConfigHasCodexExactText) {
  MakeFile(Settings(), R"({"env":{"FOO":"project"}})");
  absl::StatusOr<ItemPlan> plan = PlanConfig(RepoScopeHere(), nullptr);
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_EQ(plan->writes.size(), 1u);
  EXPECT_EQ(plan->writes[0].path, dir_.Sub(".codex/config.toml"));
  EXPECT_EQ(plan->writes[0].old_content, std::nullopt);
  EXPECT_EQ(plan->writes[0].new_content,
            "[shell_environment_policy]\ninherit = \"core\"\n\n"
            "[shell_environment_policy.set]\nFOO = \"project\"\n");
  EXPECT_EQ(plan->writes[0].mode, 0600u);
}

TEST_F(PlanConfigTest, LocalSettingsMergeOverProjectSettings) {
  MakeFile(Settings(), R"({"env":{"FOO":"project","KEEP":"1"},"sandbox":{"enabled":false}})");
  MakeFile(dir_.Sub(".claude/settings.local.json"),
           R"({"env":{"FOO":"local"},"sandbox":{"enabled":true}})");
  absl::StatusOr<ItemPlan> plan = PlanConfig(RepoScopeHere(), nullptr);
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_EQ(plan->writes.size(), 1u);
  toml::table t = toml::parse(plan->writes[0].new_content);
  EXPECT_EQ(t["shell_environment_policy"]["set"]["FOO"].value<std::string>(), "local");
  EXPECT_EQ(t["shell_environment_policy"]["set"]["KEEP"].value<std::string>(), "1");
  EXPECT_EQ(t["sandbox_mode"].value<std::string>(), "workspace-write");
}

TEST_F(PlanConfigTest, OnlyALocalFileIsEnough) {
  MakeFile(dir_.Sub(".claude/settings.local.json"), R"({"env":{"A":"1"}})");
  absl::StatusOr<ItemPlan> plan = PlanConfig(RepoScopeHere(), nullptr);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->writes.size(), 1u);
}

TEST_F(PlanConfigTest, InvalidLocalFileIsIgnoredWithANote) {
  MakeFile(Settings(), R"({"env":{"FOO":"project"}})");
  MakeFile(dir_.Sub(".claude/settings.local.json"), "{oops");
  absl::StatusOr<ItemPlan> plan = PlanConfig(RepoScopeHere(), nullptr);
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_EQ(plan->writes.size(), 1u);
  ASSERT_FALSE(plan->notes.empty());
  EXPECT_NE(plan->notes[0].find("settings.local.json"), std::string::npos);
}

TEST_F(PlanConfigTest, NothingToMapOrAlreadyThereMeansNoWrite) {
  EXPECT_TRUE(PlanConfig(RepoScopeHere(), nullptr)->empty());  // no settings at all
  MakeFile(Settings(), R"({"model":"opus","sandbox":{"enabled":false}})");
  EXPECT_TRUE(PlanConfig(RepoScopeHere(), nullptr)->empty());
  MakeFile(Settings(), R"({"env":{"FOO":"x"},"sandbox":{"enabled":true}})");
  MakeFile(dir_.Sub(".codex/config.toml"),
           "sandbox_mode = \"read-only\"\n[shell_environment_policy.set]\nFOO = \"mine\"\n"
           "[shell_environment_policy]\ninherit = \"none\"\n");
  absl::StatusOr<ItemPlan> plan = PlanConfig(RepoScopeHere(), nullptr);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_TRUE(plan->empty());
}

TEST_F(PlanConfigTest, ExistingFileKeepsItsModeAndBytes) {
  MakeFile(Settings(), R"({"sandbox":{"enabled":true}})");
  const std::string original = "# keep me\nmodel = \"gpt-5\" # and me\n";
  MakeFile(dir_.Sub(".codex/config.toml"), original, 0640);
  absl::StatusOr<ItemPlan> plan = PlanConfig(RepoScopeHere(), nullptr);
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_EQ(plan->writes.size(), 1u);
  EXPECT_EQ(plan->writes[0].old_content, original);
  EXPECT_EQ(plan->writes[0].new_content, original + "sandbox_mode = \"workspace-write\"\n");
  EXPECT_EQ(plan->writes[0].mode, 0640u);
}

TEST_F(PlanConfigTest, OverlayIsReadBeforeDisk) {
  MakeFile(Settings(), R"({"sandbox":{"enabled":true}})");
  Overlay overlay{{dir_.Sub(".codex/config.toml"), "sandbox_mode = \"x\"\n"}};
  EXPECT_TRUE(PlanConfig(RepoScopeHere(), &overlay)->empty());
}

struct BadSettings {
  const char* name;
  std::string content;
  const char* expected_message;
};

class BadSettingsTest : public ::testing::TestWithParam<BadSettings> {};

TEST_P(BadSettingsTest, IsAClearErrorNamingTheFile) {
  ScratchDir dir;
  const std::string settings = dir.Sub(".claude/settings.json");
  MakeFile(settings, GetParam().content);
  absl::StatusOr<ItemPlan> plan = PlanConfig(RepoScope(dir.path()), nullptr);
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(plan.status().message().find(settings), std::string::npos) << plan.status();
  EXPECT_NE(plan.status().message().find(GetParam().expected_message), std::string::npos)
      << plan.status();
}

INSTANTIATE_TEST_SUITE_P(
    All, BadSettingsTest,
    ::testing::Values(
        BadSettings{"Malformed", "{\"env\": {", "invalid JSON"},
        BadSettings{"TrailingComma", "{\"env\": {},}", "invalid JSON"},
        BadSettings{"Comment", "// c\n{}", "invalid JSON"},
        BadSettings{"NotUtf8", "{\"env\": {\"A\": \"\xff\xfe\"}}", "not valid UTF-8"},
        BadSettings{"Array", "[{\"env\": {}}]", "must be a JSON object, but it is an array"},
        BadSettings{"String", "\"x\"", "but it is a string"},
        BadSettings{"Empty", "", "invalid JSON"},
        BadSettings{"NulAfterTheObject", std::string("{}\0x", 4), "NUL byte"},
        BadSettings{"TooDeep", "{\"env\":" + std::string(200, '[') + std::string(200, ']') + "}",
                    "nested deeper than 127 levels"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST_F(PlanConfigTest, SettingsThatIsADirectoryIsUnreadable) {
  MakeDir(Settings());
  absl::StatusOr<ItemPlan> plan = PlanConfig(RepoScopeHere(), nullptr);
  EXPECT_EQ(plan.status().code(), absl::StatusCode::kFailedPrecondition) << plan.status();
}

TEST_F(PlanConfigTest, UnreadableSettingsFile) {
  MakeFile(Settings(), R"({"env":{"A":"1"}})", 0000);
  ::threadlog::testing::ScopedNoDacOverride no_root_powers;
  absl::StatusOr<ItemPlan> plan = PlanConfig(RepoScopeHere(), nullptr);
  EXPECT_EQ(plan.status().code(), absl::StatusCode::kPermissionDenied) << plan.status();
}

TEST_F(PlanConfigTest, InvalidExistingConfigIsReportedAndLeftAlone) {
  MakeFile(Settings(), R"({"env":{"A":"1"}})");
  MakeFile(dir_.Sub(".codex/config.toml"), "this is = = not toml");
  absl::StatusOr<ItemPlan> plan = PlanConfig(RepoScopeHere(), nullptr);
  EXPECT_EQ(plan.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(plan.status().message().find("invalid existing config.toml"), std::string::npos);
}

TEST_F(PlanConfigTest, TargetDirectoryThatIsAFile) {
  MakeFile(Settings(), R"({"env":{"A":"1"}})");
  MakeFile(dir_.Sub(".codex"), "not a directory");
  absl::StatusOr<ItemPlan> plan = PlanConfig(RepoScopeHere(), nullptr);
  EXPECT_EQ(plan.status().code(), absl::StatusCode::kFailedPrecondition) << plan.status();
  EXPECT_NE(plan.status().message().find("is not a directory"), std::string::npos);
}

TEST_F(PlanConfigTest, SymlinkedClaudeDirIsNotFollowed) {
  ScratchDir elsewhere;
  MakeFile(elsewhere.Sub("settings.json"), R"({"env":{"A":"1"}})");
  MakeSymlink(elsewhere.path(), dir_.Sub(".claude"));
  absl::StatusOr<ItemPlan> plan = PlanConfig(RepoScopeHere(), nullptr);
  EXPECT_EQ(plan.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(plan.status().message().find("is a symlink"), std::string::npos);
}

}  // namespace
}  // namespace threadlog::migrate
