// Tests of AGENTS_MD: CLAUDE.md -> AGENTS.md, only into a missing or whitespace-only AGENTS.md.
#include "migrate/agents_md_migration.h"

#include "gtest/gtest.h"
#include "tests/migrate/test_tree.h"
#include "tests/testutil/scratch_dir.h"

namespace threadlog::migrate {
namespace {

using ::threadlog::testing::MakeDir;
using ::threadlog::testing::MakeFile;
using ::threadlog::testing::MakeSymlink;
using ::threadlog::testing::ScratchDir;

class PlanAgentsMdTest : public ::testing::Test {
 protected:
  absl::StatusOr<ItemPlan> Plan() { return PlanAgentsMd(RepoScope(dir_.path())); }
  ScratchDir dir_;
};

TEST_F(PlanAgentsMdTest, RootClaudeMdRewritten) {
  MakeFile(dir_.Sub("CLAUDE.md"), "See CLAUDE.md for Claude Code.\n");
  absl::StatusOr<ItemPlan> plan = Plan();
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_EQ(plan->writes.size(), 1u);
  EXPECT_EQ(plan->writes[0].path, dir_.Sub("AGENTS.md"));
  EXPECT_EQ(plan->writes[0].new_content, "See AGENTS.md for Codex.\n");
  EXPECT_EQ(plan->writes[0].added, std::vector<std::string>{dir_.Sub("CLAUDE.md")});
}

TEST_F(PlanAgentsMdTest, FallsBackToDotClaudeWhenRootIsBlank) {
  MakeFile(dir_.Sub("CLAUDE.md"), " \n\t\n");
  MakeFile(dir_.Sub(".claude/CLAUDE.md"), "claude rules\n");
  absl::StatusOr<ItemPlan> plan = Plan();
  ASSERT_TRUE(plan.ok());
  ASSERT_EQ(plan->writes.size(), 1u);
  EXPECT_EQ(plan->writes[0].new_content, "Codex rules\n");
  EXPECT_EQ(plan->writes[0].added, std::vector<std::string>{dir_.Sub(".claude/CLAUDE.md")});
}

TEST_F(PlanAgentsMdTest, WhitespaceOnlyAgentsMdIsReplacedNonEmptyIsKept) {
  MakeFile(dir_.Sub("CLAUDE.md"), "claude\n");
  MakeFile(dir_.Sub("AGENTS.md"), " \n\t", 0640);
  absl::StatusOr<ItemPlan> plan = Plan();
  ASSERT_TRUE(plan.ok());
  ASSERT_EQ(plan->writes.size(), 1u);
  EXPECT_EQ(plan->writes[0].old_content, " \n\t");
  EXPECT_EQ(plan->writes[0].mode, 0640u);
  MakeFile(dir_.Sub("AGENTS.md"), "mine\n");
  EXPECT_TRUE(Plan()->empty());
}

TEST_F(PlanAgentsMdTest, AgentsMdDirectoryIsLeftAlone) {
  MakeFile(dir_.Sub("CLAUDE.md"), "claude\n");
  MakeDir(dir_.Sub("AGENTS.md"));
  absl::StatusOr<ItemPlan> plan = Plan();
  ASSERT_TRUE(plan.ok());
  EXPECT_TRUE(plan->empty());
  EXPECT_EQ(plan->notes.size(), 1u);
}

TEST_F(PlanAgentsMdTest, NothingWithoutASource) {
  EXPECT_TRUE(Plan()->empty());
  MakeFile(dir_.Sub("CLAUDE.md"), "\n");
  EXPECT_TRUE(Plan()->empty());
}

TEST_F(PlanAgentsMdTest, NonUtf8SourceIsAnError) {
  MakeFile(dir_.Sub("CLAUDE.md"), "caf\xe9\n");
  EXPECT_EQ(Plan().status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(PlanAgentsMdTest, SymlinkedDotClaudeIsNotFollowed) {
  ScratchDir outside;
  MakeFile(outside.Sub("CLAUDE.md"), "claude\n");
  MakeSymlink(outside.path(), dir_.Sub(".claude"));
  EXPECT_EQ(Plan().status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(PlanAgentsMdHomeTest, HomeScopeHasNoAgentsMdItem) {
  ScratchDir home;
  MakeFile(home.Sub(".claude/CLAUDE.md"), "claude\n");
  EXPECT_TRUE(PlanAgentsMd(HomeScope({home.path(), home.Sub(".codex")}))->empty());
}

}  // namespace
}  // namespace threadlog::migrate
