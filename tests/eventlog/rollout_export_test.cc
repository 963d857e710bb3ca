// Export tests: every fixture rollout round-trips through import + export JSON-equal and in
// order; --all lays out a Codex home; files are never silently overwritten; forks export whole.
#include "eventlog/rollout_export.h"

#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <sstream>

#include "absl/strings/str_split.h"
#include "eventlog/absl_compat.h"
#include "gtest/gtest.h"
#include "tests/testutil/scratch_dir.h"
#include "tests/testutil/scratch_store.h"

namespace threadlog {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;
using testing::ReadFileOrDie;
using testing::ScratchDir;
using testing::ScratchStore;
using testing::WriteFileOrDie;

const fs::path kFixtures = fs::path(THREADLOG_SOURCE_DIR) / "tests/fixtures";
const fs::path kBasic = kFixtures / "codex-0.113.0/basic";

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (line.find_first_not_of(" \t\r") != absl::string_view::npos) out.emplace_back(line);
  }
  return out;
}

std::vector<fs::path> FixtureRollouts() {
  std::vector<fs::path> out;
  for (const auto& entry : fs::recursive_directory_iterator(kFixtures)) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with("rollout-") && name.ends_with(".jsonl")) out.push_back(entry.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

ThreadId IdOfRollout(const fs::path& path) {
  std::string first = Lines(ReadFileOrDie(path.string())).at(0);
  return *ThreadId::Parse(Json::parse(first)["payload"]["id"].get<std::string>());
}

void ExpectJsonEqualLines(const std::string& original, const std::string& exported,
                          const std::string& label) {
  std::vector<std::string> want = Lines(original), got = Lines(exported);
  ASSERT_EQ(got.size(), want.size()) << label;
  for (size_t i = 0; i < want.size(); ++i) {
    ASSERT_EQ(Json::parse(got[i]), Json::parse(want[i])) << label << " line " << i + 1;
  }
}

class UtcZone : public ::testing::Test {
 protected:
  // File names use local time, as Codex's do; the fixtures were named in UTC.
  void SetUp() override {
    setenv("TZ", "UTC", 1);
    tzset();
  }
};

TEST(RolloutExport, EveryFixtureRoundTrips) {
  std::vector<fs::path> files = FixtureRollouts();
  ASSERT_GE(files.size(), 8u);
  for (const fs::path& file : files) {
    auto scratch = ScratchStore::Import({file.string()});
    ASSERT_TRUE(scratch.ok()) << scratch.status();
    std::ostringstream out;
    ExportStats stats;
    ASSERT_TRUE(WriteRollout((*scratch)->store(), IdOfRollout(file), out, &stats).ok()) << file;
    ExpectJsonEqualLines(ReadFileOrDie(file.string()), out.str(), file.string());
    EXPECT_EQ(stats.bytes, out.str().size());
  }
}

TEST_F(UtcZone, AllWritesACodexHome) {
  auto scratch = ScratchStore::Import({kBasic.string()});
  ASSERT_TRUE(scratch.ok()) << scratch.status();
  ScratchDir dir;
  absl::StatusOr<ExportStats> stats = ExportAll((*scratch)->store(), dir.path(), {});
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->threads, 3u);
  EXPECT_EQ(stats->files_written, 4u);  // three rollouts and the name index
  // Same relative paths as Codex wrote (the archived one flat in archived_sessions/).
  for (const auto& entry : fs::recursive_directory_iterator(kBasic)) {
    const std::string name = entry.path().filename().string();
    if (!name.starts_with("rollout-")) continue;
    fs::path rel = fs::relative(entry.path(), kBasic);
    ASSERT_TRUE(fs::exists(fs::path(dir.path()) / rel)) << rel;
    ExpectJsonEqualLines(ReadFileOrDie(entry.path().string()),
                         ReadFileOrDie((fs::path(dir.path()) / rel).string()), rel.string());
  }
  // The name index names the same threads with the same names.
  std::vector<std::string> index = Lines(ReadFileOrDie(dir.Sub("session_index.jsonl")));
  std::vector<std::string> want = Lines(ReadFileOrDie((kBasic / "session_index.jsonl").string()));
  ASSERT_EQ(index.size(), want.size());
  for (size_t i = 0; i < index.size(); ++i) {
    Json a = Json::parse(index[i]), b = Json::parse(want[i]);
    EXPECT_EQ(a["id"], b["id"]);
    EXPECT_EQ(a["thread_name"], b["thread_name"]);
    EXPECT_TRUE(a["updated_at"].is_string());
  }
  // Again: nothing changes.
  stats = ExportAll((*scratch)->store(), dir.path(), {});
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->files_written, 0u);
  EXPECT_EQ(stats->files_unchanged, 4u);
}

