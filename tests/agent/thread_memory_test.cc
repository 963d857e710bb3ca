// ThreadMemory and ThreadMemories on a real store: a first read of the whole rollout, later
// reads of what was appended since (items, rollbacks, compactions, turn contexts) that agree
// with a fresh read, a fork's inherited lines, the copy a caller gets, eviction of the least
// recently used thread, and a line that cannot be read.
#include "api/agent/thread_memory.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "api/session/thread_events.h"
#include "api/session/thread_service.h"
#include "gtest/gtest.h"
#include "tests/testutil/scratch_dir.h"

namespace threadlog::agent {
namespace {

using nlohmann::json;
using session::ClientId;

class NullSink final : public session::NotificationSink {
 public:
  void Notify(std::span<const ClientId>, std::string_view, const json&) override {}
};

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

NewEvent ItemEvent(const json& item) {
  NewEvent e;
  e.kind = EventKind::kResponseItem;
  e.type = item.value("type", "");
  e.payload = JsonText::Serialize(item);
  return e;
}
NewEvent TurnContextEvent(const std::string& turn_id, const std::string& model) {
  NewEvent e;
  e.kind = EventKind::kTurnContext;
  e.payload = JsonText::Serialize(json{{"turn_id", turn_id},
                                       {"cwd", "/tmp"},
                                       {"approval_policy", "never"},
                                       {"sandbox_policy", {{"type", "danger-full-access"}}},
                                       {"model", model},
                                       {"summary", "auto"}});
  return e;
}
NewEvent CompactedEvent(const std::string& summary, const std::vector<json>& replacement) {
  NewEvent e;
  e.kind = EventKind::kCompacted;
  e.payload = JsonText::Serialize(json{{"message", summary}, {"replacement_history", replacement}});
  return e;
}
NewEvent TokenCountEvent(int64_t total, int64_t last) {
  auto usage = [](int64_t n) {
    return json{{"input_tokens", n},
                {"cached_input_tokens", n / 2},
                {"output_tokens", 3},
                {"reasoning_output_tokens", 1},
                {"total_tokens", n + 3}};
  };
  return session::EventMsg({{"type", "token_count"},
                            {"info",
                             {{"total_token_usage", usage(total)},
                              {"last_token_usage", usage(last)},
                              {"model_context_window", 272000}}},
                            {"rate_limits", nullptr}});
}
NewEvent RolledBack(int turns) {
  return session::EventMsg({{"type", "thread_rolled_back"}, {"num_turns", turns}});
}

TokenUsage Usage(int64_t n) {
  TokenUsage u;
  u.input_tokens = n;
  u.cached_input_tokens = n / 2;
  u.output_tokens = 3;
  u.reasoning_output_tokens = 1;
  u.total_tokens = n + 3;
  return u;
}

// Every field but seq (which a fresh read may leave at an earlier lifecycle event) alike.
void ExpectSameContent(const ThreadMemory& got, const ThreadMemory& want) {
  EXPECT_EQ(got.history.items(), want.history.items());
  EXPECT_EQ(got.dynamic_tools, want.dynamic_tools);
  EXPECT_EQ(got.instructions, want.instructions);
  EXPECT_EQ(got.last_context, want.last_context);
  EXPECT_EQ(got.compacted_since_context, want.compacted_since_context);
  EXPECT_EQ(got.total, want.total);
  EXPECT_EQ(got.last, want.last);
}

class ThreadMemoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = ThreadStore::Open(dir_.Sub("store"));
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    threads_ = std::make_unique<session::ThreadService>(*store_, session::SettingsDefaults{});
  }

  ThreadId StartThread(json dynamic_tools = nullptr,
                       std::optional<std::string> base_instructions = std::nullopt) {
    session::StartRequest request;
    request.settings.cwd = dir_.path();
    request.settings.base_instructions = std::move(base_instructions);
    request.dynamic_tools = std::move(dynamic_tools);
    request.originator = "test";
    auto opened = threads_->Start(request, kClient, sink_);
    EXPECT_TRUE(opened.ok()) << opened.status();
    return opened.ok() ? opened->summary.id : ThreadId();
  }

