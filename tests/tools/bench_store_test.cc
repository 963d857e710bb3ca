// Runs the append, list, read, rebuild and import benchmarks through the real binary with tiny
// sizes: each prints its table, meets its own sanity checks and leaves no scratch folder behind.
#include <filesystem>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "tests/testutil/scratch_dir.h"

namespace threadlog {
namespace {

using ::threadlog::testing::CommandResult;
using ::threadlog::testing::RunCommand;
using ::threadlog::testing::ScratchDir;

const std::string kBinary = THREADLOG_BINARY;

CommandResult Bench(const ScratchDir& dir, std::vector<std::string> args) {
  std::vector<std::string> argv = {kBinary, "bench"};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.push_back("--scratch");
  argv.push_back(dir.path());
  return RunCommand(argv);
}

void ExpectNothingLeft(const ScratchDir& dir) {
  EXPECT_TRUE(std::filesystem::is_empty(dir.path())) << "the benchmark left files in its scratch";
}

TEST(BenchStore, AppendPrintsEveryRowAndTheStorageRatio) {
  ScratchDir dir;
  CommandResult r =
      Bench(dir, {"append", "--runs", "1", "--events", "3000", "--sync-seconds", "0.05"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* row : {"buffered, 1 appender", "sync, 1 appender", "sync, 16 appenders",
                          "raw limit", "stored bytes / rollout JSONL bytes"}) {
    EXPECT_TRUE(absl::StrContains(r.out, row)) << row << "\n" << r.out;
  }
  ExpectNothingLeft(dir);
}

TEST(BenchStore, ListReadRebuildImportRunOnTinyStores) {
  ScratchDir dir;
  CommandResult list = Bench(dir, {"list", "--runs", "1", "--threads", "120"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_TRUE(absl::StrContains(list.out, "|        120 |")) << list.out;

  CommandResult read = Bench(dir, {"read", "--runs", "1", "--events", "500"});
  ASSERT_EQ(read.exit_code, 0) << read.err;
  EXPECT_TRUE(absl::StrContains(read.out, "last 10 p50 ms")) << read.out;

  CommandResult rebuild = Bench(dir, {"rebuild", "--runs", "1", "--events", "3000"});
  ASSERT_EQ(rebuild.exit_code, 0) << rebuild.err;
  EXPECT_TRUE(absl::StrContains(rebuild.out, "events/s")) << rebuild.out;

  CommandResult import = Bench(dir, {"import", "--runs", "1", "--bytes", "400000"});
  ASSERT_EQ(import.exit_code, 0) << import.err;
  EXPECT_TRUE(absl::StrContains(import.out, "MB/s")) << import.out;
  ExpectNothingLeft(dir);
}

TEST(BenchStore, AMissingTemplateFolderIsAClearError) {
  ScratchDir dir;
  CommandResult r = Bench(dir, {"read", "--runs", "1", "--fixtures", dir.Sub("nope")});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(absl::StrContains(r.err, "no rollout-*.jsonl templates")) << r.err;
}

}  // namespace
}  // namespace threadlog
