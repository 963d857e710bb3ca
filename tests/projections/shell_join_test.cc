// ShellJoin must render argv exactly as Codex 0.113.0 showed it (expected strings are Codex's).
#include "projections/internal/shell_join.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace threadlog::internal {
namespace {

using Argv = std::vector<std::string>;

TEST(ShellJoin, LeavesSafeWordsBare) {
  EXPECT_EQ(ShellJoin({"/bin/bash", "-lc", "false"}), "/bin/bash -lc false");
  EXPECT_EQ(ShellJoin({"ls", "-la", "/tmp/x_y.z+@:]"}), "ls -la /tmp/x_y.z+@:]");
  EXPECT_EQ(ShellJoin({}), "");
}

TEST(ShellJoin, PrefersSingleQuotes) {
  EXPECT_EQ(ShellJoin({"/bin/bash", "-lc", "echo hello-from-shell && ls /"}),
            "/bin/bash -lc 'echo hello-from-shell && ls /'");
  EXPECT_EQ(ShellJoin({"rm", "-rf", "", "a b", "plain", "tab\there", "$x", "*"}),
            "rm -rf '' 'a b' plain 'tab\there' '$x' '*'");
  EXPECT_EQ(ShellJoin({"echo", "é", "日本"}), "echo 'é' '日本'");
}

TEST(ShellJoin, SwitchesQuotesMidWord) {
  EXPECT_EQ(ShellJoin({"echo", "c'd"}), "echo \"c'd\"");
  EXPECT_EQ(ShellJoin({"bash", "-lc", "echo 'hi there' && ls \"$HOME\""}),
            "bash -lc \"echo 'hi there' && ls \\\"\"'$HOME\"'");
  EXPECT_EQ(ShellJoin({"echo", "a'b\"c$d`e"}), "echo \"a'b\\\"c\"'$d`e'");
  EXPECT_EQ(ShellJoin({"echo", "hi!'x"}), "echo 'hi!'\"'x\"");
  EXPECT_EQ(ShellJoin({"echo", "back\\slash"}), "echo \"back\\\\slash\"");
}

TEST(ShellJoin, QuotesCaretOnlyInSingleQuotes) {
  EXPECT_EQ(ShellJoin({"echo", "^abc", "a^b", "^"}), "echo '^abc' a'^b' '^'");
}

TEST(ShellJoin, FallsBackToPlainJoinOnNul) {
  EXPECT_EQ(ShellJoin({"echo", std::string("nul\0byte", 8), "a b"}),
            std::string("echo nul\0byte a b", 17));
}

}  // namespace
}  // namespace threadlog::internal