  // Appends `events` through the thread-write service; returns the last seq.
  uint64_t Append(const ThreadId& thread, std::vector<NewEvent> events) {
    auto written = threads_->Write(
        thread,
        [&](const session::ThreadState&) -> absl::StatusOr<std::vector<NewEvent>> {
          return events;
        },
        Durability::kBuffered, kClient, sink_);
    EXPECT_TRUE(written.ok()) << written.status();
    return written.ok() ? written->result.last_seq : 0;
  }

  uint64_t LastSeq(const ThreadId& thread) {
    uint64_t last = 0;
    for (auto it = store_->log().ReadThread(thread); it->Valid(); it->Next()) {
      last = it->event().seq;
    }
    return last;
  }

  ThreadMemory Fresh(const ThreadId& thread) {
    ThreadMemory m;
    absl::Status s = m.CatchUp(*store_, thread);
    EXPECT_TRUE(s.ok()) << s;
    return m;
  }

  static constexpr ClientId kClient = 3;
  testing::ScratchDir dir_;
  std::unique_ptr<ThreadStore> store_;
  std::unique_ptr<session::ThreadService> threads_;
  NullSink sink_;
};

const json kTools = json::parse(R"([{"name": "get_weather", "description": "Weather.",
    "inputSchema": {"type": "object", "properties": {"city": {"type": "string"}}}}])");

TEST_F(ThreadMemoryTest, TheFirstRecallReadsTheWholeRollout) {
  const ThreadId thread = StartThread(kTools, "Be terse.");
  Append(thread, {TurnContextEvent("t1", "gpt-5.1-codex"), ItemEvent(UserMessage("one")),
                  ItemEvent(Assistant("one!")), TokenCountEvent(100, 40)});
  const uint64_t last =
      Append(thread, {TurnContextEvent("t2", "gpt-5.2"), ItemEvent(UserMessage("two")),
                      ItemEvent(Assistant("two!")), TokenCountEvent(250, 150)});

  ThreadMemories memories(4);
  absl::StatusOr<ThreadMemory> m = memories.Recall(*store_, thread);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->seq, last);
  EXPECT_EQ(m->history.items(), (std::vector<json>{UserMessage("one"), Assistant("one!"),
                                                   UserMessage("two"), Assistant("two!")}));
  // session_meta's tools, as thread/start stored them (deferLoading spelled out).
  json stored_tools = kTools;
  stored_tools[0]["deferLoading"] = false;
  EXPECT_EQ(m->dynamic_tools, stored_tools);
  EXPECT_EQ(m->instructions, "Be terse.");
  ASSERT_TRUE(m->last_context.is_object());
  EXPECT_EQ(m->last_context["turn_id"], "t2");
  EXPECT_EQ(m->last_context["model"], "gpt-5.2");
  EXPECT_FALSE(m->compacted_since_context);
  EXPECT_EQ(m->total, Usage(250));
  EXPECT_EQ(m->last, Usage(150));
}

TEST_F(ThreadMemoryTest, ANewThreadHasNoHistoryContextOrUsage) {
  const ThreadId thread = StartThread();
  ThreadMemories memories(4);
  absl::StatusOr<ThreadMemory> m = memories.Recall(*store_, thread);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->seq, LastSeq(thread));
  EXPECT_GT(m->seq, 0u);
  EXPECT_TRUE(m->history.items().empty());
  EXPECT_EQ(m->dynamic_tools, json::array());
  EXPECT_EQ(m->instructions, std::nullopt);
  EXPECT_TRUE(m->last_context.is_null());
  EXPECT_EQ(m->total, std::nullopt);
  EXPECT_EQ(m->last, std::nullopt);
}

