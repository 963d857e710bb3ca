// Integration tests of `threadlog export`, `inspect` and `replay`, driving the real binary.
#include <filesystem>

#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/testutil/scratch_dir.h"

namespace threadlog {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;
using testing::CommandResult;
using testing::ReadFileOrDie;
using testing::RunCommand;
using testing::ScratchDir;

const std::string kBinary = THREADLOG_BINARY;
const std::string kSource = THREADLOG_SOURCE_DIR;
const std::string kBasic = kSource + "/tests/fixtures/codex-0.113.0/basic";
const std::string kLimited = "01a20edc-6c30-77d2-8ea8-b69792e25b0b";
const std::string kExtended = "01a20edc-6f3a-7f83-8d85-eff1cc9a2d26";
const std::string kExtendedFile =
    kBasic + "/sessions/2026/11/24/rollout-2026-11-24T18-40-57-" + kExtended + ".jsonl";

std::vector<std::string> Lines(const std::string& text) {
  return absl::StrSplit(text, '\n', absl::SkipEmpty());
}

class CliTools : public ::testing::Test {
 protected:
  void SetUp() override {
    CommandResult r = Run({"import", kBasic});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  CommandResult Run(std::vector<std::string> args) {
    args.insert(args.begin(), {kBinary, "--home", dir_.Sub("store")});
    return RunCommand(args, {{"TZ", "UTC"}});
  }
  ScratchDir dir_;
};

TEST_F(CliTools, ExportByNameToFileMatchesTheOriginal) {
  CommandResult r = Run({"export", "fixture-extended", "-o", dir_.Sub("x.jsonl")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> got = Lines(ReadFileOrDie(dir_.Sub("x.jsonl")));
  std::vector<std::string> want = Lines(ReadFileOrDie(kExtendedFile));
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_EQ(Json::parse(got[i]), Json::parse(want[i]));
  // A different file in the way is refused, then replaced with --force.
  testing::WriteFileOrDie(dir_.Sub("y.jsonl"), "other\n");
  r = Run({"export", kExtended.substr(0, 13), "-o", dir_.Sub("y.jsonl")});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("--force"), std::string::npos) << r.err;
  r = Run({"export", kExtended.substr(0, 13), "-o", dir_.Sub("y.jsonl"), "--force"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(ReadFileOrDie(dir_.Sub("y.jsonl")), ReadFileOrDie(dir_.Sub("x.jsonl")));
}

TEST_F(CliTools, ExportAllWritesCodexLayout) {
  CommandResult r = Run({"export", "--all", dir_.Sub("home")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(fs::exists(
      dir_.Sub("home/archived_sessions/rollout-2026-11-24T18-40-56-" + kLimited + ".jsonl")));
  EXPECT_TRUE(fs::exists(
      dir_.Sub("home/sessions/2026/11/24/rollout-2026-11-24T18-40-57-" + kExtended + ".jsonl")));
  EXPECT_EQ(Lines(ReadFileOrDie(dir_.Sub("home/session_index.jsonl"))).size(), 2u);
}

TEST_F(CliTools, ExportUnknownThreadFails) {
  CommandResult r = Run({"export", "no-such-thread"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_FALSE(r.err.empty());
}

TEST_F(CliTools, InspectListOnStoreAndOnFilesAgree) {
  CommandResult store = Run({"inspect", "list", "--json"});
  ASSERT_EQ(store.exit_code, 0) << store.err;
  CommandResult files = Run({"inspect", kBasic, "list", "--json"});
  ASSERT_EQ(files.exit_code, 0) << files.err;
  EXPECT_EQ(store.out, files.out);
  std::vector<std::string> rows = Lines(store.out);
  ASSERT_EQ(rows.size(), 2u);  // the archived one is listed with --archived only
  for (const std::string& row : rows) {
    Json j = Json::parse(row);
    EXPECT_FALSE(j["archived"].get<bool>());
    EXPECT_GT(j["events"].get<int>(), 0);
  }
  CommandResult archived = Run({"inspect", "list", "--archived"});
  ASSERT_EQ(archived.exit_code, 0) << archived.err;
  EXPECT_NE(archived.out.find(kLimited), std::string::npos) << archived.out;
  EXPECT_NE(archived.out.find("fixture-limited"), std::string::npos) << archived.out;
}

TEST_F(CliTools, InspectFileDoesNotTouchTheStore) {
  ScratchDir other;
  CommandResult r = RunCommand(
      {kBinary, "--home", other.Sub("never"), "inspect", kExtendedFile, "show", kExtended});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(fs::exists(other.Sub("never")));
}

TEST_F(CliTools, ShowRendersCommandsAndFileChanges) {
  CommandResult r = Run({"inspect", "show", "fixture-extended"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("user: hello there"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("agent: You said: hello there"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("$ /bin/bash -lc 'echo hello-from-shell && ls /'"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("exit 0"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("| hello-from-shell"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("exit 1"), std::string::npos) << r.out;
}

TEST_F(CliTools, ShowJsonIsTheV2Thread) {
  CommandResult r = Run({"inspect", "show", kExtended, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Json thread = Json::parse(r.out);
  EXPECT_EQ(thread["id"], kExtended);
  EXPECT_EQ(thread["name"], "fixture-extended");
  EXPECT_EQ(thread["turns"].size(), 4u);
  EXPECT_EQ(thread["source"], "vscode");
}

TEST_F(CliTools, EventsFilters) {
  CommandResult r = Run({"inspect", "events", kExtended, "--type", "user_message", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> lines = Lines(r.out);
  ASSERT_EQ(lines.size(), 4u) << r.out;
  EXPECT_EQ(Json::parse(lines[0])["payload"]["message"], "hello there");
  r = Run({"inspect", "events", kExtended, "--from-seq", "2", "--to-seq", "4", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  lines = Lines(r.out);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(Json::parse(lines[0])["seq"], 2);
  r = Run({"inspect", "events", kExtended, "--kind", "session_meta"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Lines(r.out).size(), 1u) << r.out;
}

TEST_F(CliTools, StatsCountsByType) {
  CommandResult r = Run({"inspect", "stats", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Json stats = Json::parse(r.out);
  EXPECT_EQ(stats["byType"]["session_meta"]["events"], 4);  // the fork file holds two
  EXPECT_GT(stats["compressionRatio"].get<double>(), 0.0);
  EXPECT_GE(stats["events"].get<int>(), 47 + 49 + 61);
}

TEST_F(CliTools, FindNamesTheThreadsThatMentionIt) {
  CommandResult r = Run({"inspect", "find", "after the fork", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> lines = Lines(r.out);
  ASSERT_EQ(lines.size(), 1u) << r.out;
  EXPECT_EQ(Json::parse(lines[0])["id"], "01a20edc-7247-7f03-a843-7f00d3d1bea4");
  r = Run({"inspect", "find", "hello-from-shell", "--json"});
  EXPECT_EQ(Lines(r.out).size(), 3u) << r.out;
}

TEST_F(CliTools, AmbiguousPrefixIsAnError) {
  CommandResult r = Run({"inspect", "show", "01a20edc"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_FALSE(r.err.empty());
}

TEST(ReplayCli, FailingCaseShowsTheDiffAndIgnoredFields) {
  ScratchDir dir;
  const std::string src = kSource + "/tests/replay/interrupted_turn";
  fs::copy(src, dir.Sub("case"));
  Json expected = Json::parse(ReadFileOrDie(dir.Sub("case/expected.json")));
  expected["turns"][0]["status"] = "completed";
  testing::WriteFileOrDie(dir.Sub("case/expected.json"), expected.dump(1));
  CommandResult r = RunCommand({kBinary, "replay", dir.Sub("case")});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("/turns/0/status: expected \"completed\" vs got \"interrupted\""),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("/updatedAt: "), std::string::npos) << r.out;
  // --bless rewrites it, then it passes.
  r = RunCommand({kBinary, "replay", "--bless", dir.Sub("case")});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  r = RunCommand({kBinary, "replay", dir.Sub("case")});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
}

}  // namespace
}  // namespace threadlog
