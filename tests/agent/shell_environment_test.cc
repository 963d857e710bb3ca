// ShellEnvironmentPolicy: Codex's derivation step by step, pattern matching, and the
// config.toml table read with its errors.
#include "api/agent/shell_environment.h"

#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "tests/testutil/scratch_dir.h"

namespace threadlog::agent {
namespace {

using Env = std::vector<std::string>;

const Env kServer = {"HOME=/home/u",  "PATH=/usr/bin", "OPENAI_API_KEY=sk", "GH_TOKEN=t",
                     "MY_SECRET_X=s", "LANG=C",        "CI_JOB=7",          "TMPDIR=/tmp"};

TEST(ShellEnvironmentPolicy, TheDefaultInheritsEverything) {
  EXPECT_EQ(ShellEnvironmentPolicy().Apply(kServer), kServer);
}

TEST(ShellEnvironmentPolicy, EachStepInCodexsOrder) {
  ShellEnvironmentPolicy core;
  core.inherit = ShellEnvironmentPolicy::Inherit::kCore;
  EXPECT_EQ(core.Apply(kServer), (Env{"HOME=/home/u", "PATH=/usr/bin", "TMPDIR=/tmp"}));

  ShellEnvironmentPolicy none;
  none.inherit = ShellEnvironmentPolicy::Inherit::kNone;
  none.set = {{"ONLY", "1"}};
  EXPECT_EQ(none.Apply(kServer), (Env{"ONLY=1"}));

  ShellEnvironmentPolicy secrets;
  secrets.ignore_default_excludes = false;  // *KEY*, *SECRET*, *TOKEN*, in any case
  EXPECT_EQ(secrets.Apply(kServer),
            (Env{"HOME=/home/u", "PATH=/usr/bin", "LANG=C", "CI_JOB=7", "TMPDIR=/tmp"}));

  ShellEnvironmentPolicy mixed;
  mixed.exclude = {"lang", "ci_*"};  // globs, without case
  mixed.set = {{"PATH", "/opt/bin"}, {"NEW", "x"}};
  mixed.include_only = {"PATH", "NEW", "HOME", "CI_*"};  // set's values are filtered too
  EXPECT_EQ(mixed.Apply(kServer), (Env{"HOME=/home/u", "PATH=/opt/bin", "NEW=x"}));
}

TEST(EnvironmentPatternMatches, GlobsWithoutCase) {
  EXPECT_TRUE(EnvironmentPatternMatches("*KEY*", "openai_api_key"));
  EXPECT_TRUE(EnvironmentPatternMatches("AWS_?", "aws_x"));
  EXPECT_TRUE(EnvironmentPatternMatches("[AB]*", "b1"));
  EXPECT_FALSE(EnvironmentPatternMatches("KEY", "KEYS"));
}

class ReadShellEnvironmentPolicyTest : public ::testing::Test {
 protected:
  std::string Config(const std::string& text) {
    const std::string path = dir_.path() + "/config.toml";
    std::ofstream(path) << text;
    return path;
  }
  testing::ScratchDir dir_;
};

TEST_F(ReadShellEnvironmentPolicyTest, ReadsTheTable) {
  absl::StatusOr<ShellEnvironmentPolicy> p = ReadShellEnvironmentPolicy(
      Config("model = \"m\"\n[shell_environment_policy]\ninherit = \"core\"\n"
             "ignore_default_excludes = false\nexclude = [\"AWS_*\"]\ninclude_only = [\"P*\"]\n"
             "set = { FOO = \"bar\" }\n"));
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->inherit, ShellEnvironmentPolicy::Inherit::kCore);
  EXPECT_FALSE(p->ignore_default_excludes);
  EXPECT_EQ(p->exclude, (std::vector<std::string>{"AWS_*"}));
  EXPECT_EQ(p->include_only, (std::vector<std::string>{"P*"}));
  ASSERT_EQ(p->set.size(), 1u);
  EXPECT_EQ(p->set[0], (std::pair<std::string, std::string>{"FOO", "bar"}));
}

TEST_F(ReadShellEnvironmentPolicyTest, AbsentMeansTheDefaultsAndBadValuesAreNamed) {
  absl::StatusOr<ShellEnvironmentPolicy> none = ReadShellEnvironmentPolicy(dir_.path() + "/no");
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->inherit, ShellEnvironmentPolicy::Inherit::kAll);
  EXPECT_TRUE(none->ignore_default_excludes);
  absl::StatusOr<ShellEnvironmentPolicy> bad =
      ReadShellEnvironmentPolicy(Config("[shell_environment_policy]\ninherit = \"some\"\n"));
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(bad.status().message(), "shell_environment_policy.inherit"));
  absl::StatusOr<ShellEnvironmentPolicy> wrong =
      ReadShellEnvironmentPolicy(Config("[shell_environment_policy]\nexclude = \"AWS_*\"\n"));
  EXPECT_TRUE(absl::StrContains(wrong.status().message(), "shell_environment_policy.exclude"));
}

}  // namespace
}  // namespace threadlog::agent
