// ExecPolicyRules: the rule line as Codex writes it, rules read back from rules/*.rules (what
// another server or Codex wrote), prefixes matched word by word, and errors that keep nothing.
#include "api/agent/exec_policy.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "gtest/gtest.h"
#include "tests/testutil/scratch_dir.h"

namespace threadlog::agent {
namespace {

namespace fs = std::filesystem;

std::string Read(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(ExecPolicyRules, TheRuleLineIsCodexs) {
  // golden/codex_117_approvals.json: what Codex wrote for ["touch", "e.txt"].
  EXPECT_EQ(ExecPolicyRules::RuleLine({"touch", "e.txt"}),
            "prefix_rule(pattern=[\"touch\", \"e.txt\"], decision=\"allow\")\n");
  EXPECT_EQ(ExecPolicyRules::RuleLine({"echo", "say \"hi\""}),
            "prefix_rule(pattern=[\"echo\", \"say \\\"hi\\\"\"], decision=\"allow\")\n");
}

TEST(ExecPolicyRules, AddedRulesAllowTheirPrefixAndAreReadBack) {
  testing::ScratchDir dir;
  {
    ExecPolicyRules rules(dir.path());
    EXPECT_FALSE(rules.Allows({"git", "pull"}));
    ASSERT_TRUE(rules.AddAllow({"git", "pull"}).ok());
    EXPECT_TRUE(rules.Allows({"git", "pull"}));
    EXPECT_TRUE(rules.Allows({"git", "pull", "--rebase"}));
    EXPECT_FALSE(rules.Allows({"git"}));
    EXPECT_FALSE(rules.Allows({"git", "push"}));
  }
  EXPECT_EQ(Read(fs::path(dir.path()) / "rules" / "default.rules"),
            "prefix_rule(pattern=[\"git\", \"pull\"], decision=\"allow\")\n");
  // Another file, lines of other kinds, and a forbidding rule: only allowing rules count.
  std::ofstream(fs::path(dir.path()) / "rules" / "team.rules")
      << "# comment\nprefix_rule(pattern=[\"rm\"], decision=\"forbidden\")\n"
      << "prefix_rule(pattern=[\"cargo\", \"test\"], decision=\"allow\")\nnot a rule\n";
  const ExecPolicyRules again(dir.path());
  EXPECT_TRUE(again.Allows({"git", "pull"}));
  EXPECT_TRUE(again.Allows({"cargo", "test", "-q"}));
  EXPECT_FALSE(again.Allows({"rm", "-rf", "x"}));
}

TEST(ExecPolicyRules, WithoutAHomeNothingIsKept) {
  ExecPolicyRules rules("");
  EXPECT_EQ(rules.AddAllow({"ls"}).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_FALSE(rules.Allows({"ls"}));
  testing::ScratchDir dir;
  ExecPolicyRules other(dir.path());
  EXPECT_EQ(other.AddAllow({}).code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace threadlog::agent
