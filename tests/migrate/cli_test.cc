// Integration tests of `threadlog migrate`: the built binary run with HOME/CODEX_HOME on scratch.
#include <sys/stat.h>
#include <unistd.h>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/migrate/test_tree.h"
#include "tests/testutil/scratch_dir.h"

namespace threadlog::testing {
namespace {

class MigrateCliTest : public ::testing::Test {
 protected:
  MigrateCliTest() {
    MakeDir(repo_.Sub(".git"));
    MakeFile(home_.Sub(".claude/settings.json"),
             R"({"env":{"FOO":"bar","N":3},"sandbox":{"enabled":true}})");
    MakeFile(home_.Sub(".claude/skills/foo/SKILL.md"), "Use Claude Code.\n");
    MakeFile(home_.Sub(".claude/skills/foo/tool.py"), "print('claude')\n", 0755);
    MakeFile(home_.Sub(".codex/config.toml"), "# my settings\nmodel = \"gpt-5\"  # keep\n");
    MakeFile(repo_.Sub(".claude/settings.json"), R"({"env":{"FOO":"project"}})");
    MakeFile(repo_.Sub(".mcp.json"),
             R"({"mcpServers":{"db":{"command":"db-mcp","args":["--ro"]}}})");
    MakeFile(repo_.Sub("CLAUDE.md"), "See CLAUDE.md for Claude Code.\n");
  }

  CommandResult Run(std::vector<std::string> args, const std::string& cwd = "") {
    args.insert(args.begin(), {THREADLOG_BINARY, "migrate"});
    return RunCommand(args, {{"HOME", home_.path()}, {"CODEX_HOME", ""}}, cwd);
  }

