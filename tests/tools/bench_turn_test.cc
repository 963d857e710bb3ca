// `threadlog bench turn` at tiny counts against the built binary: the table's row and numbers,
// a turn that never completes failing in time, and nothing left behind either way.
#include "tools/bench_turn.h"

#include <sys/wait.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "tests/testutil/scratch_dir.h"

namespace threadlog {
namespace {

using testing::ScratchDir;

bench::TurnBenchOptions TinyOptions(const ScratchDir& scratch) {
  bench::TurnBenchOptions options;
  options.scratch_dir = scratch.path();
  options.threadlog_bin = THREADLOG_BINARY;
  options.codex_bin = scratch.Sub("no-such-codex");
  options.runs = 1;
  options.turns = 3;
  options.concurrent_threads = 2;
  options.concurrent_turns = 2;
  options.rss_after_turns = 2;
  return options;
}

// Every child reaped (no zombie, none still running) and the scratch folder emptied.
void ExpectNothingLeft(const ScratchDir& scratch) {
  errno = 0;
  EXPECT_EQ(waitpid(-1, nullptr, WNOHANG), -1) << "a child process is left";
  EXPECT_EQ(errno, ECHILD);
  for (const auto& entry : std::filesystem::directory_iterator(scratch.path())) {
    ADD_FAILURE() << "left behind: " << entry.path();
  }
}

TEST(BenchExecTest, TinyRunMeasuresTheCommandsOverheadAndOutput) {
  ScratchDir scratch;
  bench::ExecBenchOptions options;
  options.scratch_dir = scratch.path();
  options.threadlog_bin = THREADLOG_BINARY;
  options.codex_bin = scratch.Sub("no-such-codex");
  options.runs = 1;
  options.turns = 3;
  options.output_mb = 2;
  std::ostringstream out, progress;
  absl::Status status = bench::RunExecBench(options, out, progress);
  ASSERT_TRUE(status.ok()) << status << "\n" << progress.str();
  std::vector<std::string> row;
  for (absl::string_view line : absl::StrSplit(out.str(), '\n')) {
    if (!absl::StartsWith(line, "| threadlog")) continue;
    for (absl::string_view cell : absl::StrSplit(line, '|', absl::SkipWhitespace())) {
      row.emplace_back(absl::StripAsciiWhitespace(cell));
    }
  }
  ASSERT_EQ(row.size(), 8u) << out.str();
  // trivial p50, `true` p50, overhead, output turn ms, MB/s, streamed MB, streamed MB/s: a
  // command takes time, and the turn that runs one takes longer than one that does not.
  for (size_t i = 1; i <= 7; ++i) {
    EXPECT_GT(std::stod(row[i]), 0) << "column " << i << ": " << out.str();
  }
  EXPECT_GT(std::stod(row[2]), std::stod(row[1])) << out.str();
  // Every byte the command printed reached the client.
  EXPECT_EQ(row[6], "2.0") << out.str();
  EXPECT_TRUE(absl::StrContains(out.str(), "head -c 2000000 /dev/zero")) << out.str();
  EXPECT_TRUE(absl::StrContains(out.str(), "Codex comparison skipped")) << out.str();
  ExpectNothingLeft(scratch);
}

TEST(BenchExecTest, CountsMustBePositive) {
  bench::ExecBenchOptions options;
  options.output_mb = 0;
  std::ostringstream out, progress;
  EXPECT_EQ(bench::RunExecBench(options, out, progress).code(), absl::StatusCode::kInvalidArgument);
}

TEST(BenchTurnTest, TinyRunPrintsThreadlogsRowWithPositiveNumbers) {
  ScratchDir scratch;
  std::ostringstream out, progress;
  absl::Status status = bench::RunTurnBench(TinyOptions(scratch), out, progress);
  ASSERT_TRUE(status.ok()) << status << "\n" << progress.str();

  std::vector<std::vector<std::string>> rows;
  for (absl::string_view line : absl::StrSplit(out.str(), '\n')) {
    if (!absl::StartsWith(line, "| threadlog") && !absl::StartsWith(line, "| codex")) continue;
    std::vector<std::string> cells;
    for (absl::string_view cell : absl::StrSplit(line, '|', absl::SkipWhitespace())) {
      cells.emplace_back(absl::StripAsciiWhitespace(cell));
    }
    rows.push_back(cells);
  }
  ASSERT_EQ(rows.size(), 1u) << out.str();
  const std::vector<std::string>& row = rows[0];
  ASSERT_EQ(row.size(), 9u) << out.str();
  EXPECT_EQ(row[0], "threadlog");
  // thread/start, turn p50, p99, turns/s, first delta p50, p99, peak RSS.
  for (size_t i = 1; i <= 7; ++i)
    EXPECT_GT(std::stod(row[i]), 0) << "column " << i << ": " << out.str();
  EXPECT_EQ(row[8], "3") << "sequential turns measured";
  EXPECT_LE(std::stod(row[2]), std::stod(row[3])) << "p50 <= p99";
  EXPECT_TRUE(absl::StrContains(out.str(), "turns/s x2")) << out.str();
  EXPECT_TRUE(absl::StrContains(out.str(), "model requests per sequential turn: threadlog 1.00"))
      << out.str();
  EXPECT_TRUE(absl::StrContains(out.str(), "first delta p50, threadlog:")) << out.str();
  EXPECT_TRUE(absl::StrContains(
      out.str(), "Codex comparison skipped: no Codex binary at " + scratch.Sub("no-such-codex")))
      << out.str();
  EXPECT_FALSE(absl::StrContains(out.str(), "target >= 20x")) << "no ratio without Codex";
  ExpectNothingLeft(scratch);
}

TEST(BenchTurnTest, ATurnThatNeverCompletesFailsWithinItsTimeout) {
  ScratchDir scratch;
  bench::TurnBenchOptions options = TinyOptions(scratch);
  options.mock_never_completes = true;
  options.turn_timeout_seconds = 2;
  std::ostringstream out, progress;
  const auto begin = std::chrono::steady_clock::now();
  absl::Status status = bench::RunTurnBench(options, out, progress);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded) << status;
  EXPECT_TRUE(absl::StrContains(status.message(), "threadlog: turn 1 on thread"));
  EXPECT_TRUE(absl::StrContains(status.message(), "did not complete within 2 s")) << status;
  EXPECT_TRUE(absl::StrContains(status.message(), "the mock got 1 model request")) << status;
  // 2 s of timeout, then at most 1 s of grace and 5 s after SIGTERM before SIGKILL.
  EXPECT_LT(seconds, 10) << status;
  EXPECT_TRUE(out.str().empty()) << "no table for a failed run: " << out.str();
  ExpectNothingLeft(scratch);
}

TEST(BenchTurnTest, CountsMustBePositive) {
  ScratchDir scratch;
  bench::TurnBenchOptions options = TinyOptions(scratch);
  options.concurrent_threads = 0;
  std::ostringstream out, progress;
  EXPECT_EQ(bench::RunTurnBench(options, out, progress).code(), absl::StatusCode::kInvalidArgument);
}

TEST(BenchTurnTest, TheCommandRunsThroughTheBinary) {
  ScratchDir scratch;
  testing::CommandResult r =
      testing::RunCommand({THREADLOG_BINARY, "bench", "turn", "--runs", "1", "--turns", "2",
                           "--threads", "2", "--concurrent-turns", "1", "--codex-bin",
                           scratch.Sub("no-such-codex"), "--scratch", scratch.path()});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(absl::StrContains(r.out, "\n| threadlog ")) << r.out;
  EXPECT_TRUE(absl::StrContains(r.err, "bench turn: threadlog, run 1/1")) << r.err;
}

}  // namespace
}  // namespace threadlog
