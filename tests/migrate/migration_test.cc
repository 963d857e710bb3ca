// Tests of detect/import orchestration over scratch home and repo trees: every mapping, order,
// idempotence, dry run, atomicity under injected failures, and bad inputs failing alone.
#include "migrate/migration.h"

#include <sys/stat.h>
#include <unistd.h>

#include "gtest/gtest.h"
#include "migrate/config_migration.h"
#include "migrate/plan.h"
#include "tests/migrate/test_tree.h"
#include "tests/testutil/scratch_dir.h"

namespace threadlog::migrate {
namespace {

using ::threadlog::testing::FindTempLeftovers;
using ::threadlog::testing::MakeDir;
using ::threadlog::testing::MakeFile;
using ::threadlog::testing::MakeSymlink;
using ::threadlog::testing::ReadFileOrDie;
using ::threadlog::testing::ScratchDir;
using ::threadlog::testing::Snapshot;

class MigrationTest : public ::testing::Test {
 protected:
  MigrationTest() : env_{home_.path(), home_.Sub(".codex")} { MakeDir(repo_.Sub(".git")); }

  // A full Claude setup in both scopes.
  void PopulateAll() {
    MakeFile(home_.Sub(".claude/settings.json"),
             R"({"env":{"FOO":"bar","CI":false,"N":3,"NUL":null},"sandbox":{"enabled":true}})");
    MakeFile(home_.Sub(".claude/settings.local.json"), R"({"env":{"LOCAL":"1"}})");
    MakeFile(home_.Sub(".claude/skills/foo/SKILL.md"), "Use Claude Code.\n");
    MakeFile(home_.Sub(".claude/skills/foo/run.sh"), "echo claude\n", 0755);
    MakeFile(home_.Sub(".codex/config.toml"),
             "# mine\n[shell_environment_policy]\ninherit = \"all\"\n");
    MakeFile(home_.Sub(".claude.json"), R"({"mcpServers":{"s1":{"command":"npx"}}})");
    MakeFile(repo_.Sub(".claude/settings.json"), R"({"env":{"FOO":"project"}})");
    MakeFile(repo_.Sub(".claude/skills/bar/SKILL.md"), "claude\n");
    MakeFile(repo_.Sub(".mcp.json"), R"({"mcpServers":{"r1":{"url":"https://r"}}})");
    MakeFile(repo_.Sub("CLAUDE.md"), "See CLAUDE.md.\n");
  }

  std::vector<MigrationItem> DetectAll() {
    absl::StatusOr<DetectReport> report = Detect(env_, {true, {repo_.path()}});
    EXPECT_TRUE(report.ok()) << report.status();
    return report.ok() ? report->items : std::vector<MigrationItem>{};
  }

  ScratchDir home_;
  ScratchDir repo_;
  Environment env_;
};

TEST_F(MigrationTest, DetectListsItemsInCodexOrderWithCodexDescriptions) {
  PopulateAll();
  absl::StatusOr<DetectReport> report = Detect(env_, {true, {repo_.path()}});
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->problems.empty());
  const std::string h = home_.path(), r = repo_.path();
  std::vector<std::tuple<std::string, std::string, std::string>> got;
  for (const MigrationItem& i : report->items) {
    got.emplace_back(std::string(ItemTypeName(i.type)), i.description, i.cwd);
  }
  std::vector<std::tuple<std::string, std::string, std::string>> want = {
      {"CONFIG", "Migrate " + h + "/.claude/settings.json into " + h + "/.codex/config.toml", ""},
      {"MCP_SERVER_CONFIG",
       "Migrate MCP servers from " + h + "/.claude.json into " + h + "/.codex/config.toml", ""},
      {"SKILLS", "Copy skill folders from " + h + "/.claude/skills to " + h + "/.agents/skills",
       ""},
      {"CONFIG", "Migrate " + r + "/.claude/settings.json into " + r + "/.codex/config.toml", r},
      {"MCP_SERVER_CONFIG",
       "Migrate MCP servers from " + r + "/.mcp.json into " + r + "/.codex/config.toml", r},
      {"SKILLS", "Copy skill folders from " + r + "/.claude/skills to " + r + "/.agents/skills", r},
      {"AGENTS_MD", "Import " + r + "/CLAUDE.md to " + r + "/AGENTS.md", r},
  };
  EXPECT_EQ(got, want);
}

TEST_F(MigrationTest, ImportDoesEveryMappingThenDetectIsEmpty) {
  PopulateAll();
  absl::StatusOr<ImportReport> report = Import(env_, DetectAll(), {});
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->ok());
  for (const ItemResult& r : report->results) {
    EXPECT_TRUE(r.status.ok()) << ItemTypeName(r.item.type) << ": " << r.status;
    EXPECT_TRUE(r.changed()) << ItemTypeName(r.item.type);
  }
  EXPECT_EQ(ReadFileOrDie(home_.Sub(".codex/config.toml")),
            // A comment right above a header stays with it; root keys go before both.
            "sandbox_mode = \"workspace-write\"\n\n# mine\n[shell_environment_policy]\n"
            "inherit = \"all\"\n\n[shell_environment_policy.set]\nCI = \"false\"\nFOO = \"bar\"\n"
            "LOCAL = \"1\"\nN = \"3\"\n\n[mcp_servers.s1]\ncommand = \"npx\"\n");
  EXPECT_EQ(ReadFileOrDie(repo_.Sub(".codex/config.toml")),
            "[shell_environment_policy]\ninherit = \"core\"\n\n[shell_environment_policy.set]\n"
            "FOO = \"project\"\n\n[mcp_servers.r1]\nurl = \"https://r\"\n");
  EXPECT_EQ(ReadFileOrDie(home_.Sub(".agents/skills/foo/SKILL.md")), "Use Codex.\n");
  EXPECT_EQ(ReadFileOrDie(home_.Sub(".agents/skills/foo/run.sh")), "echo claude\n");
  EXPECT_EQ(ReadFileOrDie(repo_.Sub(".agents/skills/bar/SKILL.md")), "Codex\n");
  EXPECT_EQ(ReadFileOrDie(repo_.Sub("AGENTS.md")), "See AGENTS.md.\n");
  EXPECT_EQ(FindTempLeftovers(home_.path()) + FindTempLeftovers(repo_.path()), "");
  EXPECT_TRUE(DetectAll().empty());
}

TEST_F(MigrationTest, SecondImportChangesNothing) {
  PopulateAll();
  std::vector<MigrationItem> items = DetectAll();
  ASSERT_TRUE(Import(env_, items, {}).ok());
  auto home_before = Snapshot(home_.path());
  auto repo_before = Snapshot(repo_.path());
  absl::StatusOr<ImportReport> again = Import(env_, items, {});  // the same, stale item list
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->ok());
  EXPECT_FALSE(again->changed());
  EXPECT_EQ(Snapshot(home_.path()), home_before);
  EXPECT_EQ(Snapshot(repo_.path()), repo_before);
}

