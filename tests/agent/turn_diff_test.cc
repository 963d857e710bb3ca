// TurnDiff: git blob ids, and the turn's diff of added, updated, moved and deleted files against
// how they were before the turn first touched them (the golden texts are checked through the
// binary by exec_golden_test.py).
#include "api/agent/turn_diff.h"

#include <filesystem>
#include <fstream>
#include <string>

#include "gtest/gtest.h"
#include "tests/testutil/scratch_dir.h"

namespace threadlog::agent {
namespace {

namespace fs = std::filesystem;

TEST(GitBlobIdTest, IsGitsHashObject) {
  // `printf 'old\n' | git hash-object --stdin`, and git's empty blob.
  EXPECT_EQ(GitBlobId("old\n"), "3367afdbbf91e638efe983616377c60477cc6612");
  EXPECT_EQ(GitBlobId(""), "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391");
}

class TurnDiffTest : public ::testing::Test {
 protected:
  std::string Path(const std::string& name) { return (fs::path(dir_.path()) / name).string(); }
  void Write(const std::string& name, const std::string& text) {
    std::ofstream(Path(name), std::ios::binary) << text;
  }
  // Plans and writes `patch` with TurnDiff told first, as the tool does.
  void Apply(TurnDiff& diff, const std::string& patch) {
    const PatchToolRun run = PlanPatchTool(patch, dir_.path());
    ASSERT_FALSE(run.refusal) << *run.refusal;
    diff.Before(run.plan);
    ASSERT_FALSE(WritePatchTool(run).failed);
  }
  testing::ScratchDir dir_;
};

TEST_F(TurnDiffTest, EachFileAgainstItsFirstStateInPathOrder) {
  Write("u.txt", "a\nb\nc\n");
  Write("gone.txt", "x\n");
  TurnDiff diff;
  EXPECT_EQ(diff.Diff(), "");
  Apply(diff, "*** Begin Patch\n*** Update File: u.txt\n@@\n a\n-b\n+B\n c\n*** End Patch");
  Apply(diff, "*** Begin Patch\n*** Update File: u.txt\n@@\n-a\n+A\n*** End Patch");
  Apply(diff,
        "*** Begin Patch\n*** Add File: new.txt\n+n\n*** Delete File: gone.txt\n"
        "*** End Patch");
  const std::string u = Path("u.txt"), n = Path("new.txt"), g = Path("gone.txt");
  EXPECT_EQ(diff.Diff(),
            "diff --git a/" + g + " b/" + g + "\ndeleted file mode 100644\nindex " +
                GitBlobId("x\n") + "..0000000000000000000000000000000000000000\n--- a/" + g +
                "\n+++ /dev/null\n@@ -1 +0,0 @@\n-x\n" + "diff --git a/" + n + " b/" + n +
                "\nnew file mode 100644\n" + "index 0000000000000000000000000000000000000000.." +
                GitBlobId("n\n") + "\n--- /dev/null\n+++ b/" + n + "\n@@ -0,0 +1 @@\n+n\n" +
                "diff --git a/" + u + " b/" + u + "\nindex " + GitBlobId("a\nb\nc\n") + ".." +
                GitBlobId("A\nB\nc\n") + "\n--- a/" + u + "\n+++ b/" + u +
                "\n@@ -1,3 +1,3 @@\n-a\n-b\n+A\n+B\n c\n");
}

TEST_F(TurnDiffTest, AMoveIsOneEntryFromWhereItWasToWhereItIs) {
  Write("m.txt", "m1\nm2\n");
  TurnDiff diff;
  Apply(diff,
        "*** Begin Patch\n*** Update File: m.txt\n*** Move to: moved/m.txt\n@@\n m1\n-m2\n"
        "+M2\n*** End Patch");
  const std::string from = Path("m.txt"), to = Path("moved/m.txt");
  EXPECT_EQ(diff.Diff(), "diff --git a/" + from + " b/" + to + "\nindex " + GitBlobId("m1\nm2\n") +
                             ".." + GitBlobId("m1\nM2\n") + "\n--- a/" + from + "\n+++ b/" + to +
                             "\n@@ -1,2 +1,2 @@\n m1\n-m2\n+M2\n");
}

TEST_F(TurnDiffTest, AChangeUndoneLeavesNothing) {
  Write("u.txt", "a\n");
  TurnDiff diff;
  Apply(diff, "*** Begin Patch\n*** Update File: u.txt\n@@\n-a\n+b\n*** End Patch");
  Apply(diff, "*** Begin Patch\n*** Update File: u.txt\n@@\n-b\n+a\n*** End Patch");
  EXPECT_EQ(diff.Diff(), "");
}

}  // namespace
}  // namespace threadlog::agent
