// ModelHistoryBuilder: the conversation rebuilt from rollout lines — response items in order,
// compactions, rollbacks — and ReadModelHistory over the replay cases Codex 0.117.0 wrote.
#include "projections/model_history.h"

#include <fstream>
#include <sstream>

#include "gtest/gtest.h"

namespace threadlog {
namespace {

using nlohmann::json;

json UserMessage(const std::string& text) {
  return {{"type", "message"},
          {"role", "user"},
          {"content", {{{"type", "input_text"}, {"text", text}}}}};
}
json Assistant(const std::string& text) {
  return {{"type", "message"},
          {"role", "assistant"},
          {"content", {{{"type", "output_text"}, {"text", text}}}}};
}

void AddItem(ModelHistoryBuilder& b, const json& item) {
  ASSERT_TRUE(b.Add(EventKind::kResponseItem, item.value("type", ""), item.dump()).ok());
}

TEST(ModelHistoryTest, ResponseItemsInOrderOtherLinesIgnored) {
  ModelHistoryBuilder b;
  AddItem(b, UserMessage("<environment_context>x</environment_context>"));
  AddItem(b, UserMessage("hi"));
  ASSERT_TRUE(b.Add(EventKind::kTurnContext, "", R"({"cwd": "/"})").ok());
  ASSERT_TRUE(b.Add(EventKind::kEventMsg, "agent_message", R"({"type": "agent_message"})").ok());
  AddItem(b, Assistant("hello"));
  ASSERT_EQ(b.items().size(), 3u);
  EXPECT_EQ(b.items()[2], Assistant("hello"));
}

TEST(ModelHistoryTest, ARollbackDropsTheLastUserTurnsButNotTheContext) {
  ModelHistoryBuilder b;
  AddItem(b, UserMessage("<environment_context>x</environment_context>"));
  for (const char* t : {"one", "two", "three"}) {
    AddItem(b, UserMessage(t));
    AddItem(b, Assistant(std::string(t) + "!"));
  }
  ASSERT_TRUE(b.Add(EventKind::kEventMsg, "thread_rolled_back",
                    R"({"type": "thread_rolled_back", "num_turns": 2})")
                  .ok());
  ASSERT_EQ(b.items().size(), 3u);
  EXPECT_EQ(b.items()[1], UserMessage("one"));
  // More turns than there are: every turn goes, the context stays.
  ASSERT_TRUE(b.Add(EventKind::kEventMsg, "thread_rolled_back",
                    R"({"type": "thread_rolled_back", "num_turns": 9})")
                  .ok());
  ASSERT_EQ(b.items().size(), 1u);
}

TEST(ModelHistoryTest, ACompactionReplacesTheHistory) {
  ModelHistoryBuilder b;
  AddItem(b, UserMessage("one"));
  AddItem(b, Assistant("long answer"));
  json compacted = {{"message", "summary"},
                    {"replacement_history", {UserMessage("one"), UserMessage("summary text")}}};
  ASSERT_TRUE(b.Add(EventKind::kCompacted, "", compacted.dump()).ok());
  ASSERT_EQ(b.items().size(), 2u);
  EXPECT_EQ(b.items()[1], UserMessage("summary text"));
  // The older form: the user messages so far, then the summary.
  ModelHistoryBuilder legacy;
  AddItem(legacy, UserMessage("one"));
  AddItem(legacy, Assistant("long answer"));
  ASSERT_TRUE(legacy.Add(EventKind::kCompacted, "", R"({"message": "the summary"})").ok());
  ASSERT_EQ(legacy.items().size(), 2u);
  EXPECT_EQ(legacy.items()[1], UserMessage("the summary"));
}

TEST(ModelHistoryTest, APayloadThatIsNotJsonIsDataLoss) {
  ModelHistoryBuilder b;
  EXPECT_EQ(b.Add(EventKind::kResponseItem, "message", "{nope").code(),
            absl::StatusCode::kDataLoss);
}

TEST(IsUserTurnMessageTest, ContextMessagesAreNotTurns) {
  EXPECT_TRUE(IsUserTurnMessage(UserMessage("hi")));
  EXPECT_FALSE(IsUserTurnMessage(UserMessage("<environment_context>\n</environment_context>")));
  EXPECT_FALSE(IsUserTurnMessage(UserMessage("# AGENTS.md instructions for /w\n\n<INSTRUCTIONS>")));
  EXPECT_FALSE(IsUserTurnMessage(UserMessage("<turn_aborted>\nx\n</turn_aborted>")));
  EXPECT_FALSE(IsUserTurnMessage(Assistant("hi")));
}

// The rollback case Codex 0.117.0 wrote: three turns, two rolled back, one more. Its next
// request (tests/replay/v117_rollback/capture.json) carried turn one and turn four only.
TEST(ModelHistoryTest, TheRollbackCaseCodexWrote) {
  std::ifstream in(std::string(THREADLOG_SOURCE_DIR) + "/tests/replay/v117_rollback/events.jsonl");
  ASSERT_TRUE(in.good());
  ModelHistoryBuilder b;
  std::string line;
  while (std::getline(in, line)) {
    const json l = json::parse(line);
    const std::string type = l["type"];
    const json& payload = l["payload"];
    EventKind kind = type == "response_item"  ? EventKind::kResponseItem
                     : type == "compacted"    ? EventKind::kCompacted
                     : type == "turn_context" ? EventKind::kTurnContext
                     : type == "session_meta" ? EventKind::kSessionMeta
                                              : EventKind::kEventMsg;
    ASSERT_TRUE(b.Add(kind, payload.value("type", ""), payload.dump()).ok());
  }
  std::vector<std::string> users;
  for (const json& item : b.items()) {
    if (IsUserTurnMessage(item)) users.push_back(item["content"][0]["text"]);
  }
  EXPECT_EQ(users, (std::vector<std::string>{"Turn one.", "Turn four, after the rollback."}));
}

}  // namespace
}  // namespace threadlog