TEST_F(MigrationTest, DryRunTouchesNothingAndShowsTheCombinedDiff) {
  PopulateAll();
  auto home_before = Snapshot(home_.path());
  auto repo_before = Snapshot(repo_.path());
  absl::StatusOr<ImportReport> report =
      Import(env_, DetectAll(), {.dry_run = true, .fault_hook = {}});
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(Snapshot(home_.path()), home_before);
  EXPECT_EQ(Snapshot(repo_.path()), repo_before);
  ASSERT_EQ(report->results.size(), 7u);
  const std::string config = home_.Sub(".codex/config.toml");
  EXPECT_NE(report->results[0].diff.find("--- a" + config + "\n+++ b" + config), std::string::npos);
  EXPECT_NE(report->results[0].diff.find("+sandbox_mode = \"workspace-write\"\n"),
            std::string::npos);
  // The MCP diff is against the config as the CONFIG item would leave it.
  EXPECT_NE(report->results[1].diff.find(" FOO = \"bar\"\n"), std::string::npos)
      << report->results[1].diff;
  EXPECT_NE(report->results[1].diff.find("+[mcp_servers.s1]\n"), std::string::npos);
  const std::string skill = home_.Sub(".agents/skills/foo/SKILL.md");
  EXPECT_NE(report->results[2].diff.find("--- /dev/null\n+++ b" + skill + "\n@@ -0,0 +1 @@"),
            std::string::npos)
      << report->results[2].diff;
  EXPECT_NE(report->results[6].diff.find("+See AGENTS.md.\n"), std::string::npos);
}

