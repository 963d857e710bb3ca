// Tests for RolloutReader: lines across reads, the line limit, zstd streams (several frames,
// truncated, not zstd), and the files it refuses without blocking (FIFO, directory, missing).
#include "eventlog/rollout_reader.h"

#include <sys/stat.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/testutil/scratch_dir.h"

namespace threadlog {
namespace {

using ::threadlog::testing::ScratchDir;
using ::threadlog::testing::WriteFileOrDie;

struct Read {
  std::vector<std::string> lines;  // "<too long>" for a skipped line
  std::vector<uint64_t> numbers;
  absl::Status status;  // why reading stopped, if not at the end
  uint64_t bytes = 0;
};

Read ReadAll(const std::string& path, size_t max_line_bytes = kMaxRolloutLineBytes) {
  Read out;
  absl::StatusOr<std::unique_ptr<RolloutReader>> reader =
      RolloutReader::Open(path, max_line_bytes);
  if (!reader.ok()) {
    out.status = reader.status();
    return out;
  }
  for (;;) {
    absl::StatusOr<std::optional<RolloutReader::Line>> line = (*reader)->Next();
    if (!line.ok()) {
      out.status = line.status();
      break;
    }
    if (!line->has_value()) break;
    out.lines.push_back((*line)->too_long ? "<too long>" : std::string((*line)->text));
    out.numbers.push_back((*line)->number);
  }
  out.bytes = (*reader)->bytes_read();
  return out;
}

std::string Zstd(const ScratchDir& dir, const std::string& name, const std::string& content) {
  const std::string plain = dir.Sub(name + ".plain");
  WriteFileOrDie(plain, content);
  const std::string zst = dir.Sub(name);
  EXPECT_EQ(std::system(("zstd -q -f -o " + zst + " " + plain).c_str()), 0);
  return zst;
}

TEST(RolloutReaderTest, ReadsLinesWithAndWithoutAFinalNewline) {
  ScratchDir dir;
  WriteFileOrDie(dir.Sub("a.jsonl"), "one\n\ntwo\r\nthree");
  Read r = ReadAll(dir.Sub("a.jsonl"));
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(r.lines, (std::vector<std::string>{"one", "", "two\r", "three"}));
  EXPECT_EQ(r.numbers, (std::vector<uint64_t>{1, 2, 3, 4}));
  EXPECT_EQ(r.bytes, 15u);
  WriteFileOrDie(dir.Sub("empty.jsonl"), "");
  EXPECT_TRUE(ReadAll(dir.Sub("empty.jsonl")).lines.empty());
}

TEST(RolloutReaderTest, LinesLongerThanTheLimitAreSkippedWhereverTheyEnd) {
  ScratchDir dir;
  // Lines of 3 MiB cross the reader's 1 MiB reads; the limit is 2 MiB.
  const std::string big(3 << 20, 'x');
  const std::string fits(2 << 20, 'y');
  WriteFileOrDie(dir.Sub("a.jsonl"), "a\n" + big + "\n" + fits + "\nb\n" + big);
  Read r = ReadAll(dir.Sub("a.jsonl"), 2 << 20);
  ASSERT_TRUE(r.status.ok()) << r.status;
  ASSERT_EQ(r.lines.size(), 5u);
  EXPECT_EQ(r.lines[0], "a");
  EXPECT_EQ(r.lines[1], "<too long>");
  EXPECT_EQ(r.lines[2], fits);
  EXPECT_EQ(r.lines[3], "b");
  EXPECT_EQ(r.lines[4], "<too long>");
  // A long line that arrives whole in one read is refused too.
  WriteFileOrDie(dir.Sub("b.jsonl"), "short\n0123456789abcdef\nok\n");
  EXPECT_EQ(ReadAll(dir.Sub("b.jsonl"), 8).lines,
            (std::vector<std::string>{"short", "<too long>", "ok"}));
}

TEST(RolloutReaderTest, DecompressesZstdAsItStreamsFrameAfterFrame) {
  ScratchDir dir;
  const std::string a = Zstd(dir, "a.jsonl.zst", "first\nsecond\n");
  const std::string b = Zstd(dir, "b.jsonl.zst", "third");
  const std::string both = dir.Sub("both.jsonl.zst");
  ASSERT_EQ(std::system(("cat " + a + " " + b + " > " + both).c_str()), 0);
  Read r = ReadAll(both);
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(r.lines, (std::vector<std::string>{"first", "second", "third"}));
  EXPECT_EQ(r.bytes, 18u);
}

TEST(RolloutReaderTest, BrokenZstdIsDataLossAfterTheGoodLines) {
  ScratchDir dir;
  std::string lines;
  for (int i = 0; i < 100000; ++i) lines += "line " + std::to_string(i) + "\n";
  const std::string zst = Zstd(dir, "a.jsonl.zst", lines);
  std::string compressed = ::threadlog::testing::ReadFileOrDie(zst);
  WriteFileOrDie(zst, compressed.substr(0, compressed.size() / 2));
  Read truncated = ReadAll(zst);
  EXPECT_EQ(truncated.status.code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(truncated.status.message().find("zstd stream is truncated"), std::string::npos)
      << truncated.status;
  EXPECT_GT(truncated.lines.size(), 1000u);
  EXPECT_EQ(truncated.lines[1000], "line 1000");

  WriteFileOrDie(dir.Sub("junk.jsonl.zst"), "definitely not zstd");
  Read junk = ReadAll(dir.Sub("junk.jsonl.zst"));
  EXPECT_EQ(junk.status.code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(junk.status.message().find("not a valid zstd stream"), std::string::npos);
  WriteFileOrDie(dir.Sub("empty.jsonl.zst"), "");
  Read empty = ReadAll(dir.Sub("empty.jsonl.zst"));
  EXPECT_TRUE(empty.status.ok()) << empty.status;
  EXPECT_TRUE(empty.lines.empty());
}

TEST(RolloutReaderTest, RefusesWhatIsNotARegularFileWithoutBlocking) {
  ScratchDir dir;
  const std::string fifo = dir.Sub("rollout-a.jsonl");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  absl::StatusOr<std::unique_ptr<RolloutReader>> r = RolloutReader::Open(fifo);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(r.status().message(), fifo + ": not a regular file (a FIFO)");
  EXPECT_EQ(RolloutReader::Open(dir.path()).status().message(),
            dir.path() + ": not a regular file (a directory)");
  EXPECT_EQ(RolloutReader::Open("/dev/null").status().message(),
            "/dev/null: not a regular file (a character device)");
  absl::Status missing = RolloutReader::Open(dir.Sub("missing")).status();
  EXPECT_EQ(missing.code(), absl::StatusCode::kNotFound);
  EXPECT_NE(missing.message().find(dir.Sub("missing") + ": cannot open"), std::string::npos);
}

}  // namespace
}  // namespace threadlog
