// `threadlog bench rpc` through the real binary at tiny sizes: the table's rows, the Codex skip.
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "tests/testutil/scratch_dir.h"

namespace threadlog {
namespace {

using testing::RunCommand;
using testing::ScratchDir;

TEST(BenchRpcTest, TinyRunPrintsEveryRowAndSkipsAMissingCodex) {
  ScratchDir scratch;
  const std::string missing = scratch.Sub("no-such-codex");
  testing::CommandResult r =
      RunCommand({THREADLOG_BINARY, "bench", "rpc", "--threads", "50", "--requests", "5", "--runs",
                  "2", "--codex-bin", missing, "--scratch", scratch.path()});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;

  // server, transport, clients, method of each table row.
  std::set<std::vector<std::string>> rows;
  for (absl::string_view line : absl::StrSplit(r.out, '\n')) {
    if (!absl::StartsWith(line, "| threadlog") && !absl::StartsWith(line, "| codex")) continue;
    std::vector<std::string> cells;
    for (absl::string_view cell : absl::StrSplit(line, '|', absl::SkipWhitespace())) {
      cells.emplace_back(absl::StripAsciiWhitespace(cell));
    }
    ASSERT_EQ(cells.size(), 8u) << line;
    EXPECT_EQ(cells[7], cells[2] == "8" ? "80" : "10") << "requests x runs x clients: " << line;
    EXPECT_GT(std::stod(cells[4]), 0) << line;
    rows.insert({cells[0], cells[1], cells[2], cells[3]});
  }
  std::set<std::vector<std::string>> expected;
  for (const char* method : {"thread/list", "thread/read"}) {
    expected.insert({"threadlog", "stdio", "1", method});
    expected.insert({"threadlog", "ws", "1", method});
    expected.insert({"threadlog", "ws", "8", method});
  }
  EXPECT_EQ(rows, expected) << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "50 threads")) << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "Codex comparison skipped: no Codex binary at " + missing))
      << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "npm install @openai/codex@0.117.0")) << r.out;
  EXPECT_FALSE(absl::StrContains(r.out, "target >=")) << "no ratio without Codex: " << r.out;

  // The scratch Codex home and store are gone.
  for (const auto& entry : std::filesystem::directory_iterator(scratch.path())) {
    ADD_FAILURE() << "left behind: " << entry.path();
  }
}

}  // namespace
}  // namespace threadlog