TEST_F(MigrationTest, FailureBetweenItemsLeavesEachFileWholeAndIsReported) {
  PopulateAll();
  const std::string repo_config = repo_.Sub(".codex/config.toml");
  const std::string home_config = home_.Sub(".codex/config.toml");
  const std::string original_home_config = ReadFileOrDie(home_config);
  ImportOptions options;
  options.fault_hook = [&](std::string_view stage, const std::string& path) {
    if (stage == "rename" && (path == repo_config || path == home_.Sub(".agents/skills/foo"))) {
      return absl::ResourceExhaustedError("injected: disk full");
    }
    return absl::OkStatus();
  };
  absl::StatusOr<ImportReport> report = Import(env_, DetectAll(), options);
  ASSERT_TRUE(report.ok());
  EXPECT_FALSE(report->ok());
  std::vector<std::string> failed;
  for (const ItemResult& r : report->results) {
    if (!r.status.ok()) failed.push_back(std::string(ItemTypeName(r.item.type)) + "@" + r.item.cwd);
  }
  EXPECT_EQ(failed, (std::vector<std::string>{"SKILLS@", "CONFIG@" + repo_.path(),
                                              "MCP_SERVER_CONFIG@" + repo_.path()}));
  EXPECT_NE(report->results[2].status.message().find("disk full"), std::string::npos);
  // Items before and after the failures are complete; the failed ones left nothing behind.
  EXPECT_NE(ReadFileOrDie(home_config), original_home_config);
  EXPECT_NE(ReadFileOrDie(home_config).find("[mcp_servers.s1]"), std::string::npos);
  EXPECT_EQ(access(home_.Sub(".agents/skills/foo").c_str(), F_OK), -1);
  EXPECT_EQ(access(repo_config.c_str(), F_OK), -1);
  EXPECT_EQ(ReadFileOrDie(repo_.Sub("AGENTS.md")), "See AGENTS.md.\n");
  EXPECT_EQ(FindTempLeftovers(home_.path()) + FindTempLeftovers(repo_.path()), "");
  // A later run finishes the job.
  absl::StatusOr<ImportReport> retry = Import(env_, DetectAll(), {});
  ASSERT_TRUE(retry.ok());
  EXPECT_TRUE(retry->ok());
  EXPECT_TRUE(DetectAll().empty());
}

TEST_F(MigrationTest, BadInputsFailAloneAndTheOtherItemsRun) {
  MakeFile(home_.Sub(".claude/settings.json"), "[1, 2]");          // an array
  MakeFile(home_.Sub(".claude/skills/foo/SKILL.md"), "claude\n");  // fine
  MakeFile(home_.Sub(".claude.json"), "{\"mcpServers\": {\xff}");  // not UTF-8
  MakeFile(repo_.Sub(".claude/settings.json"), R"({"env":{"A":"1"}})");
  MakeFile(repo_.Sub(".codex"), "a file where a directory should be");
  MakeFile(repo_.Sub("CLAUDE.md"), "claude\n");
  absl::StatusOr<DetectReport> detect = Detect(env_, {true, {repo_.path()}});
  ASSERT_TRUE(detect.ok());
  std::vector<std::string> problems;
  for (const ItemProblem& p : detect->problems) {
    problems.push_back(std::string(ItemTypeName(*p.type)) + "@" + p.cwd);
  }
  EXPECT_EQ(problems,
            (std::vector<std::string>{"CONFIG@", "MCP_SERVER_CONFIG@", "CONFIG@" + repo_.path()}));
  ASSERT_EQ(detect->items.size(), 2u);
  absl::StatusOr<ImportReport> report = Import(env_, detect->items, {});
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok());
  EXPECT_EQ(ReadFileOrDie(home_.Sub(".agents/skills/foo/SKILL.md")), "Codex\n");
  EXPECT_EQ(ReadFileOrDie(repo_.Sub("AGENTS.md")), "Codex\n");
  // Importing the failing items explicitly reports why, per item.
  report = Import(env_, {{ItemType::kConfig, "", ""}, {ItemType::kConfig, "", repo_.path()}}, {});
  ASSERT_TRUE(report.ok());
  EXPECT_NE(report->results[0].status.message().find("must be a JSON object"), std::string::npos);
  EXPECT_NE(report->results[1].status.message().find("is not a directory"), std::string::npos);
  EXPECT_EQ(ReadFileOrDie(repo_.Sub(".codex")), "a file where a directory should be");
}

TEST_F(MigrationTest, ReadOnlyHomeGivesPerItemErrorsAndLosesNothing) {
  PopulateAll();
  auto before = Snapshot(home_.path());
  ASSERT_EQ(chmod(home_.Sub(".codex").c_str(), 0555), 0);
  ASSERT_EQ(chmod(home_.path().c_str(), 0555), 0);
  absl::StatusOr<ImportReport> report;
  {
    ::threadlog::testing::ScopedNoDacOverride no_root_powers;
    report = Import(env_, DetectAll(), {});
  }
  chmod(home_.path().c_str(), 0755);
  chmod(home_.Sub(".codex").c_str(), 0755);
  ASSERT_TRUE(report.ok());
  int home_failures = 0;
  for (const ItemResult& r : report->results) {
    if (r.item.cwd.empty()) {
      EXPECT_EQ(r.status.code(), absl::StatusCode::kPermissionDenied) << r.status;
      ++home_failures;
    } else {
      EXPECT_TRUE(r.status.ok()) << r.status;
    }
  }
  EXPECT_EQ(home_failures, 3);
  before.erase(".codex");  // its mode was changed above and restored
  auto after = Snapshot(home_.path());
  after.erase(".codex");
  EXPECT_EQ(after, before);
  EXPECT_EQ(FindTempLeftovers(home_.path()), "");
}

