// TurnWriter on a real store: which events are transient, what Emit stores (with the thread's
// persistence mode) and tells (every event, prelude first, to the followers), Append and Tell
// alone, and a failed append that tells nothing. OutputText and NewItemId.
#include "api/agent/turn_writer.h"

#include <algorithm>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "api/session/thread_service.h"
#include "gtest/gtest.h"
#include "tests/testutil/recording_sink.h"
#include "tests/testutil/scratch_dir.h"

namespace threadlog::agent {
namespace {

using nlohmann::json;
using session::ClientId;

using testing::RecordingSink;
using testing::Sent;

json PlanItem(const std::string& text) {
  return {{"type", "Plan"}, {"id", "plan-1"}, {"text", text}};
}
json AgentMessageItem() {
  return {{"type", "agentMessage"}, {"id", "msg-1"}, {"text", "hi"}, {"phase", nullptr}};
}

TEST(IsTransientTest, DeltasStartsPlanUpdatesAndRetriesAreNeverStored) {
  for (const char* type : {"item_started", "agent_message_content_delta", "reasoning_content_delta",
                           "reasoning_raw_content_delta", "agent_reasoning_section_break",
                           "plan_delta", "plan_update", "stream_error"}) {
    EXPECT_TRUE(IsTransient(Msg({{"type", type}}))) << type;
  }
  // A plan item's start is transient too; only its completion is stored.
  EXPECT_TRUE(IsTransient(Msg({{"type", "item_started"}, {"item", PlanItem("")}})));
}

TEST(IsTransientTest, CompletedItemsAreTransientExceptPlans) {
  EXPECT_TRUE(IsTransient(Msg({{"type", "item_completed"}, {"item", AgentMessageItem()}})));
  EXPECT_TRUE(IsTransient(Msg({{"type", "item_completed"}})));
  EXPECT_TRUE(IsTransient(Msg({{"type", "item_completed"}, {"item", "Plan"}})));
  EXPECT_FALSE(IsTransient(Msg({{"type", "item_completed"}, {"item", PlanItem("1. do it")}})));
}

TEST(IsTransientTest, ResponseItemsAndOtherEventMsgsAreNot) {
  EXPECT_FALSE(IsTransient(Item({{"type", "message"}, {"role", "assistant"}})));
  EXPECT_FALSE(IsTransient(Item({{"type", "function_call"}, {"name", "x"}})));
  // Whatever a response item's type says, it is no event_msg.
  EXPECT_FALSE(IsTransient(Item({{"type", "item_started"}})));
  EXPECT_FALSE(IsTransient(TurnEvent{EventKind::kTurnContext, {{"cwd", "/"}}}));
  EXPECT_FALSE(IsTransient(TurnEvent{EventKind::kCompacted, {{"message", "m"}}}));
  for (const char* type :
       {"task_started", "task_complete", "agent_message", "user_message", "token_count", "error",
        "turn_aborted", "context_compacted", "agent_reasoning", "dynamic_tool_call_request"}) {
    EXPECT_FALSE(IsTransient(Msg({{"type", type}}))) << type;
  }
}

TEST(TurnEventTest, MsgAndItemNameTheirKinds) {
  const json payload = {{"type", "agent_message"}, {"message", "x"}};
  EXPECT_EQ(Msg(payload).kind, EventKind::kEventMsg);
  EXPECT_EQ(Msg(payload).payload, payload);
  EXPECT_EQ(Item(payload).kind, EventKind::kResponseItem);
  EXPECT_EQ(Item(payload).payload, payload);
}

TEST(OutputTextTest, JoinsTheOutputTextPartsOnly) {
  EXPECT_EQ(OutputText(json::parse(R"({"type": "message", "role": "assistant", "content": [
      {"type": "output_text", "text": "Hello, "},
      {"type": "input_text", "text": "ignored"},
      {"type": "refusal", "refusal": "no"},
      "not a part",
      {"type": "output_text", "text": "world."}]})")),
            "Hello, world.");
  EXPECT_EQ(OutputText(json::parse(R"({"type": "message", "content": []})")), "");
  EXPECT_EQ(OutputText(json::parse(R"({"type": "message"})")), "");
}

TEST(NewItemIdTest, FreshUuids) {
  const std::string a = NewItemId();
  const std::string b = NewItemId();
  EXPECT_NE(a, b);
  absl::StatusOr<ThreadId> parsed = ThreadId::Parse(a);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->ToString(), a);
  EXPECT_EQ(a.size(), 36u);
  EXPECT_EQ(a[14], '7');  // version 7
}

class TurnWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = ThreadStore::Open(dir_.Sub("store"));
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    threads_ = std::make_unique<session::ThreadService>(*store_, session::SettingsDefaults{});
  }

  ThreadId StartThread(bool extended) {
    session::StartRequest request;
    request.settings.cwd = dir_.path();
    request.settings.persist_extended = extended;
    request.originator = "test";
    auto opened = threads_->Start(request, kFollower, sink_);
    EXPECT_TRUE(opened.ok()) << opened.status();
    sink_.Clear();
    return opened.ok() ? opened->summary.id : ThreadId();
  }

  // The thread's stored rollout lines after its session_meta, as (kind, payload).
  std::vector<std::pair<EventKind, json>> Stored(const ThreadId& thread) {
    std::vector<std::pair<EventKind, json>> out;
    for (auto it = store_->log().ReadThread(thread); it->Valid(); it->Next()) {
      const EventView& e = it->event();
      if (!IsRolloutKind(e.kind) || e.kind == EventKind::kSessionMeta) continue;
      const json payload = json::parse(e.payload);
      // The stored type is the payload's own.
      EXPECT_EQ(e.type, payload.value("type", "")) << e.payload;
      out.emplace_back(e.kind, payload);
    }
    return out;
  }

  // One turn's events: stored and transient ones mixed, as the engine emits them.
  std::vector<TurnEvent> ATurnsEvents() {
    return {
        Msg({{"type", "task_started"}, {"turn_id", kTurn}, {"model_context_window", 1000}}),
        Msg({{"type", "item_started"}, {"item", AgentMessageItem()}}),
        Msg({{"type", "agent_message_content_delta"}, {"item_id", "msg-1"}, {"delta", "hi"}}),
        Msg({{"type", "agent_message"}, {"message", "hi"}, {"phase", nullptr}}),
        Item({{"type", "message"},
              {"role", "assistant"},
              {"content", {{{"type", "output_text"}, {"text", "hi"}}}}}),
        Msg({{"type", "item_completed"}, {"item", AgentMessageItem()}}),
        Msg({{"type", "item_completed"},
             {"thread_id", "t"},
             {"turn_id", kTurn},
             {"item", PlanItem("1. plan")}}),
        Msg({{"type", "plan_update"},
             {"explanation", nullptr},
             {"plan", {{{"step", "a"}, {"status", "pending"}}}}}),
        Msg({{"type", "stream_error"}, {"message", "retrying"}, {"error", {{"message", "x"}}}}),
    };
  }

  static constexpr ClientId kFollower = 4;
  static constexpr const char* kTurn = "turn-1";
  testing::ScratchDir dir_;
  std::unique_ptr<ThreadStore> store_;
  std::unique_ptr<session::ThreadService> threads_;
  RecordingSink sink_;
};

TEST_F(TurnWriterTest, EmitStoresTheStoredKindsAndTellsEveryEvent) {
  const ThreadId thread = StartThread(/*extended=*/false);
  TurnNotifier notifier(thread.ToString(), kTurn);
  TurnWriter writer(*threads_, sink_, notifier, thread);
  const std::vector<TurnEvent> events = ATurnsEvents();
  absl::Status s = writer.Emit(events, Durability::kBuffered,
                               {{"thread/status/changed", {{"status", {{"type", "active"}}}}}});
  ASSERT_TRUE(s.ok()) << s;

  std::vector<std::pair<EventKind, json>> want;
  for (const TurnEvent& e : events) {
    if (!IsTransient(e)) want.emplace_back(e.kind, e.payload);
  }
  ASSERT_EQ(want.size(), 4u);  // task_started, agent_message, the message, the plan item
  EXPECT_EQ(Stored(thread), want);

  // The prelude first, then what each event means, all to the thread's follower.
  EXPECT_EQ(sink_.Methods(),
            (std::vector<std::string>{"thread/status/changed", "turn/started", "item/started",
                                      "item/agentMessage/delta", "item/completed", "item/completed",
                                      "turn/plan/updated", "error"}));
  for (const Sent& sent : sink_.All()) EXPECT_EQ(sent.to, std::vector<ClientId>{kFollower});
  const std::vector<Sent> sent = sink_.All();
  EXPECT_EQ(sent[0].params, (json{{"status", {{"type", "active"}}}}));
  EXPECT_EQ(sent[5].params["item"],
            (json{{"type", "plan"}, {"id", "plan-1"}, {"text", "1. plan"}}));
  EXPECT_EQ(sent[5].params["threadId"], thread.ToString());
  EXPECT_EQ(sent[5].params["turnId"], kTurn);
}