TEST_F(ThreadMemoryTest, LaterRecallsPickUpWhatWasAppendedAndAgreeWithAFreshRead) {
  const ThreadId thread = StartThread(kTools);
  Append(thread, {TurnContextEvent("t1", "m1"), ItemEvent(UserMessage("one")),
                  ItemEvent(Assistant("one!")), TokenCountEvent(10, 10)});
  ThreadMemories memories(4);
  absl::StatusOr<ThreadMemory> first = memories.Recall(*store_, thread);
  ASSERT_TRUE(first.ok()) << first.status();
  uint64_t seq = first->seq;

  // Each step appends, then recalls: the memory must equal a read of the whole rollout, and its
  // seq move to the last event (a re-read of old lines would duplicate items).
  auto step = [&](std::vector<NewEvent> events) -> ThreadMemory {
    const uint64_t last = Append(thread, std::move(events));
    absl::StatusOr<ThreadMemory> m = memories.Recall(*store_, thread);
    EXPECT_TRUE(m.ok()) << m.status();
    if (!m.ok()) return {};
    EXPECT_EQ(m->seq, last);
    EXPECT_GT(m->seq, seq);
    seq = m->seq;
    ExpectSameContent(*m, Fresh(thread));
    return *m;
  };

  ThreadMemory m = step({TurnContextEvent("t2", "m2"), ItemEvent(UserMessage("two")),
                         ItemEvent(Assistant("two!")), TokenCountEvent(30, 20)});
  EXPECT_EQ(m.history.items(), (std::vector<json>{UserMessage("one"), Assistant("one!"),
                                                  UserMessage("two"), Assistant("two!")}));
  EXPECT_EQ(m.last_context["turn_id"], "t2");
  EXPECT_EQ(m.total, Usage(30));
  EXPECT_EQ(m.last, Usage(20));

  // A rollback drops the last turn.
  m = step({RolledBack(1)});
  EXPECT_EQ(m.history.items(), (std::vector<json>{UserMessage("one"), Assistant("one!")}));
  EXPECT_EQ(m.last_context["turn_id"], "t2");

  // Items after the rollback (read once: a second look at the rollback would drop "one").
  m = step({ItemEvent(UserMessage("three")), ItemEvent(Assistant("three!"))});
  EXPECT_EQ(m.history.items(), (std::vector<json>{UserMessage("one"), Assistant("one!"),
                                                  UserMessage("three"), Assistant("three!")}));

  // A compaction replaces the history and the context Codex gave it.
  m = step({CompactedEvent("sum", {UserMessage("one"), UserMessage("summary")})});
  EXPECT_EQ(m.history.items(), (std::vector<json>{UserMessage("one"), UserMessage("summary")}));
  EXPECT_TRUE(m.compacted_since_context);
  EXPECT_EQ(m.total, Usage(30));

  // A new turn_context: the context is given again.
  m = step({TurnContextEvent("t4", "m4"), ItemEvent(UserMessage("four")), TokenCountEvent(70, 40)});
  EXPECT_FALSE(m.compacted_since_context);
  EXPECT_EQ(m.last_context["turn_id"], "t4");
  EXPECT_EQ(m.last_context["model"], "m4");
  EXPECT_EQ(m.history.items(),
            (std::vector<json>{UserMessage("one"), UserMessage("summary"), UserMessage("four")}));
  EXPECT_EQ(m.total, Usage(70));
  EXPECT_EQ(m.last, Usage(40));

  // Nothing new: the same memory, the same seq.
  absl::StatusOr<ThreadMemory> again = memories.Recall(*store_, thread);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->seq, seq);
  ExpectSameContent(*again, m);
}

TEST_F(ThreadMemoryTest, CatchUpReadsOnlyWhatFollowsItsSeq) {
  const ThreadId thread = StartThread();
  Append(thread, {ItemEvent(UserMessage("one")), ItemEvent(Assistant("one!"))});
  ThreadMemory m;
  ASSERT_TRUE(m.CatchUp(*store_, thread).ok());
  const uint64_t before = m.seq;
  EXPECT_EQ(m.history.items().size(), 2u);
  // A second CatchUp with nothing new adds nothing.
  ASSERT_TRUE(m.CatchUp(*store_, thread).ok());
  EXPECT_EQ(m.seq, before);
  EXPECT_EQ(m.history.items().size(), 2u);
  const uint64_t last = Append(thread, {ItemEvent(UserMessage("two"))});
  ASSERT_TRUE(m.CatchUp(*store_, thread).ok());
  EXPECT_EQ(m.seq, last);
  EXPECT_EQ(m.history.items(),
            (std::vector<json>{UserMessage("one"), Assistant("one!"), UserMessage("two")}));
  // A memory whose seq says the items were read already does not read them again.
  ThreadMemory later;
  later.seq = last;
  ASSERT_TRUE(later.CatchUp(*store_, thread).ok());
  EXPECT_TRUE(later.history.items().empty());
  EXPECT_EQ(later.seq, last);
}

