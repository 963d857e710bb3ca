// Tests of the unified diff used by `threadlog migrate import --dry-run`.
#include "migrate/unified_diff.h"

#include "gtest/gtest.h"

namespace threadlog::migrate {
namespace {

TEST(UnifiedDiffTest, EqualTextsGiveNothing) {
  EXPECT_EQ(UnifiedDiff("a\n", "a\n", "a/x", "b/x"), "");
}

TEST(UnifiedDiffTest, NewFile) {
  EXPECT_EQ(UnifiedDiff("", "one\ntwo\n", "/dev/null", "b/f"),
            "--- /dev/null\n+++ b/f\n@@ -0,0 +1,2 @@\n+one\n+two\n");
  EXPECT_EQ(UnifiedDiff("", "", "/dev/null", "b/empty"), "--- /dev/null\n+++ b/empty\n");
}

TEST(UnifiedDiffTest, InsertionWithContext) {
  std::string old_text = "1\n2\n3\n4\n5\n6\n7\n8\n";
  std::string new_text = "1\n2\n3\n4\nX\n5\n6\n7\n8\n";
  EXPECT_EQ(UnifiedDiff(old_text, new_text, "a/f", "b/f"),
            "--- a/f\n+++ b/f\n@@ -2,6 +2,7 @@\n 2\n 3\n 4\n+X\n 5\n 6\n 7\n");
}

TEST(UnifiedDiffTest, SeparateHunksAndMissingNewline) {
  std::string old_text = "a\nb\nc\nd\ne\nf\ng\nh\ni\nj";
  std::string new_text = "A\nb\nc\nd\ne\nf\ng\nh\ni\nj\n";
  EXPECT_EQ(UnifiedDiff(old_text, new_text, "a/f", "b/f"),
            "--- a/f\n+++ b/f\n@@ -1,4 +1,4 @@\n-a\n+A\n b\n c\n d\n"
            "@@ -7,4 +7,4 @@\n g\n h\n i\n-j\n\\ No newline at end of file\n+j\n");
}

TEST(UnifiedDiffTest, BinaryContent) {
  EXPECT_EQ(UnifiedDiff("", std::string("\x00\x01", 2), "/dev/null", "b/bin"),
            "Binary files /dev/null and b/bin differ\n");
}

}  // namespace
}  // namespace threadlog::migrate