TEST_F(UtcZone, ExportedHomeImportsBackToTheSameThreads) {
  auto first = ScratchStore::Import({kBasic.string()});
  ASSERT_TRUE(first.ok()) << first.status();
  ScratchDir dir;
  ASSERT_TRUE(ExportAll((*first)->store(), dir.path(), {}).ok());
  auto second = ScratchStore::Import({dir.path()});
  ASSERT_TRUE(second.ok()) << second.status();
  for (const char* id :
       {"01a20edc-6c30-77d2-8ea8-b69792e25b0b", "01a20edc-6f3a-7f83-8d85-eff1cc9a2d26",
        "01a20edc-7247-7f03-a843-7f00d3d1bea4"}) {
    ThreadId thread = *ThreadId::Parse(id);
    auto a = (*first)->store().GetThread(thread);
    auto b = (*second)->store().GetThread(thread);
    ASSERT_TRUE(a.ok() && b.ok() && a->has_value() && b->has_value()) << id;
    EXPECT_EQ((*a)->name, (*b)->name) << id;
    EXPECT_EQ((*a)->archived, (*b)->archived) << id;
    EXPECT_EQ((*a)->turns, (*b)->turns) << id;
    EXPECT_EQ(*(*first)->store().ReadTurns(thread), *(*second)->store().ReadTurns(thread)) << id;
  }
}

TEST(RolloutExport, RefusesToOverwriteADifferentFileWithoutForce) {
  fs::path file = FixtureRollouts().front();
  auto scratch = ScratchStore::Import({file.string()});
  ASSERT_TRUE(scratch.ok()) << scratch.status();
  ScratchDir dir;
  const std::string out = dir.Sub("out.jsonl");
  WriteFileOrDie(out, "someone else's file\n");
  absl::Status s = ExportThreadToFile((*scratch)->store(), IdOfRollout(file), out, {});
  EXPECT_EQ(s.code(), absl::StatusCode::kAlreadyExists) << s;
  EXPECT_EQ(ReadFileOrDie(out), "someone else's file\n");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 1)
      << "the temporary file must be removed";
  ExportStats stats;
  ASSERT_TRUE(
      ExportThreadToFile((*scratch)->store(), IdOfRollout(file), out, {.force = true}, &stats)
          .ok());
  EXPECT_EQ(stats.files_written, 1u);
  ExpectJsonEqualLines(ReadFileOrDie(file.string()), ReadFileOrDie(out), "forced");
}

TEST(RolloutExport, UnknownThreadIsNotFound) {
  auto scratch = ScratchStore::Import({});
  ASSERT_TRUE(scratch.ok()) << scratch.status();
  std::ostringstream out;
  EXPECT_EQ(WriteRollout((*scratch)->store(), ThreadId::NewV7(), out).code(),
            absl::StatusCode::kNotFound);
}

// A fork the store made (thread_forked, copy-on-write) exports the parent's lines up to the
// fork point, then its own: the whole history Codex would have written into the fork's file.
TEST(RolloutExport, ForkExportsTheInheritedHistory) {
  fs::path parent_file = kBasic /
                         "sessions/2026/11/24/"
                         "rollout-2026-11-24T18-40-57-01a20edc-6f3a-7f83-8d85-eff1cc9a2d26.jsonl";
  auto scratch = ScratchStore::Import({parent_file.string()});
  ASSERT_TRUE(scratch.ok()) << scratch.status();
  ThreadStore& store = (*scratch)->store();
  ThreadId parent = IdOfRollout(parent_file);
  std::vector<std::string> parent_lines = Lines(ReadFileOrDie(parent_file.string()));
  const uint64_t fork_seq = parent_lines.size();  // the store forks at the parent's last seq

  ThreadId fork = ThreadId::NewV7();
  Json meta = Json::parse(parent_lines[0])["payload"];
  meta["id"] = fork.ToString();
  meta["forked_from_id"] = parent.ToString();
  std::vector<NewEvent> events(3);
  events[0].kind = EventKind::kSessionMeta;
  events[0].payload = JsonText::Serialize(meta);
  events[1].kind = EventKind::kThreadForked;
  events[1].payload =
      JsonText::Serialize(Json{{"parent_thread_id", parent.ToString()}, {"parent_seq", fork_seq}});
  events[2].kind = EventKind::kEventMsg;
  events[2].type = "user_message";
  events[2].payload = JsonText::Serialize(Json{{"type", "user_message"},
                                               {"message", "after the fork"},
                                               {"images", Json::array()},
                                               {"local_images", Json::array()},
                                               {"text_elements", Json::array()}});
  absl::StatusOr<AppendResult> appended =
      store.Append(fork, EventStore::kNewThread, events, Durability::kBuffered);
  ASSERT_TRUE(appended.ok()) << appended.status();

  std::ostringstream out;
  ASSERT_TRUE(WriteRollout(store, fork, out).ok());
  std::vector<std::string> got = Lines(out.str());
  ASSERT_EQ(got.size(), 1 + fork_seq + 1) << out.str();
  EXPECT_EQ(Json::parse(got[0])["payload"]["forked_from_id"], parent.ToString());
  for (size_t i = 0; i < fork_seq; ++i) {
    EXPECT_EQ(Json::parse(got[1 + i]), Json::parse(parent_lines[i])) << "line " << i + 2;
  }
  EXPECT_EQ(Json::parse(got.back())["payload"]["message"], "after the fork");
}

}  // namespace
}  // namespace threadlog