TEST_F(ThreadMemoryTest, TheRecalledMemoryIsACopyTheCallerMayChange) {
  const ThreadId thread = StartThread(kTools);
  Append(thread, {ItemEvent(UserMessage("one"))});
  ThreadMemories memories(4);
  absl::StatusOr<ThreadMemory> m = memories.Recall(*store_, thread);
  ASSERT_TRUE(m.ok()) << m.status();
  m->history.Append(Assistant("not stored"));
  m->dynamic_tools = json::array();
  m->instructions = "changed";
  m->last_context = {{"turn_id", "fake"}};
  m->seq += 100;
  absl::StatusOr<ThreadMemory> again = memories.Recall(*store_, thread);
  ASSERT_TRUE(again.ok()) << again.status();
  ExpectSameContent(*again, Fresh(thread));
  EXPECT_EQ(again->history.items(), (std::vector<json>{UserMessage("one")}));
  EXPECT_EQ(again->seq, LastSeq(thread));
}

TEST_F(ThreadMemoryTest, AForkInheritsItsParentsLinesUpToTheForkOnly) {
  const ThreadId parent = StartThread(kTools, "Parent's instructions.");
  Append(parent, {TurnContextEvent("p1", "m1"), ItemEvent(UserMessage("one")),
                  ItemEvent(Assistant("one!")), TokenCountEvent(50, 50)});
  absl::StatusOr<session::OpenedThread> forked =
      threads_->Fork(parent, {}, /*ephemeral=*/false, kClient, sink_);
  ASSERT_TRUE(forked.ok()) << forked.status();
  const ThreadId fork = forked->summary.id;
  // The parent goes on after the fork.
  Append(parent, {TurnContextEvent("p2", "m2"), ItemEvent(UserMessage("parent later")),
                  ItemEvent(Assistant("parent later!")), TokenCountEvent(90, 40)});

  ThreadMemories memories(4);
  absl::StatusOr<ThreadMemory> m = memories.Recall(*store_, fork);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->history.items(), (std::vector<json>{UserMessage("one"), Assistant("one!")}));
  json stored_tools = kTools;
  stored_tools[0]["deferLoading"] = false;
  EXPECT_EQ(m->dynamic_tools, stored_tools);
  EXPECT_EQ(m->instructions, "Parent's instructions.");
  EXPECT_EQ(m->last_context["turn_id"], "p1");
  EXPECT_EQ(m->total, Usage(50));
  // The fork's seq counts its own events, not its parent's.
  EXPECT_GT(m->seq, 0u);
  EXPECT_LE(m->seq, LastSeq(fork));

  // The parent's memory is its own.
  absl::StatusOr<ThreadMemory> p = memories.Recall(*store_, parent);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->history.items().size(), 4u);
  EXPECT_EQ(p->last_context["turn_id"], "p2");

  // The fork's own events join on the next recall; the parent's still do not.
  const uint64_t last = Append(fork, {TurnContextEvent("f2", "m3"), ItemEvent(UserMessage("fork")),
                                      ItemEvent(Assistant("fork!"))});
  Append(parent, {ItemEvent(UserMessage("parent even later"))});
  m = memories.Recall(*store_, fork);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->seq, last);
  EXPECT_EQ(m->history.items(), (std::vector<json>{UserMessage("one"), Assistant("one!"),
                                                   UserMessage("fork"), Assistant("fork!")}));
  EXPECT_EQ(m->last_context["turn_id"], "f2");
  EXPECT_EQ(m->total, Usage(50));
  ExpectSameContent(*m, Fresh(fork));
}

TEST_F(ThreadMemoryTest, AForkAfterARollbackInheritsTheRolledBackHistory) {
  const ThreadId parent = StartThread();
  Append(parent, {ItemEvent(UserMessage("one")), ItemEvent(Assistant("one!")),
                  ItemEvent(UserMessage("two")), ItemEvent(Assistant("two!")), RolledBack(1)});
  absl::StatusOr<session::OpenedThread> forked =
      threads_->Fork(parent, {}, /*ephemeral=*/false, kClient, sink_);
  ASSERT_TRUE(forked.ok()) << forked.status();
  ThreadMemories memories(4);
  absl::StatusOr<ThreadMemory> m = memories.Recall(*store_, forked->summary.id);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->history.items(), (std::vector<json>{UserMessage("one"), Assistant("one!")}));
}