TEST_F(TurnWriterTest, TheThreadsPersistenceModeDecidesWhatIsKept) {
  const std::vector<TurnEvent> events = {
      Msg({{"type", "error"}, {"message", "boom"}, {"codex_error_info", nullptr}}),
      Msg({{"type", "agent_message"}, {"message", "after"}, {"phase", nullptr}})};
  const ThreadId limited = StartThread(/*extended=*/false);
  const ThreadId extended = StartThread(/*extended=*/true);
  for (const ThreadId& thread : {limited, extended}) {
    TurnNotifier notifier(thread.ToString(), kTurn);
    TurnWriter writer(*threads_, sink_, notifier, thread);
    ASSERT_TRUE(writer.Emit(events, Durability::kSync).ok());
  }
  // Limited keeps no error events; Extended does. Both are told.
  EXPECT_EQ(Stored(limited),
            (std::vector<std::pair<EventKind, json>>{{events[1].kind, events[1].payload}}));
  EXPECT_EQ(Stored(extended),
            (std::vector<std::pair<EventKind, json>>{{events[0].kind, events[0].payload},
                                                     {events[1].kind, events[1].payload}}));
  EXPECT_EQ(sink_.Methods(), (std::vector<std::string>{"error", "error"}));
}

TEST_F(TurnWriterTest, EveryFollowerIsTold) {
  const ThreadId thread = StartThread(false);
  constexpr ClientId kOther = 8;
  ASSERT_TRUE(threads_->Resume(thread, {}, kOther, sink_).ok());
  sink_.Clear();
  TurnNotifier notifier(thread.ToString(), kTurn);
  TurnWriter writer(*threads_, sink_, notifier, thread);
  ASSERT_TRUE(
      writer.Emit({Msg({{"type", "task_started"}, {"turn_id", kTurn}})}, Durability::kBuffered)
          .ok());
  const std::vector<Sent> sent = sink_.All();
  ASSERT_EQ(sent.size(), 1u);
  std::vector<ClientId> to = sent[0].to;
  std::sort(to.begin(), to.end());
  EXPECT_EQ(to, (std::vector<ClientId>{kFollower, kOther}));
}

TEST_F(TurnWriterTest, AppendStoresAndTellsNothingTellTellsAndStoresNothing) {
  const ThreadId thread = StartThread(false);
  TurnNotifier notifier(thread.ToString(), kTurn);
  TurnWriter writer(*threads_, sink_, notifier, thread);
  const TurnEvent started = Msg({{"type", "task_started"}, {"turn_id", kTurn}});
  ASSERT_TRUE(
      writer.Append({started, Msg({{"type", "plan_delta"}, {"delta", "x"}})}, Durability::kBuffered)
          .ok());
  EXPECT_TRUE(sink_.All().empty());
  EXPECT_EQ(Stored(thread),
            (std::vector<std::pair<EventKind, json>>{{started.kind, started.payload}}));

  writer.Tell({Msg({{"type", "task_complete"}, {"turn_id", kTurn}})},
              {{"thread/status/changed", {{"status", {{"type", "idle"}}}}}});
  EXPECT_EQ(sink_.Methods(), (std::vector<std::string>{"thread/status/changed", "turn/completed"}));
  EXPECT_EQ(Stored(thread).size(), 1u);
}

TEST_F(TurnWriterTest, AnAppendThatFailsTellsNothing) {
  StartThread(false);
  const ThreadId unknown = ThreadId::NewV7();
  TurnNotifier notifier(unknown.ToString(), kTurn);
  TurnWriter writer(*threads_, sink_, notifier, unknown);
  absl::Status s = writer.Emit(ATurnsEvents(), Durability::kBuffered,
                               {{"thread/status/changed", {{"status", {{"type", "active"}}}}}});
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound) << s;
  EXPECT_TRUE(sink_.All().empty());
  EXPECT_EQ(writer.Append(ATurnsEvents(), Durability::kBuffered).code(),
            absl::StatusCode::kNotFound);
  EXPECT_TRUE(store_->log().ReadThread(unknown)->Valid() == false);
  absl::StatusOr<std::optional<ThreadSummary>> summary = store_->GetThread(unknown);
  ASSERT_TRUE(summary.ok());
  EXPECT_FALSE(summary->has_value());
}

TEST_F(TurnWriterTest, ABatchOfTransientEventsNeedsNoAppend) {
  const ThreadId thread = StartThread(false);
  TurnNotifier notifier(thread.ToString(), kTurn);
  TurnWriter writer(*threads_, sink_, notifier, thread);
  ASSERT_TRUE(
      writer
          .Emit({Msg({{"type", "agent_message_content_delta"}, {"item_id", "m"}, {"delta", "a"}})},
                Durability::kBuffered)
          .ok());
  EXPECT_TRUE(Stored(thread).empty());
  EXPECT_EQ(sink_.Methods(), std::vector<std::string>{"item/agentMessage/delta"});
}

}  // namespace
}  // namespace threadlog::agent
