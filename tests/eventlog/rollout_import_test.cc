// Tests for RolloutImporter: fixtures, idempotence, growth, bad lines, zstd, non-rollouts.
#include "eventlog/rollout_import.h"

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "eventlog/rollout_line.h"
#include "gtest/gtest.h"
#include "tests/testutil/scratch_dir.h"

namespace threadlog {
namespace {

using ::threadlog::testing::ReadFileOrDie;
using ::threadlog::testing::ScratchDir;
using ::threadlog::testing::WriteFileOrDie;

const std::string kFixtures = std::string(THREADLOG_SOURCE_DIR) + "/tests/fixtures";
const std::string kLimited =
    kFixtures +
    "/codex-0.113.0/basic/archived_sessions/"
    "rollout-2026-11-24T18-40-56-01a20edc-6c30-77d2-8ea8-b69792e25b0b.jsonl";

class RolloutImportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = EventStore::Open(dir_.Sub("store"));
    ASSERT_TRUE(s.ok()) << s.status();
    store_ = std::move(*s);
  }
  std::string Export(const ThreadId& id) {
    std::string out;
    auto it = store_->ReadThread(id);
    for (; it->Valid(); it->Next()) absl::StrAppend(&out, FormatRolloutLine(it->event()), "\n");
    EXPECT_TRUE(it->status().ok());
    return out;
  }
  ScratchDir dir_;
  std::unique_ptr<EventStore> store_;
  std::vector<ImportProblem> problems_;
  RolloutImporter::ProblemSink sink_ = [this](const ImportProblem& p) { problems_.push_back(p); };
};

TEST_F(RolloutImportTest, ImportsACodexHomeAndIsIdempotent) {
  RolloutImporter first(store_.get(), sink_);
  ASSERT_TRUE(first.ImportPath(kFixtures).ok());
  EXPECT_EQ(first.stats().files, 8u);
  EXPECT_EQ(first.stats().threads_created, 8u);
  EXPECT_EQ(first.stats().bad_lines, 0u);
  EXPECT_TRUE(problems_.empty());
  auto threads = store_->ListThreads();
  ASSERT_TRUE(threads.ok());
  EXPECT_EQ(threads->size(), 8u);

  // Every thread's events read back as its file, byte for byte.
  auto id = ThreadId::Parse("01a20edc-6c30-77d2-8ea8-b69792e25b0b");
  EXPECT_EQ(Export(*id), ReadFileOrDie(kLimited));

  uint64_t position = store_->Stats()->last_position;
  RolloutImporter again(store_.get(), sink_);
  ASSERT_TRUE(again.ImportPath(kFixtures).ok());
  EXPECT_EQ(again.stats().events, 0u);
  EXPECT_EQ(again.stats().files_unchanged, 8u);
  EXPECT_EQ(store_->Stats()->last_position, position);
}

TEST_F(RolloutImportTest, AGrownFileAppendsOnlyTheNewLines) {
  std::string content = ReadFileOrDie(kLimited);
  size_t half = content.find('\n', content.size() / 2) + 1;
  std::string path =
      dir_.Sub("rollout-2026-11-24T18-40-56-01a20edc-6c30-77d2-8ea8-b69792e25b0b.jsonl");
  WriteFileOrDie(path, content.substr(0, half));
  RolloutImporter first(store_.get(), sink_);
  ASSERT_TRUE(first.ImportPath(path).ok());
  WriteFileOrDie(path, content);
  RolloutImporter second(store_.get(), sink_);
  ASSERT_TRUE(second.ImportPath(path).ok());
  EXPECT_EQ(second.stats().threads_extended, 1u);
  EXPECT_EQ(Export(*ThreadId::Parse("01a20edc-6c30-77d2-8ea8-b69792e25b0b")), content);
}