// Threads of the same id in two stores, with different lines at the same seqs: a thread
// still remembered catches up from its seq and answers with the first store's lines; one that
// was evicted reads the second store afresh. (Recall is given the store it reads on each call,
// which makes the cache visible.)
class ThreadMemoriesEvictionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 0; i < 2; ++i) {
      auto store = ThreadStore::Open(dir_.Sub("store" + std::to_string(i)));
      ASSERT_TRUE(store.ok()) << store.status();
      stores_[i] = *std::move(store);
    }
    for (ThreadId& t : ids_) {
      t = ThreadId::NewV7();
      for (int i = 0; i < 2; ++i) {
        session::NewThreadMeta meta;
        meta.id = t;
        meta.created_ms = 1700000000000;
        meta.cwd = "/tmp";
        meta.originator = "test";
        meta.model_provider = "openai";
        const std::vector<NewEvent> events = {session::SessionMetaEvent(meta),
                                              ItemEvent(UserMessage(Text(t, i)))};
        auto appended = stores_[i]->Append(t, 0, events, Durability::kBuffered);
        ASSERT_TRUE(appended.ok()) << appended.status();
      }
    }
  }

  static std::string Text(const ThreadId& t, int store) {
    return t.ToString() + " in store " + std::to_string(store);
  }

  // Which store's line `thread` answers with when recalled on the second store.
  int AnswerOnSecondStore(ThreadMemories& memories, const ThreadId& thread) {
    absl::StatusOr<ThreadMemory> m = memories.Recall(*stores_[1], thread);
    EXPECT_TRUE(m.ok()) << m.status();
    if (!m.ok() || m->history.items().size() != 1) return -1;
    const json& item = m->history.items()[0];
    if (item == UserMessage(Text(thread, 0))) return 0;
    if (item == UserMessage(Text(thread, 1))) return 1;
    return -1;
  }

  testing::ScratchDir dir_;
  std::unique_ptr<ThreadStore> stores_[2];
  ThreadId ids_[3];
};

TEST_F(ThreadMemoriesEvictionTest, TheLeastRecentlyUsedThreadIsForgotten) {
  ThreadMemories memories(2);
  const auto& [a, b, c] = ids_;
  for (const ThreadId& t : {a, b}) ASSERT_TRUE(memories.Recall(*stores_[0], t).ok());
  // `a` used again: `b` is now the least recently used, and goes when `c` comes.
  ASSERT_TRUE(memories.Recall(*stores_[0], a).ok());
  ASSERT_TRUE(memories.Recall(*stores_[0], c).ok());
  EXPECT_EQ(AnswerOnSecondStore(memories, a), 0);  // remembered; now the most recent
  EXPECT_EQ(AnswerOnSecondStore(memories, c), 0);  // remembered
  EXPECT_EQ(AnswerOnSecondStore(memories, b), 1);  // forgotten: read afresh (evicts a)
  EXPECT_EQ(AnswerOnSecondStore(memories, c), 0);  // still remembered
  EXPECT_EQ(AnswerOnSecondStore(memories, a), 1);  // was evicted by b
}

TEST_F(ThreadMemoriesEvictionTest, ACapacityOfOneKeepsOnlyTheLastThread) {
  ThreadMemories memories(1);
  const ThreadId& a = ids_[0];
  const ThreadId& b = ids_[1];
  ASSERT_TRUE(memories.Recall(*stores_[0], a).ok());
  ASSERT_TRUE(memories.Recall(*stores_[0], b).ok());
  EXPECT_EQ(AnswerOnSecondStore(memories, b), 0);
  EXPECT_EQ(AnswerOnSecondStore(memories, a), 1);
}

