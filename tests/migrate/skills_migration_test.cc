// Tests of SKILLS: copying new skill folders, rewriting SKILL.md only, never following symlinks.
#include "migrate/skills_migration.h"

#include <algorithm>
#include <filesystem>

#include "gtest/gtest.h"
#include "tests/migrate/test_tree.h"
#include "tests/testutil/scratch_dir.h"

namespace threadlog::migrate {
namespace {

using ::threadlog::testing::MakeDir;
using ::threadlog::testing::MakeFile;
using ::threadlog::testing::MakeSymlink;
using ::threadlog::testing::ScratchDir;

const TreeEntry* Find(const TreeCreate& tree, const std::string& rel) {
  auto it = std::find_if(tree.entries.begin(), tree.entries.end(),
                         [&](const TreeEntry& e) { return e.relative_path == rel; });
  return it == tree.entries.end() ? nullptr : &*it;
}

class PlanSkillsTest : public ::testing::Test {
 protected:
  std::string Src(const std::string& rel) { return dir_.Sub(".claude/skills/" + rel); }
  absl::StatusOr<ItemPlan> Plan() { return PlanSkills(RepoScope(dir_.path())); }
  ScratchDir dir_;
};

TEST_F(PlanSkillsTest, CopiesFilesWithModesAndRewritesOnlySkillMd) {
  MakeFile(Src("foo/SKILL.md"), "---\ndescription: Use Claude Code\n---\nSee CLAUDE.md\n");
  MakeFile(Src("foo/scripts/run.sh"), "#!/bin/sh\necho claude\n", 0755);
  MakeFile(Src("foo/bin.dat"), std::string("\x00\xff claude", 9), 0600);
  MakeFile(Src("foo/notes/skill.md"), "claude\n");  // any case of the name counts
  MakeFile(Src("loose.md"), "not a skill");
  absl::StatusOr<ItemPlan> plan = Plan();
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_EQ(plan->trees.size(), 1u);
  const TreeCreate& tree = plan->trees[0];
  EXPECT_EQ(tree.path, dir_.Sub(".agents/skills/foo"));
  EXPECT_EQ(Find(tree, "SKILL.md")->content, "---\ndescription: Use Codex\n---\nSee AGENTS.md\n");
  EXPECT_EQ(Find(tree, "scripts/run.sh")->content, "#!/bin/sh\necho claude\n");
  EXPECT_EQ(Find(tree, "scripts/run.sh")->mode, 0755u);
  EXPECT_TRUE(Find(tree, "scripts")->is_directory);
  EXPECT_EQ(Find(tree, "bin.dat")->content, std::string("\x00\xff claude", 9));
  EXPECT_EQ(Find(tree, "bin.dat")->mode, 0600u);
  EXPECT_EQ(Find(tree, "notes/skill.md")->content, "Codex\n");
}

TEST_F(PlanSkillsTest, ExistingTargetSkillIsNotTouchedEvenIfEmpty) {
  MakeFile(Src("foo/SKILL.md"), "x");
  MakeFile(Src("bar/SKILL.md"), "y");
  MakeDir(dir_.Sub(".agents/skills/foo"));
  absl::StatusOr<ItemPlan> plan = Plan();
  ASSERT_TRUE(plan.ok());
  ASSERT_EQ(plan->trees.size(), 1u);
  EXPECT_EQ(plan->trees[0].path, dir_.Sub(".agents/skills/bar"));
  MakeFile(dir_.Sub(".agents/skills/bar"), "a file counts too");
  EXPECT_TRUE(Plan()->empty());
}

TEST_F(PlanSkillsTest, SymlinksAreNeverFollowed) {
  ScratchDir outside;
  MakeFile(outside.Sub("secret/SKILL.md"), "secret");
  MakeSymlink(outside.Sub("secret"), Src("linked-skill"));
  MakeFile(Src("foo/SKILL.md"), "x");
  MakeSymlink(outside.Sub("secret/SKILL.md"), Src("foo/linked-file"));
  MakeSymlink(outside.Sub("secret"), Src("foo/linked-dir"));
  MakeSymlink("foo", Src("foo/loop"));
  absl::StatusOr<ItemPlan> plan = Plan();
  ASSERT_TRUE(plan.ok());
  ASSERT_EQ(plan->trees.size(), 1u);
  EXPECT_EQ(plan->trees[0].entries.size(), 1u);  // just SKILL.md
  EXPECT_EQ(plan->notes.size(), 4u);
}

TEST_F(PlanSkillsTest, SymlinkedSkillsDirectoryIsAnError) {
  ScratchDir outside;
  MakeFile(outside.Sub("foo/SKILL.md"), "x");
  MakeDir(dir_.Sub(".claude"));
  MakeSymlink(outside.path(), dir_.Sub(".claude/skills"));
  EXPECT_EQ(Plan().status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(PlanSkillsTest, BadSkillFailsAloneAndTheOthersStillGo) {
  MakeFile(Src("bad/SKILL.md"), "caf\xe9 Claude");
  MakeFile(Src("good/SKILL.md"), "ok");
  absl::StatusOr<ItemPlan> plan = Plan();
  ASSERT_TRUE(plan.ok());
  ASSERT_EQ(plan->trees.size(), 1u);
  EXPECT_EQ(plan->trees[0].path, dir_.Sub(".agents/skills/good"));
  ASSERT_EQ(plan->problems.size(), 1u);
  EXPECT_NE(plan->problems[0].message().find("not valid UTF-8"), std::string::npos);
  EXPECT_NE(plan->problems[0].message().find("bad"), std::string::npos);
}

TEST_F(PlanSkillsTest, UnreadableFileFailsItsSkill) {
  MakeFile(Src("locked/SKILL.md"), "x", 0000);
  MakeFile(Src("open/SKILL.md"), "y");
  ::threadlog::testing::ScopedNoDacOverride no_root_powers;
  absl::StatusOr<ItemPlan> plan = Plan();
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->trees.size(), 1u);
  ASSERT_EQ(plan->problems.size(), 1u);
  EXPECT_EQ(plan->problems[0].code(), absl::StatusCode::kPermissionDenied);
}

TEST_F(PlanSkillsTest, TargetThatIsAFile) {
  MakeFile(Src("foo/SKILL.md"), "x");
  MakeFile(dir_.Sub(".agents/skills"), "oops");
  EXPECT_EQ(Plan().status().code(), absl::StatusCode::kFailedPrecondition);
  std::filesystem::remove_all(dir_.Sub(".agents"));
  MakeFile(dir_.Sub(".agents"), "oops");
  EXPECT_EQ(Plan().status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(PlanSkillsHomeTest, HomeTargetIsBesideCodexHome) {
  ScratchDir home;
  MakeFile(home.Sub(".claude/skills/foo/SKILL.md"), "x");
  absl::StatusOr<ItemPlan> plan = PlanSkills(HomeScope({home.path(), home.Sub("custom/codex")}));
  ASSERT_TRUE(plan.ok());
  ASSERT_EQ(plan->trees.size(), 1u);
  EXPECT_EQ(plan->trees[0].path, home.Sub("custom/.agents/skills/foo"));
}

}  // namespace
}  // namespace threadlog::migrate