TEST_F(MigrationTest, RepoRootIsFoundFromANestedCwdAndDuplicatesAreKept) {
  MakeFile(repo_.Sub("CLAUDE.md"), "claude\n");
  MakeDir(repo_.Sub("nested/child"));
  absl::StatusOr<DetectReport> report =
      Detect(env_, {false, {repo_.Sub("nested/child"), repo_.path()}});
  ASSERT_TRUE(report.ok());
  ASSERT_EQ(report->items.size(), 2u);
  EXPECT_EQ(report->items[0].cwd, repo_.path());
  EXPECT_EQ(report->items[1].cwd, repo_.path());
  EXPECT_EQ(report->items[0].description, report->items[1].description);
}

TEST_F(MigrationTest, GitFileMarksAWorktreeRoot) {
  ScratchDir worktree;
  MakeFile(worktree.Sub(".git"), "gitdir: /elsewhere\n");
  MakeFile(worktree.Sub("CLAUDE.md"), "claude\n");
  MakeDir(worktree.Sub("src"));
  absl::StatusOr<DetectReport> report = Detect(env_, {false, {worktree.Sub("src")}});
  ASSERT_TRUE(report.ok());
  ASSERT_EQ(report->items.size(), 1u);
  EXPECT_EQ(report->items[0].cwd, worktree.path());
}

TEST_F(MigrationTest, MissingCwdIsAProblemNotAnError) {
  absl::StatusOr<DetectReport> report = Detect(env_, {false, {repo_.Sub("nope")}});
  ASSERT_TRUE(report.ok());
  ASSERT_EQ(report->problems.size(), 1u);
  EXPECT_EQ(report->problems[0].status.code(), absl::StatusCode::kNotFound);
  absl::StatusOr<ImportReport> imported =
      Import(env_, {{ItemType::kAgentsMd, "", repo_.Sub("nope")}}, {});
  ASSERT_TRUE(imported.ok());
  EXPECT_TRUE(imported->ok());
  EXPECT_FALSE(imported->changed());
}

TEST_F(MigrationTest, RelativePathsAreInvalidArguments) {
  EXPECT_EQ(Detect(env_, {false, {"relative/dir"}}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Import(env_, {{ItemType::kConfig, "", "relative"}}, {}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Detect({"home", "/codex"}, {}).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(MigrationTest, SymlinkedClaudeDirIsReportedPerItem) {
  ScratchDir real;
  MakeFile(real.Sub("settings.json"), R"({"env":{"A":"1"}})");
  MakeFile(real.Sub("skills/foo/SKILL.md"), "x");
  MakeSymlink(real.path(), repo_.Sub(".claude"));
  MakeFile(repo_.Sub("CLAUDE.md"), "claude\n");
  absl::StatusOr<DetectReport> report = Detect(env_, {false, {repo_.path()}});
  ASSERT_TRUE(report.ok());
  ASSERT_EQ(report->problems.size(), 2u);
  EXPECT_EQ(*report->problems[0].type, ItemType::kConfig);
  EXPECT_EQ(*report->problems[1].type, ItemType::kSkills);
  ASSERT_EQ(report->items.size(), 1u);
  EXPECT_EQ(report->items[0].type, ItemType::kAgentsMd);
}

TEST_F(MigrationTest, FileChangedAfterPlanningIsLeftAlone) {
  MakeFile(repo_.Sub(".claude/settings.json"), R"({"env":{"A":"1"}})");
  MakeFile(repo_.Sub(".codex/config.toml"), "model = \"a\"\n");
  absl::StatusOr<ItemPlan> plan = PlanConfig(RepoScope(repo_.path()), nullptr);
  ASSERT_TRUE(plan.ok());
  ASSERT_EQ(plan->writes.size(), 1u);
  MakeFile(repo_.Sub(".codex/config.toml"), "model = \"changed by the user\"\n");
  std::vector<std::string> written;
  EXPECT_EQ(ApplyPlan(*plan, {}, &written).code(), absl::StatusCode::kAborted);
  EXPECT_TRUE(written.empty());
  EXPECT_EQ(ReadFileOrDie(repo_.Sub(".codex/config.toml")), "model = \"changed by the user\"\n");
}

TEST(ItemTypeTest, NamesRoundTrip) {
  for (ItemType t :
       {ItemType::kConfig, ItemType::kMcpServerConfig, ItemType::kSkills, ItemType::kAgentsMd}) {
    EXPECT_EQ(ParseItemType(ItemTypeName(t)), t);
  }
  EXPECT_EQ(ParseItemType("HOOKS"), std::nullopt);
}

}  // namespace
}  // namespace threadlog::migrate