TEST_F(ThreadMemoriesEvictionTest, TheByteBudgetForgetsTheLeastRecentlyUsedToo) {
  // Each history here is one user message line (~80 bytes): a budget a little over one line
  // keeps one thread, however many the capacity allows, and always the last recalled.
  ThreadMemories memories(8, /*byte_budget=*/100);
  const auto& [a, b, c] = ids_;
  ASSERT_TRUE(memories.Recall(*stores_[0], a).ok());
  ASSERT_TRUE(memories.Recall(*stores_[0], b).ok());
  EXPECT_EQ(AnswerOnSecondStore(memories, b), 0);  // remembered
  EXPECT_EQ(AnswerOnSecondStore(memories, a), 1);  // forgotten for b
  ThreadMemories roomy(8, /*byte_budget=*/size_t{1} << 20);
  for (const ThreadId& t : {a, b, c}) ASSERT_TRUE(roomy.Recall(*stores_[0], t).ok());
  for (const ThreadId& t : {a, b, c}) EXPECT_EQ(AnswerOnSecondStore(roomy, t), 0);
}

TEST_F(ThreadMemoryTest, EvictionDoesNotChangeAnswers) {
  ThreadMemories memories(2);
  std::vector<ThreadId> threads;
  for (int i = 0; i < 3; ++i) threads.push_back(StartThread());
  for (int round = 0; round < 4; ++round) {
    for (size_t i = 0; i < threads.size(); ++i) {
      const std::string text = "thread " + std::to_string(i) + " round " + std::to_string(round);
      const uint64_t last =
          Append(threads[i], {TurnContextEvent(text, "m"), ItemEvent(UserMessage(text)),
                              ItemEvent(Assistant(text + "!"))});
      absl::StatusOr<ThreadMemory> m = memories.Recall(*store_, threads[i]);
      ASSERT_TRUE(m.ok()) << m.status();
      EXPECT_EQ(m->seq, last);
      EXPECT_EQ(m->history.items().size(), 2u * (round + 1));
      EXPECT_EQ(m->last_context["turn_id"], text);
      ExpectSameContent(*m, Fresh(threads[i]));
    }
  }
}

TEST_F(ThreadMemoryTest, ALineThatIsNotJsonIsDataLossAndTheNextRecallStartsOver) {
  const ThreadId thread = StartThread();
  const ThreadId other = StartThread();
  Append(thread, {ItemEvent(UserMessage("one"))});
  Append(other, {ItemEvent(UserMessage("other"))});
  ThreadMemories memories(4);
  ASSERT_TRUE(memories.Recall(*store_, thread).ok());
  ASSERT_TRUE(memories.Recall(*store_, other).ok());

  // A response item nested deeper than any reader accepts: stored (it is JSON to a more
  // lenient parse), unreadable as a rollout line.
  std::string deep(200, '[');
  deep += std::string(200, ']');
  NewEvent bad;
  bad.kind = EventKind::kResponseItem;
  bad.type = "message";
  absl::StatusOr<JsonText> payload = JsonText::Parse(deep, 1000);
  ASSERT_TRUE(payload.ok()) << payload.status();
  bad.payload = *std::move(payload);
  Append(thread, {ItemEvent(Assistant("before")), bad, ItemEvent(UserMessage("after"))});

  absl::StatusOr<ThreadMemory> m = memories.Recall(*store_, thread);
  EXPECT_EQ(m.status().code(), absl::StatusCode::kDataLoss) << m.status();
  // The partly updated memory was dropped: the next recall reads the line again, and fails
  // again, rather than answering without it.
  m = memories.Recall(*store_, thread);
  EXPECT_EQ(m.status().code(), absl::StatusCode::kDataLoss) << m.status();
  ThreadMemory fresh;
  EXPECT_EQ(fresh.CatchUp(*store_, thread).code(), absl::StatusCode::kDataLoss);
  // Another thread is not affected.
  absl::StatusOr<ThreadMemory> o = memories.Recall(*store_, other);
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->history.items(), (std::vector<json>{UserMessage("other")}));
}

TEST_F(ThreadMemoryTest, AResponseItemThatIsNotAnObjectIsDataLoss) {
  const ThreadId thread = StartThread();
  NewEvent bad;
  bad.kind = EventKind::kResponseItem;
  absl::StatusOr<JsonText> payload = JsonText::Parse("[1, 2]");
  ASSERT_TRUE(payload.ok());
  bad.payload = *std::move(payload);
  Append(thread, {ItemEvent(UserMessage("one")), bad});
  ThreadMemories memories(4);
  EXPECT_EQ(memories.Recall(*store_, thread).status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(memories.Recall(*store_, thread).status().code(), absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace threadlog::agent
