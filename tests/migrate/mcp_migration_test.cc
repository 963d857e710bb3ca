// Tests of MCP_SERVER_CONFIG: mcpServers -> [mcp_servers.NAME], only for names not configured.
#include "migrate/mcp_migration.h"

#include "gtest/gtest.h"
#include "tests/migrate/test_tree.h"
#include "tests/testutil/scratch_dir.h"

namespace threadlog::migrate {
namespace {

using ::threadlog::testing::MakeFile;
using ::threadlog::testing::ScratchDir;

TEST(MapMcpServerTest, Stdio) {
  std::vector<std::string> notes;
  absl::StatusOr<toml::table> t = MapMcpServer("s", nlohmann::json::parse(R"({"type":"stdio",
      "command":"npx","args":["-y","pkg",3],"env":{"A":"b","TOKEN":"${TOKEN}","N":1,"X":null},
      "cwd":"/w","alwaysAllow":["x"]})"),
                                               &notes);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(*t, toml::parse("command = \"npx\"\nargs = [\"-y\", \"pkg\", \"3\"]\ncwd = \"/w\"\n"
                            "env_vars = [\"TOKEN\"]\n[env]\nA = \"b\"\nN = \"1\"\n"));
}

TEST(MapMcpServerTest, Http) {
  std::vector<std::string> notes;
  absl::StatusOr<toml::table> t = MapMcpServer("w", nlohmann::json::parse(R"({"type":"http",
      "url":"https://x/mcp","headers":{"Authorization":"Bearer ${API_KEY}","X-Team":"a",
      "X-Env":"${TEAM}"}})"),
                                               &notes);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(*t, toml::parse("url = \"https://x/mcp\"\nbearer_token_env_var = \"API_KEY\"\n"
                            "http_headers = { X-Team = \"a\" }\n"
                            "env_http_headers = { X-Env = \"TEAM\" }\n"));
}

TEST(MapMcpServerTest, NeitherCommandNorUrl) {
  std::vector<std::string> notes;
  EXPECT_EQ(
      MapMcpServer("bad", nlohmann::json::parse(R"({"type":"stdio"})"), &notes).status().code(),
      absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(MapMcpServer("bad", nlohmann::json::parse("[1]"), &notes).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(PlanMcpServersTest, AddsOnlyServersNotConfigured) {
  ScratchDir dir;
  MakeFile(dir.Sub(".mcp.json"), R"({"mcpServers":{"old":{"command":"new-cmd"},
      "fresh":{"command":"node","args":["s.js"]},"broken":{}}})");
  const std::string original = "[mcp_servers.old]\ncommand = \"old-cmd\" # mine\n";
  MakeFile(dir.Sub(".codex/config.toml"), original);
  absl::StatusOr<ItemPlan> plan = PlanMcpServers(RepoScope(dir.path()), nullptr);
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_EQ(plan->writes.size(), 1u);
  EXPECT_EQ(plan->writes[0].new_content,
            original + "\n[mcp_servers.fresh]\nargs = [\"s.js\"]\ncommand = \"node\"\n");
  EXPECT_EQ(plan->writes[0].added, std::vector<std::string>{"mcp_servers.fresh"});
  ASSERT_EQ(plan->problems.size(), 1u);
  EXPECT_NE(plan->problems[0].message().find("broken"), std::string::npos);
}

TEST(PlanMcpServersTest, HomeReadsClaudeJson) {
  ScratchDir home;
  MakeFile(home.Sub(".claude.json"),
           R"({"numStartups":3,"mcpServers":{"s":{"command":"x"}},"projects":{}})");
  Scope scope = HomeScope({home.path(), home.Sub(".codex")});
  absl::StatusOr<ItemPlan> plan = PlanMcpServers(scope, nullptr);
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_EQ(plan->writes.size(), 1u);
  EXPECT_EQ(plan->writes[0].path, home.Sub(".codex/config.toml"));
  EXPECT_EQ(plan->writes[0].new_content, "[mcp_servers.s]\ncommand = \"x\"\n");
  EXPECT_EQ(plan->writes[0].added, std::vector<std::string>{"mcp_servers.s"});
}

TEST(PlanMcpServersTest, NothingWhenMcpServersIsNotATableOrAllExist) {
  ScratchDir dir;
  MakeFile(dir.Sub(".mcp.json"), R"({"mcpServers":{"s":{"command":"x"}}})");
  MakeFile(dir.Sub(".codex/config.toml"), "mcp_servers = 3\n");
  absl::StatusOr<ItemPlan> plan = PlanMcpServers(RepoScope(dir.path()), nullptr);
  ASSERT_TRUE(plan.ok());
  EXPECT_TRUE(plan->empty());
  MakeFile(dir.Sub(".codex/config.toml"), "[mcp_servers.s]\nurl = \"u\"\n");
  plan = PlanMcpServers(RepoScope(dir.path()), nullptr);
  ASSERT_TRUE(plan.ok());
  EXPECT_TRUE(plan->empty());
}

TEST(PlanMcpServersTest, BadSourceFiles) {
  ScratchDir dir;
  MakeFile(dir.Sub(".mcp.json"), R"({"mcpServers":[]})");
  EXPECT_EQ(PlanMcpServers(RepoScope(dir.path()), nullptr).status().code(),
            absl::StatusCode::kInvalidArgument);
  MakeFile(dir.Sub(".mcp.json"), "{");
  EXPECT_EQ(PlanMcpServers(RepoScope(dir.path()), nullptr).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace threadlog::migrate
