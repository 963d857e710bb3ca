// Integration tests that run the threadlog binary: import, inspect list, --home and
// $THREADLOG_HOME.
#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/testutil/scratch_dir.h"

namespace threadlog {
namespace {

using ::threadlog::testing::CommandResult;
using ::threadlog::testing::RunCommand;
using ::threadlog::testing::ScratchDir;

const std::string kBinary = THREADLOG_BINARY;
const std::string kHome = std::string(THREADLOG_SOURCE_DIR) + "/tests/fixtures/codex-0.113.0/basic";

TEST(CliTest, ImportThenListThenReimportChangesNothing) {
  ScratchDir dir;
  CommandResult imported = RunCommand({kBinary, "--home", dir.Sub("s"), "import", kHome});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  EXPECT_NE(imported.out.find("imported 3 files (3 new threads"), std::string::npos)
      << imported.out;

  CommandResult listed = RunCommand({kBinary, "inspect", "list", "--json", "--home", dir.Sub("s")});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  std::vector<std::string> lines = absl::StrSplit(listed.out, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 2u) << "the Limited thread is archived in the fixture home";
  EXPECT_NE(listed.out.find("\"name\":\"fixture-extended\""), std::string::npos) << listed.out;
  CommandResult archived =
      RunCommand({kBinary, "inspect", "list", "--json", "--archived", "--home", dir.Sub("s")});
  ASSERT_EQ(archived.exit_code, 0) << archived.err;
  lines = absl::StrSplit(archived.out, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 1u);
  bool saw_limited = false;
  for (const std::string& line : lines) {
    auto row = nlohmann::json::parse(line);
    if (row["id"] == "01a20edc-6c30-77d2-8ea8-b69792e25b0b") {
      saw_limited = true;
      EXPECT_EQ(row["cwd"], "/home/dev/project");
      EXPECT_FALSE(row["preview"].get<std::string>().empty());
      std::string file = testing::ReadFileOrDie(
          kHome +
          "/archived_sessions/"
          "rollout-2026-11-24T18-40-56-01a20edc-6c30-77d2-8ea8-b69792e25b0b.jsonl");
      // Every line, plus the archive flag and the name the home's index gives it.
      EXPECT_EQ(row["events"].get<size_t>(), std::count(file.begin(), file.end(), '\n') + 2);
      EXPECT_EQ(row["name"], "fixture-limited");
    }
  }
  EXPECT_TRUE(saw_limited);

  CommandResult again = RunCommand({kBinary, "--home", dir.Sub("s"), "import", kHome});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("3 unchanged"), std::string::npos) << again.out;
  EXPECT_NE(again.out.find(": 0 events"), std::string::npos) << again.out;
}

TEST(CliTest, HomeComesFromTheEnvironmentWhenNotGiven) {
  ScratchDir dir;
  CommandResult imported = RunCommand(
      {"/usr/bin/env", "THREADLOG_HOME=" + dir.Sub("env-store"), kBinary, "import", kHome});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  CommandResult listed = RunCommand(
      {"/usr/bin/env", "THREADLOG_HOME=" + dir.Sub("env-store"), kBinary, "inspect", "list"});
  EXPECT_NE(listed.out.find("2 threads"), std::string::npos) << listed.out;
}

TEST(CliTest, ErrorsAreClearAndNonZero) {
  ScratchDir dir;
  CommandResult missing = RunCommand({kBinary, "--home", dir.Sub("s"), "import", dir.Sub("nope")});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("no such file"), std::string::npos) << missing.err;
  CommandResult usage = RunCommand({kBinary, "frobnicate"});
  EXPECT_NE(usage.exit_code, 0);
  // A file where the store directory should be.
  testing::WriteFileOrDie(dir.Sub("file"), "x");
  CommandResult not_dir = RunCommand({kBinary, "--home", dir.Sub("file"), "inspect", "list"});
  EXPECT_NE(not_dir.exit_code, 0);
  EXPECT_TRUE(absl::StrContains(not_dir.err, dir.Sub("file"))) << not_dir.err;
}

}  // namespace
}  // namespace threadlog
