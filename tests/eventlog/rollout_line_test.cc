// Tests for rollout line parsing and formatting, over every line of the fixtures.
#include "eventlog/rollout_line.h"

#include <filesystem>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/testutil/scratch_dir.h"

namespace threadlog {
namespace {

EventView ViewOf(const NewEvent& e) {
  EventView v;
  v.kind = e.kind;
  v.type = e.type;
  v.payload = e.payload.view();
  v.timestamp_ms = e.timestamp_ms;
  v.timestamp_text = e.timestamp_text;
  return v;
}

TEST(RolloutLineTest, EveryFixtureLineRoundTripsByteForByte) {
  int lines = 0;
  for (const auto& f : std::filesystem::recursive_directory_iterator(
           std::string(THREADLOG_SOURCE_DIR) + "/tests/fixtures")) {
    std::string name = f.path().filename().string();
    if (!absl::StartsWith(name, "rollout-")) continue;
    std::string content = testing::ReadFileOrDie(f.path());
    size_t start = 0;
    while (start < content.size()) {
      size_t end = content.find('\n', start);
      std::string line = content.substr(start, end - start);
      start = end == std::string::npos ? content.size() : end + 1;
      absl::StatusOr<NewEvent> e = ParseRolloutLine(line);
      ASSERT_TRUE(e.ok()) << name << ": " << e.status();
      EXPECT_TRUE(e->timestamp_text.empty());
      EXPECT_EQ(FormatRolloutLine(ViewOf(*e)), line) << name;
      ++lines;
    }
  }
  EXPECT_GT(lines, 1000);
}

TEST(RolloutLineTest, ExtractsKindAndType) {
  auto e = ParseRolloutLine(
      R"({"timestamp":"2026-02-23T11:40:29.279Z","type":"event_msg","payload":{"type":"task_started","turn_id":"t"}})");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->kind, EventKind::kEventMsg);
  EXPECT_EQ(e->type, "task_started");
  EXPECT_EQ(e->timestamp_ms, 1771846829279);
  auto meta = ParseRolloutLine(
      R"({"timestamp":"2026-02-23T11:40:29.279Z","type":"turn_context","payload":{"cwd":"/x"}})");
  ASSERT_TRUE(meta.ok());
  EXPECT_EQ(meta->kind, EventKind::kTurnContext);
  EXPECT_EQ(meta->type, "");
}

TEST(RolloutLineTest, OtherLayoutsAreReserializedJsonEqual) {
  std::string line =
      R"({ "payload": {"message":"hi", "type":"user_message"}, "type": "event_msg", "timestamp": "2026-02-23T11:40:29.279123Z" })";
  auto e = ParseRolloutLine(line);
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->type, "user_message");
  EXPECT_EQ(e->timestamp_text, "2026-02-23T11:40:29.279123Z");
  EXPECT_EQ(nlohmann::json::parse(FormatRolloutLine(ViewOf(*e))), nlohmann::json::parse(line));
}

TEST(RolloutLineTest, BadLinesExplainThemselves) {
  struct Case {
    const char* line;
    const char* says;
  } cases[] = {
      {"not json", "not valid JSON"},
      {"[1,2]", "not a JSON object"},
      {R"({"timestamp":"2026-02-23T11:40:29.279Z","payload":{}})", "no string \"type\""},
      {R"({"timestamp":"2026-02-23T11:40:29.279Z","type":"martian","payload":{}})",
       "unknown rollout item type 'martian'"},
      {R"({"timestamp":"2026-02-23T11:40:29.279Z","type":"event_msg"})", "no \"payload\""},
      {R"({"timestamp":"yesterday","type":"event_msg","payload":{"type":"x"}})", "not an RFC 3339"},
      {R"({"type":"event_msg","payload":{"type":"x"}})", "no string \"timestamp\""},
      {R"({"timestamp":"2026-02-23T11:40:29.279Z","type":"event_msg","payload":{"type":"x"})",
       "not valid JSON"},
  };
  for (const Case& c : cases) {
    auto e = ParseRolloutLine(c.line);
    ASSERT_FALSE(e.ok()) << c.line;
    EXPECT_EQ(e.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(e.status().message().find(c.says), std::string_view::npos)
        << c.line << " -> " << e.status();
  }
}

}  // namespace
}  // namespace threadlog
