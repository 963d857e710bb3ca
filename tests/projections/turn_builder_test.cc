// TurnBuilder's fold rules, determinism, error atomicity and checkpoint (de)serialization.
#include "projections/turn_builder.h"

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "eventlog/rollout_line.h"
#include "gtest/gtest.h"

namespace threadlog {
namespace {

using Json = nlohmann::json;
constexpr char kThread[] = "01a20edc-6c30-77d2-8ea8-b69792e25b0b";

// Feeds event_msg payloads given as JSON text; fails the test on any rejection.
void Events(TurnBuilder& b, const std::vector<std::string>& payloads) {
  for (const std::string& p : payloads) {
    const std::string type = Json::parse(p)["type"];
    ASSERT_TRUE(b.Apply(EventKind::kEventMsg, type, p).ok()) << p;
  }
}

std::string User(const std::string& text) {
  return Json{{"type", "user_message"}, {"message", text}, {"images", nullptr}}.dump();
}
std::string Agent(const std::string& text) {
  return Json{{"type", "agent_message"}, {"message", text}}.dump();
}
std::string Started(const std::string& id) {
  return Json{{"type", "task_started"}, {"turn_id", id}}.dump();
}
std::string Complete(const std::string& id) {
  return Json{{"type", "task_complete"}, {"turn_id", id}}.dump();
}

std::vector<std::string> ItemIds(const Json& turns) {
  std::vector<std::string> ids;
  for (const Json& turn : turns) {
    for (const Json& item : turn["items"]) ids.push_back(item["id"]);
  }
  return ids;
}

TEST(TurnBuilder, ExplicitTurnsNumberItemsAcrossTurns) {
  TurnBuilder b;
  Events(b, {Started("t1"), User("a"), Agent("b"), Complete("t1"), Started("t2"), User("c")});
  const Json turns = b.Turns();
  ASSERT_EQ(turns.size(), 2u);
  EXPECT_EQ(turns[0]["id"], "t1");
  EXPECT_EQ(turns[0]["status"], "completed");
  EXPECT_EQ(turns[1]["status"], "inProgress");  // no task_complete yet
  EXPECT_EQ(ItemIds(turns), (std::vector<std::string>{"item-1", "item-2", "item-3"}));
  EXPECT_EQ(b.finished_turns(), 1u);
  ASSERT_TRUE(b.OpenTurn().has_value());
  EXPECT_EQ((*b.OpenTurn())["id"], "t2");
}

TEST(TurnBuilder, EmptyImplicitTurnIsDropped) {
  TurnBuilder b;
  Events(b, {Json{{"type", "agent_reasoning"}, {"text", ""}}.dump()});
  EXPECT_TRUE(b.Turns().empty());
  Events(b, {Started("t1")});  // an explicit empty turn is kept
  EXPECT_EQ(b.Turns().size(), 1u);
}

TEST(TurnBuilder, LegacyTurnIdsAreDeterministicVersion8) {
  const auto fold = [](std::string_view seed) {
    TurnBuilder b(seed);
    Events(b, {User("one"), Agent("r"), User("two")});
    return b.Turns();
  };
  const Json turns = fold(kThread);
  ASSERT_EQ(turns.size(), 2u);
  EXPECT_EQ(turns, fold(kThread));
  const std::string first = turns[0]["id"], second = turns[1]["id"];
  EXPECT_NE(first, second);
  static const std::regex kV8(
      "[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  EXPECT_TRUE(std::regex_match(first, kV8)) << first;
  // The thread's creation-time prefix is kept; the event position makes it unique.
  EXPECT_EQ(first.substr(0, 13), std::string(kThread).substr(0, 13));
  EXPECT_EQ(first.substr(24), "000000000001");
  EXPECT_EQ(second.substr(24), "000000000003");
  // Only the thread id's first 8 bytes (time + random bits of a UUIDv7) enter the id.
  EXPECT_EQ(fold("01a20edc-6c30-77d2-8ea8-000000000000")[0]["id"], turns[0]["id"]);
  EXPECT_NE(fold("01a20edc-6c31-77d2-8ea8-b69792e25b0b")[0]["id"], turns[0]["id"]);
  EXPECT_NE(fold("other")[0]["id"], turns[0]["id"]);
}

// A model-history user message made of <hook_prompt> fragments becomes a hookPrompt item
// where it stands; its id is the message's, else a deterministic one (Codex: random UUIDv4).
TEST(TurnBuilder, HookPromptsFromResponseItems) {
  const auto hook = [](const char* id, const char* run_id) {
    Json m = {{"type", "message"},
              {"role", "user"},
              {"content",
               {{{"type", "input_text"},
                 {"text", std::string("<hook_prompt hook_run_id=\"") + run_id +
                              "\">stop &amp; check</hook_prompt>"}}}}};
    if (id != nullptr) m["id"] = id;
    return m.dump();
  };
  const auto fold = [&] {
    TurnBuilder b(kThread);
    Events(b, {Started("t1"), User("a")});
    EXPECT_TRUE(b.Apply(EventKind::kResponseItem, "message", hook("hp-1", "r1")).ok());
    EXPECT_TRUE(b.Apply(EventKind::kResponseItem, "message", hook(nullptr, "r2")).ok());
    // Not hook prompts: plain user text, a blank run id, another item type, broken JSON.
    EXPECT_TRUE(b.Apply(EventKind::kResponseItem, "message",
                        R"({"type":"message","role":"user","content":[
                          {"type":"input_text","text":"hook_run_id is just text"}]})")
                    .ok());
    EXPECT_TRUE(b.Apply(EventKind::kResponseItem, "message", hook("hp-x", " ")).ok());
    EXPECT_TRUE(b.Apply(EventKind::kResponseItem, "reasoning", hook("hp-y", "r")).ok());
    EXPECT_TRUE(b.Apply(EventKind::kResponseItem, "message", "{hook_run_id").ok());
    Events(b, {Agent("b"), Complete("t1")});
    // Outside any turn one opens, as for any item.
    EXPECT_TRUE(b.Apply(EventKind::kResponseItem, "message", hook("hp-3", "r3")).ok());
    return b.Turns();
  };
  const Json turns = fold();
  ASSERT_EQ(turns.size(), 2u);
  const Json& items = turns[0]["items"];
  ASSERT_EQ(items.size(), 4u);
  EXPECT_EQ(items[1], Json::parse(R"({"type":"hookPrompt","id":"hp-1",
      "fragments":[{"text":"stop & check","hookRunId":"r1"}]})"));
  static const std::regex kV8(
      "[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  const std::string made_up = items[2]["id"];
  EXPECT_TRUE(std::regex_match(made_up, kV8)) << made_up;
  EXPECT_EQ(made_up.substr(0, 13), std::string(kThread).substr(0, 13));
  EXPECT_EQ(made_up.substr(19), "9000-000000000004");  // kind 1, the fourth event
  EXPECT_EQ(fold(), turns);                            // deterministic
  EXPECT_EQ(ItemIds(turns),
            (std::vector<std::string>{"item-1", "hp-1", made_up, "item-2", "hp-3"}));
  EXPECT_EQ(turns[1]["status"], "completed");  // a legacy turn
}

TEST(TurnBuilder, ThreadIdComesFromSessionMetaAndLifecycleEventsDoNotCount) {
  TurnBuilder from_meta;
  ASSERT_TRUE(from_meta.Apply(EventKind::kSessionMeta, "", Json{{"id", kThread}}.dump()).ok());
  ASSERT_TRUE(from_meta.Apply(EventKind::kThreadRenamed, "", "{}").ok());
  Events(from_meta, {User("x")});
  TurnBuilder seeded(kThread);
  ASSERT_TRUE(seeded.Apply(EventKind::kTurnContext, "", "{}").ok());
  Events(seeded, {User("x")});
  EXPECT_EQ(from_meta.Turns(), seeded.Turns());
}

TEST(TurnBuilder, RejectedEventLeavesTurnsUnchanged) {
  TurnBuilder b;
  Events(b, {Started("t1"), User("a")});
  const Json before = b.Turns();
  EXPECT_EQ(b.Apply(EventKind::kEventMsg, "user_message", "not json").code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(b.Apply(EventKind::kEventMsg, "task_started", "{}").code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(b.Apply(EventKind::kEventMsg, "thread_rolled_back", R"({"num_turns":-1})").code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(b.Apply(EventKind::kCompacted, "", R"({"replacement_history":[]})").code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(b.Turns(), before);
  // A rejected item event must not even open a turn.
  TurnBuilder empty;
  EXPECT_FALSE(empty.Apply(EventKind::kEventMsg, "mcp_tool_call_begin", R"({"call_id":"m"})").ok());
  EXPECT_FALSE(empty.Apply(EventKind::kEventMsg, "web_search_end", R"({"call_id":"w"})").ok());
  EXPECT_TRUE(empty.Turns().empty());
  EXPECT_FALSE(empty.OpenTurn().has_value());
}

TEST(TurnBuilder, UnknownEventTypesAreIgnoredWithoutParsing) {
  TurnBuilder b;
  EXPECT_TRUE(b.Apply(EventKind::kEventMsg, "token_count", "{broken").ok());
  EXPECT_TRUE(b.Apply(EventKind::kResponseItem, "message", "{broken").ok());
  EXPECT_TRUE(b.Turns().empty());
}

TEST(TurnBuilder, FirstChangedTurnTracksLateEventsAndRollback) {
  TurnBuilder b;
  Events(b, {Started("t1"), User("a"), Complete("t1"), Started("t2"), User("b"), Complete("t2"),
             Started("t3"), User("c"), Complete("t3")});
  EXPECT_EQ(b.FirstChangedTurn(), 0u);
  b.MarkCheckpointed();
  EXPECT_EQ(b.FirstChangedTurn(), 3u);
  Events(b, {R"({"type":"turn_aborted","turn_id":"t2","reason":"interrupted"})"});
  EXPECT_EQ(b.FirstChangedTurn(), 1u);
  EXPECT_EQ(b.Turns()[1]["status"], "interrupted");
  b.MarkCheckpointed();
  Events(b, {R"({"type":"thread_rolled_back","num_turns":2})"});
  EXPECT_EQ(b.finished_turns(), 1u);
  EXPECT_EQ(b.FirstChangedTurn(), 1u);
  Events(b, {Started("t4"), User("d")});
  EXPECT_EQ(ItemIds(b.Turns()), (std::vector<std::string>{"item-1", "item-2"}));
}

TEST(TurnBuilder, DeserializeRejectsForeignData) {
  EXPECT_EQ(TurnBuilder::Deserialize("nope").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(TurnBuilder::Deserialize(R"({"version":999})").status().code(),
            absl::StatusCode::kFailedPrecondition);
  Json state = Json::parse(TurnBuilder().Serialize());
  state["turns"] = Json::array({Json{{"id", 5}}});
  EXPECT_EQ(TurnBuilder::Deserialize(state.dump()).status().code(),
            absl::StatusCode::kInvalidArgument);
}

std::vector<NewEvent> ReadRollout(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::vector<NewEvent> events;
  for (std::string line; std::getline(in, line);) {
    absl::StatusOr<NewEvent> event = ParseRolloutLine(line);
    EXPECT_TRUE(event.ok()) << event.status();
    if (event.ok()) events.push_back(*std::move(event));
  }
  return events;
}

// Checkpoint at every position: serialize, restore, fold the rest. The result must equal the
// uninterrupted fold, byte for byte.
TEST(TurnBuilder, CheckpointAnywhereResumesIdentically) {
  const std::filesystem::path golden =
      std::filesystem::path(THREADLOG_SOURCE_DIR) / "tests/projections/golden";
  for (const char* name : {"all_items", "legacy", "rollback", "statuses"}) {
    SCOPED_TRACE(name);
    const std::vector<NewEvent> events =
        ReadRollout(golden / (std::string(name) + ".rollout.jsonl"));
    ASSERT_FALSE(events.empty());
    TurnBuilder full;
    for (const NewEvent& e : events) ASSERT_TRUE(full.Apply(e.kind, e.type, e.payload.view()).ok());
    for (size_t cut = 0; cut <= events.size(); ++cut) {
      TurnBuilder head;
      for (size_t i = 0; i < cut; ++i)
        ASSERT_TRUE(head.Apply(events[i].kind, events[i].type, events[i].payload.view()).ok());
      absl::StatusOr<TurnBuilder> resumed = TurnBuilder::Deserialize(head.Serialize());
      ASSERT_TRUE(resumed.ok()) << resumed.status();
      EXPECT_EQ(resumed->Serialize(), head.Serialize());
      EXPECT_EQ(resumed->FirstChangedTurn(), resumed->finished_turns());
      for (size_t i = cut; i < events.size(); ++i) {
        ASSERT_TRUE(resumed->Apply(events[i].kind, events[i].type, events[i].payload.view()).ok());
      }
      ASSERT_EQ(resumed->Serialize(), full.Serialize()) << "cut at " << cut;
    }
  }
}

}  // namespace
}  // namespace threadlog