  ScratchDir home_;
  ScratchDir repo_;
};

TEST_F(MigrateCliTest, DetectListsItemsAsTextAndAsApiJson) {
  CommandResult r = Run({"detect", "--repo", repo_.path()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("CONFIG [home]: Migrate " + home_.Sub(".claude/settings.json") + " into " +
                       home_.Sub(".codex/config.toml") + "\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("AGENTS_MD [" + repo_.path() + "]: Import " + repo_.Sub("CLAUDE.md")),
            std::string::npos);

  CommandResult j = Run({"detect", "--repo", repo_.path(), "--json"});
  ASSERT_EQ(j.exit_code, 0) << j.err;
  nlohmann::json response = nlohmann::json::parse(j.out);
  std::vector<std::string> types;
  for (const auto& item : response.at("items")) {
    types.push_back(item.at("itemType").get<std::string>() + "@" +
                    (item.at("cwd").is_null() ? "" : item.at("cwd").get<std::string>()));
    EXPECT_EQ(item.size(), 3u) << item;
  }
  const std::string r_ = repo_.path();
  EXPECT_EQ(types, (std::vector<std::string>{"CONFIG@", "SKILLS@", "CONFIG@" + r_,
                                             "MCP_SERVER_CONFIG@" + r_, "AGENTS_MD@" + r_}));

  CommandResult no_home = Run({"detect", "--no-home", "--json"});
  ASSERT_EQ(no_home.exit_code, 0);
  EXPECT_EQ(nlohmann::json::parse(no_home.out), nlohmann::json::parse(R"({"items":[]})"));
}

TEST_F(MigrateCliTest, DryRunPrintsDiffsAndTouchesNothing) {
  auto home_before = Snapshot(home_.path());
  auto repo_before = Snapshot(repo_.path());
  CommandResult r = Run({"import", "--repo", repo_.path(), "--dry-run"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Snapshot(home_.path()), home_before);
  EXPECT_EQ(Snapshot(repo_.path()), repo_before);
  const std::string config = home_.Sub(".codex/config.toml");
  EXPECT_NE(r.out.find("--- a" + config + "\n+++ b" + config +
                       "\n@@ -1,2 +1,10 @@\n"
                       " # my settings\n model = \"gpt-5\"  # keep\n"
                       "+sandbox_mode = \"workspace-write\"\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("--- /dev/null\n+++ b" + repo_.Sub("AGENTS.md") +
                       "\n@@ -0,0 +1 @@\n+See AGENTS.md for Codex.\n"),
            std::string::npos);
  EXPECT_NE(r.out.find("+++ b" + home_.Sub(".agents/skills/foo/tool.py")), std::string::npos);
  EXPECT_NE(r.out.find("nothing was written"), std::string::npos);
}

TEST_F(MigrateCliTest, ImportReportsEachItemAndTheSecondRunChangesNothing) {
  CommandResult r = Run({"import", "--repo", repo_.path()});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("CONFIG [home]: done: wrote " + home_.Sub(".codex/config.toml")),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("SKILLS [home]: done: wrote " + home_.Sub(".agents/skills/foo")),
            std::string::npos);
  EXPECT_NE(r.out.find("5 item(s) migrated, 0 failed"), std::string::npos);
  EXPECT_EQ(ReadFileOrDie(home_.Sub(".codex/config.toml")),
            "# my settings\nmodel = \"gpt-5\"  # keep\nsandbox_mode = \"workspace-write\"\n\n"
            "[shell_environment_policy]\ninherit = \"core\"\n\n[shell_environment_policy.set]\n"
            "FOO = \"bar\"\nN = \"3\"\n");
  EXPECT_EQ(ReadFileOrDie(repo_.Sub(".codex/config.toml")),
            "[shell_environment_policy]\ninherit = \"core\"\n\n[shell_environment_policy.set]\n"
            "FOO = \"project\"\n\n[mcp_servers.db]\nargs = [\"--ro\"]\ncommand = \"db-mcp\"\n");
  EXPECT_EQ(ReadFileOrDie(repo_.Sub("AGENTS.md")), "See AGENTS.md for Codex.\n");
  struct stat st;
  ASSERT_EQ(stat(home_.Sub(".agents/skills/foo/tool.py").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0755u);

  auto home_after = Snapshot(home_.path());
  auto repo_after = Snapshot(repo_.path());
  CommandResult again = Run({"import", "--repo", repo_.path()});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("Nothing to migrate"), std::string::npos) << again.out;
  EXPECT_EQ(Snapshot(home_.path()), home_after);
  EXPECT_EQ(Snapshot(repo_.path()), repo_after);
}

TEST_F(MigrateCliTest, RelativeRepoIsResolvedAgainstTheCwd) {
  MakeDir(repo_.Sub("src/deep"));
  CommandResult r = Run({"detect", "--no-home", "--json", "--repo", "deep"}, repo_.Sub("src"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  nlohmann::json response = nlohmann::json::parse(r.out);
  ASSERT_FALSE(response.at("items").empty());
  for (const auto& item : response.at("items")) EXPECT_EQ(item.at("cwd"), repo_.path());
  CommandResult help = RunCommand({THREADLOG_BINARY, "migrate", "detect", "--help"});
  EXPECT_NE(help.out.find("resolved against the current directory"), std::string::npos) << help.out;
}

TEST_F(MigrateCliTest, BadInputFailsItsItemOthersStillRun) {
  MakeFile(home_.Sub(".claude/settings.json"), "{\"env\": [");
  CommandResult r = Run({"import", "--repo", repo_.path()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(
      r.err.find("CONFIG [home]: error: " + home_.Sub(".claude/settings.json") + ": invalid JSON"),
      std::string::npos)
      << r.err;
  EXPECT_NE(r.out.find("4 item(s) migrated, 1 failed"), std::string::npos) << r.out;
  EXPECT_EQ(ReadFileOrDie(home_.Sub(".codex/config.toml")),
            "# my settings\nmodel = \"gpt-5\"  # keep\n");
  EXPECT_EQ(ReadFileOrDie(repo_.Sub("AGENTS.md")), "See AGENTS.md for Codex.\n");
}

TEST_F(MigrateCliTest, InvalidExistingConfigIsReportedAndLeftAlone) {
  MakeFile(home_.Sub(".codex/config.toml"), "model = = \"x\"\n");
  CommandResult r = Run({"import"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("invalid existing config.toml"), std::string::npos) << r.err;
  EXPECT_EQ(ReadFileOrDie(home_.Sub(".codex/config.toml")), "model = = \"x\"\n");
  EXPECT_EQ(ReadFileOrDie(home_.Sub(".agents/skills/foo/SKILL.md")), "Use Codex.\n");
}

TEST_F(MigrateCliTest, ReadOnlyHomeIsAPerItemErrorNotACrash) {
  if (geteuid() == 0 && access("/usr/bin/setpriv", X_OK) != 0) GTEST_SKIP() << "needs setpriv";
  ASSERT_EQ(chmod(home_.path().c_str(), 0555), 0);
  ASSERT_EQ(chmod(home_.Sub(".codex").c_str(), 0555), 0);
  auto before = Snapshot(home_.path());
  std::vector<std::string> argv = {THREADLOG_BINARY, "migrate", "import", "--repo", repo_.path()};
  if (geteuid() == 0) {  // root ignores permission bits unless it gives up these capabilities
    argv.insert(argv.begin(), {"/usr/bin/setpriv", "--inh-caps=-dac_override,-dac_read_search",
                               "--bounding-set=-dac_override,-dac_read_search", "--"});
  }
  CommandResult r = RunCommand(argv, {{"HOME", home_.path()}, {"CODEX_HOME", ""}});
  chmod(home_.Sub(".codex").c_str(), 0755);
  chmod(home_.path().c_str(), 0755);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("CONFIG [home]: FAILED: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Permission denied"), std::string::npos);
  EXPECT_NE(r.out.find("3 item(s) migrated, 2 failed"), std::string::npos) << r.out;
  auto after = Snapshot(home_.path());
  after.erase(".codex");
  before.erase(".codex");
  EXPECT_EQ(after, before);
}

TEST_F(MigrateCliTest, MissingHomeIsAClearError) {
  CommandResult r = RunCommand({THREADLOG_BINARY, "migrate", "detect"}, {{"HOME", ""}});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("HOME is not set"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace threadlog::testing