TEST_F(RolloutImportTest, BadLinesAreReportedWithFileAndLineAndTheRestIsImported) {
  std::string content = ReadFileOrDie(kLimited);
  size_t first_nl = content.find('\n') + 1;
  std::string broken =
      content.substr(0, first_nl) + "{\"truncated\n" + "\n" + content.substr(first_nl) +
      "{\"timestamp\":\"x\",\"type\":\"event_msg\",\"payload\":{\"type\":\"a\"}}\n";
  std::string path = dir_.Sub("rollout-broken.jsonl");
  WriteFileOrDie(path, broken);
  RolloutImporter importer(store_.get(), sink_);
  ASSERT_TRUE(importer.ImportPath(path).ok());
  EXPECT_EQ(importer.stats().bad_lines, 2u);
  ASSERT_EQ(problems_.size(), 2u);
  EXPECT_EQ(problems_[0].file, path);
  EXPECT_EQ(problems_[0].line, 2u);
  EXPECT_NE(problems_[0].reason.find("not valid JSON"), std::string::npos);
  EXPECT_NE(problems_[1].reason.find("RFC 3339"), std::string::npos);
  EXPECT_EQ(Export(*ThreadId::Parse("01a20edc-6c30-77d2-8ea8-b69792e25b0b")), content);
}

TEST_F(RolloutImportTest, ReadsZstdAndRejectsNonRollouts) {
  std::string zst = dir_.Sub("rollout-a.jsonl.zst");
  ASSERT_EQ(std::system(("zstd -q -o " + zst + " " + kLimited).c_str()), 0);
  std::string junk = dir_.Sub("rollout-junk.jsonl");
  WriteFileOrDie(junk,
                 "{\"timestamp\":\"2026-02-23T11:40:29.279Z\",\"type\":\"event_msg\",\"payload\":{"
                 "\"type\":\"x\"}}\n");
  std::string bad_zst = dir_.Sub("rollout-bad.jsonl.zst");
  WriteFileOrDie(bad_zst, "definitely not zstd");
  RolloutImporter importer(store_.get(), sink_);
  ASSERT_TRUE(importer.ImportPath(dir_.path()).ok());
  EXPECT_EQ(importer.stats().threads_created, 1u);
  EXPECT_EQ(importer.stats().files_rejected, 2u);
  EXPECT_EQ(Export(*ThreadId::Parse("01a20edc-6c30-77d2-8ea8-b69792e25b0b")),
            ReadFileOrDie(kLimited));
  EXPECT_EQ(importer.ImportPath(dir_.Sub("missing")).code(), absl::StatusCode::kNotFound);
}

TEST_F(RolloutImportTest, EventsBeforeALateSessionMetaAreKeptInOrderHoweverMany) {
  // 10 MiB of events before the session_meta (more than the importer holds before it knows the
  // thread: it reads the file again), then 20 MiB after it (more than a parser runs ahead).
  std::string content = ReadFileOrDie(kLimited);
  const size_t first_nl = content.find('\n') + 1;
  const std::string meta = content.substr(0, first_nl);
  auto event = [](int i, size_t size) {
    return absl::StrCat(R"({"timestamp":"2026-11-24T18:41:00.000Z","type":"event_msg",)",
                        R"("payload":{"type":"agent_message","message":")", i, "-",
                        std::string(size, 'm'), "\"}}\n");
  };
  std::string before, after;
  for (int i = 0; i < 10; ++i) before += event(i, 1 << 20);
  for (int i = 0; i < 20; ++i) after += event(100 + i, 1 << 20);
  const std::string path = dir_.Sub("rollout-late-meta.jsonl");
  WriteFileOrDie(path, before + "not json\n" + meta + after + content.substr(first_nl));
  RolloutImporter importer(store_.get(), sink_);
  ASSERT_TRUE(importer.ImportPath(path).ok());
  EXPECT_EQ(importer.stats().threads_created, 1u);
  ASSERT_EQ(problems_.size(), 1u);  // reported once, not once per reading
  EXPECT_EQ(problems_[0].line, 11u);
  EXPECT_EQ(Export(*ThreadId::Parse("01a20edc-6c30-77d2-8ea8-b69792e25b0b")),
            before + meta + after + content.substr(first_nl));
}

}  // namespace
}  // namespace threadlog
