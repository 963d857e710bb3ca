// Tests for ThreadStore: index orderings and cursors, filters, names, turns, forks, rebuild,
// verify and the projection version check.
#include "projections/thread_store.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "eventlog/timestamp.h"
#include "gtest/gtest.h"
#include "projections/internal/list_row.h"
#include "projections/internal/store_keys.h"
#include "projections/thread_json.h"
#include "projections/turn_builder.h"
#include "rocksdb/db.h"
#include "tests/testutil/scratch_dir.h"

namespace threadlog {
namespace {

using Json = nlohmann::json;
using ::threadlog::testing::ScratchDir;

NewEvent Event(EventKind kind, std::string type, Json payload, int64_t ts) {
  NewEvent e;
  e.kind = kind;
  e.type = std::move(type);
  if (!e.type.empty()) payload["type"] = e.type;
  e.payload = JsonText::Serialize(payload);
  e.timestamp_ms = ts;
  return e;
}

NewEvent Meta(const ThreadId& id, int64_t ts, const std::string& provider = "openai",
              Json source = "cli", const std::string& cwd = "/work") {
  return Event(EventKind::kSessionMeta, "",
               {{"id", id.ToString()},
                {"timestamp", FormatTimestampMs(ts)},
                {"cwd", cwd},
                {"originator", "test"},
                {"cli_version", "0.113.0"},
                {"source", source},
                {"model_provider", provider}},
               ts);
}

// One whole turn: task_started, the user's message (model history and event), an answer.
std::vector<NewEvent> Turn(const std::string& turn_id, const std::string& text, int64_t ts) {
  return {
      Event(EventKind::kEventMsg, "task_started", {{"turn_id", turn_id}}, ts),
      Event(EventKind::kResponseItem, "message",
            {{"role", "user"}, {"content", {{{"type", "input_text"}, {"text", text}}}}}, ts),
      Event(EventKind::kEventMsg, "user_message",
            {{"message", text},
             {"images", Json::array()},
             {"local_images", Json::array()},
             {"text_elements", Json::array()}},
            ts),
      Event(EventKind::kEventMsg, "agent_message", {{"message", "answer to " + text}}, ts + 1),
      Event(EventKind::kEventMsg, "task_complete", {{"turn_id", turn_id}}, ts + 2),
  };
}

class ThreadStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }
  void Open() {
    store_.reset();
    auto s = ThreadStore::Open(dir_.Sub("store"));
    ASSERT_TRUE(s.ok()) << s.status();
    store_ = std::move(*s);
  }
  // Writes projection state behind the projections' back (a damaged or stale store).
  void Tamper(const std::function<void(StateWriter&)>& fill) {
    ASSERT_TRUE(store_->log().WriteState(fill).ok());
  }
  uint64_t Append(const ThreadId& id, std::vector<NewEvent> events) {
    uint64_t last = *store_->log().LastSeq(id);
    auto r = store_->Append(id, last, events, Durability::kBuffered);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? r->last_seq : 0;
  }
  // A thread created at `ts` with `turns` turns.
  ThreadId MakeThread(int64_t ts, int turns = 1, const std::string& provider = "openai",
                      Json source = "cli", const std::string& cwd = "/work") {
    ThreadId id = ThreadId::NewV7();
    std::vector<NewEvent> events = {Meta(id, ts, provider, source, cwd)};
    for (int t = 0; t < turns; ++t) {
      for (NewEvent& e :
           Turn(absl::StrCat(id.ToString(), "-t", t), absl::StrCat("msg ", t), ts + 10 * t)) {
        events.push_back(std::move(e));
      }
    }
    Append(id, std::move(events));
    return id;
  }
  // Pages through List, checking that ListJson (thread/list's path) gives the same page: the
  // same threads and cursor, each as the v2 Thread JSON of its summary (with thread/list's
  // preview) with status notLoaded at the span it names.
  std::vector<ThreadId> ListAll(ListQuery q) {
    std::vector<ThreadId> out;
    for (int pages = 0; pages < 1000; ++pages) {
      auto page = store_->List(q);
      EXPECT_TRUE(page.ok()) << page.status();
      if (!page.ok()) break;
      auto listed = store_->ListJson(q);
      EXPECT_TRUE(listed.ok()) << listed.status();
      if (!listed.ok()) break;
      EXPECT_EQ(listed->next_cursor, page->next_cursor);
      EXPECT_EQ(listed->threads.size(), page->threads.size());
      for (size_t i = 0; i < std::min(listed->threads.size(), page->threads.size()); ++i) {
        const ListedThread& row = listed->threads[i];
        EXPECT_EQ(row.id, page->threads[i].id);
        ThreadSummary listed = page->threads[i];
        listed.preview = listed.list_preview.value_or("");
        EXPECT_EQ(Json::parse(row.thread_json), ThreadToJson(listed));
        EXPECT_EQ(row.thread_json.substr(row.status_offset, row.status_size),
                  R"({"type":"notLoaded"})");
      }
      for (const ThreadSummary& s : page->threads) out.push_back(s.id);
      if (page->next_cursor.empty()) break;
      q.cursor = page->next_cursor;
    }
    return out;
  }

  ScratchDir dir_;
  std::unique_ptr<ThreadStore> store_;
};

TEST_F(ThreadStoreTest, ListsNewestFirstByCreatedOrUpdatedAndPagesWithoutGapsOrRepeats) {
  std::vector<ThreadId> by_creation;
  for (int i = 0; i < 23; ++i) by_creation.push_back(MakeThread(1'000'000 + 1000 * i));
  // The oldest thread gets a new turn: it becomes the most recently updated.
  Append(by_creation[0], Turn("late", "late message", 9'000'000));

  ListQuery q;
  q.limit = 5;
  std::vector<ThreadId> created = ListAll(q);
  ASSERT_EQ(created.size(), 23u);
  EXPECT_TRUE(std::equal(created.begin(), created.end(), by_creation.rbegin()));

  q.sort = SortKey::kUpdatedAt;
  std::vector<ThreadId> updated = ListAll(q);
  ASSERT_EQ(updated.size(), 23u);
  EXPECT_EQ(updated[0], by_creation[0]);
  EXPECT_EQ(updated[1], by_creation[22]);

  // A cursor stays valid while threads are added in front of it.
  ListQuery first;
  first.limit = 10;
  auto page1 = store_->List(first);
  ASSERT_TRUE(page1.ok());
  for (int i = 0; i < 3; ++i) MakeThread(5'000'000 + i);
  first.cursor = page1->next_cursor;
  first.limit = 100;
  auto page2 = store_->List(first);
  ASSERT_TRUE(page2.ok());
  std::set<ThreadId> seen;
  for (const auto& s : page1->threads) seen.insert(s.id);
  for (const auto& s : page2->threads) EXPECT_TRUE(seen.insert(s.id).second) << "repeated";
  EXPECT_EQ(seen.size(), 23u);

  ListQuery bad;
  bad.cursor = "not-a-cursor";
  EXPECT_EQ(store_->List(bad).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(ThreadStoreTest, EqualTimesListTheGreaterIdFirstAsCodexDoes) {
  std::vector<ThreadId> same_time;
  for (int i = 0; i < 5; ++i) same_time.push_back(MakeThread(7'000'000));
  std::sort(same_time.begin(), same_time.end(),
            [](const ThreadId& a, const ThreadId& b) { return a.bytes() > b.bytes(); });
  ListQuery q;
  q.limit = 2;  // pages break inside the tie
  EXPECT_EQ(ListAll(q), same_time);
  q.sort = SortKey::kUpdatedAt;
  EXPECT_EQ(ListAll(q), same_time);
}

TEST_F(ThreadStoreTest, ListPreviewIsTheFirstUserMessageEventAsCodexListsIt) {
  // Codex's (0.113.0 and 0.117.0) thread/read preview comes from the model history, its
  // thread/list preview from the first user_message event; a thread without such an event is
  // not listed.
  ThreadId a = ThreadId::NewV7();
  Append(a, {Meta(a, 1000),
             Event(EventKind::kResponseItem, "message",
                   {{"role", "user"}, {"content", {{{"type", "input_text"}, {"text", "raw"}}}}},
                   1001)});
  ListQuery q;
  q.require_user_message = true;
  EXPECT_TRUE(ListAll(q).empty());
  Append(a, {Event(EventKind::kEventMsg, "user_message",
                   {{"message", "context\n## My request for Codex:\n  do it  \n"}}, 1002),
             Event(EventKind::kEventMsg, "user_message", {{"message", "second"}}, 1003)});
  EXPECT_EQ(ListAll(q), std::vector<ThreadId>{a});
  const auto summary = *store_->GetThread(a);
  EXPECT_EQ(summary->preview, "raw");
  EXPECT_EQ(summary->list_preview, "do it");
  EXPECT_EQ(Json::parse(store_->ListJson(q)->threads.at(0).thread_json)["preview"], "do it");
  EXPECT_TRUE(store_->Verify().ok());
}

// thread/read's preview: the first user message of the model history that is not injected
// context, with 0.117.0's fragment rules (each row checked against the binary).
TEST_F(ThreadStoreTest, ReadPreviewSkipsContextAsCodex0117Does) {
  struct Case {
    std::vector<std::string> parts;
    bool contextual;
  };
  const Case kCases[] = {
      {{"<environment_context>x</environment_context>"}, true},
      {{"  <ENVIRONMENT_CONTEXT>x</environment_context>\n"}, true},
      {{"<environment_context>x"}, false},  // 0.113.0: contextual (opener alone)
      {{"<subagent_notification>{}</subagent_notification>"}, true},
      {{"<skill>x</skill>"}, true},
      {{"<turn_aborted>x</turn_aborted>"}, true},
      {{"<user_shell_command>x</user_shell_command>"}, true},
      {{"# AGENTS.md instructions for /x\n\n<INSTRUCTIONS>\nb\n</INSTRUCTIONS>"}, true},
      {{"# AGENTS.md instructions for /x"}, false},
      {{"<user_instructions>x</user_instructions>"}, false},  // 0.113.0: contextual
      {{"<context_update>x</context_update>"}, false},        // 0.113.0: contextual
      {{"<subagents>x</subagents>"}, false},
      {{"<hook_prompt hook_run_id=\"r\">h</hook_prompt>"}, true},
      {{"<hook_prompt hook_run_id=\" \">h</hook_prompt>"}, false},
      {{"<environment_context>x</environment_context>", "typed"}, true},  // any part counts
  };
  for (const Case& c : kCases) {
    ThreadId id = ThreadId::NewV7();
    Json content = Json::array();
    std::string joined;
    for (const std::string& part : c.parts) {
      content.push_back({{"type", "input_text"}, {"text", part}});
      joined += part;
    }
    Append(id, {Meta(id, 1000),
                Event(EventKind::kResponseItem, "message", {{"role", "user"}, {"content", content}},
                      1001),
                Event(EventKind::kResponseItem, "message",
                      {{"role", "user"}, {"content", {{{"type", "input_text"}, {"text", "next"}}}}},
                      1002)});
    EXPECT_EQ((*store_->GetThread(id))->preview, c.contextual ? "next" : joined) << joined;
  }
  // The texts around images are not part of the preview (0.117.0 writes them; v117_image).
  ThreadId img = ThreadId::NewV7();
  Append(img,
         {Meta(img, 1000),
          Event(EventKind::kResponseItem, "message",
                {{"role", "user"}, {"content", Json::parse(R"([{"type":"input_text","text":"look"},
                        {"type":"input_text","text":"<image>"},
                        {"type":"input_image","image_url":"data:"},
                        {"type":"input_text","text":"</image>"},
                        {"type":"input_text","text":"<image name=[Image #2]>"},
                        {"type":"input_image","image_url":"data:"},
                        {"type":"input_text","text":"</image>"}])")}},
                1001)});
  EXPECT_EQ((*store_->GetThread(img))->preview, "look");
  // Only beside an image: a lone marker is text (checked against the binary).
  ThreadId lone = ThreadId::NewV7();
  Append(lone, {Meta(lone, 1000),
                Event(EventKind::kResponseItem, "message",
                      {{"role", "user"},
                       {"content", Json::parse(R"([{"type":"input_text","text":"<image>"}])")}},
                      1001)});
  EXPECT_EQ((*store_->GetThread(lone))->preview, "<image>");
  EXPECT_TRUE(store_->Verify().ok());
}

TEST_F(ThreadStoreTest, FiltersByArchiveProviderSourceAndCwd) {
  ThreadId a = MakeThread(1000, 1, "openai", "cli", "/a");
  ThreadId b = MakeThread(2000, 1, "mock", "vscode", "/b");
  ThreadId c = MakeThread(3000, 1, "openai", Json{{"subagent", "review"}}, "/a");
  ThreadId bare = ThreadId::NewV7();
  Append(bare, {Meta(bare, 4000)});  // no user message yet
  Append(c, {Event(EventKind::kThreadArchived, "", Json::object(), 5000)});

  ListQuery q;
  EXPECT_EQ(ListAll(q), (std::vector<ThreadId>{bare, b, a}));
  q.require_user_message = true;
  EXPECT_EQ(ListAll(q), (std::vector<ThreadId>{b, a}));
  q.archived = true;
  EXPECT_EQ(ListAll(q), (std::vector<ThreadId>{c}));
  q.archived = false;
  q.model_providers = {"mock"};
  EXPECT_EQ(ListAll(q), (std::vector<ThreadId>{b}));
  q.model_providers = {};
  q.source_kinds = {"cli"};
  EXPECT_EQ(ListAll(q), (std::vector<ThreadId>{a}));
  q.source_kinds = {};
  q.cwd = "/b";
  EXPECT_EQ(ListAll(q), (std::vector<ThreadId>{b}));

  Append(c, {Event(EventKind::kThreadUnarchived, "", Json::object(), 6000)});
  ListQuery all;
  EXPECT_EQ(ListAll(all).size(), 4u);
  auto summary = store_->GetThread(c);
  ASSERT_TRUE(summary.ok() && summary->has_value());
  EXPECT_FALSE((*summary)->archived);
  EXPECT_EQ((*summary)->updated_at_ms, 3002) << "archiving is not an update of the rollout";
  EXPECT_EQ((*summary)->preview, "msg 0");
}

TEST_F(ThreadStoreTest, NewestNameWinsAndResolveFindsByIdPrefixOrName) {
  ThreadId a = MakeThread(1000);
  ThreadId b = MakeThread(2000);
  Append(a, {Event(EventKind::kThreadRenamed, "", {{"name", "shared"}}, 3000)});
  Append(b, {Event(EventKind::kEventMsg, "thread_name_updated",
                   {{"thread_id", b.ToString()}, {"thread_name", "shared"}}, 4000)});
  auto named = store_->FindByName("shared");
  ASSERT_TRUE(named.ok());
  EXPECT_EQ(*named, (std::vector<ThreadId>{b, a})) << "the most recent rename comes first";
  EXPECT_EQ(*store_->Resolve("shared"), b);

  Append(b, {Event(EventKind::kThreadRenamed, "", {{"name", "other"}}, 5000)});
  EXPECT_EQ(*store_->FindByName("shared"), (std::vector<ThreadId>{a}));
  EXPECT_EQ(*store_->Resolve("shared"), a);
  EXPECT_EQ((*store_->GetThread(b))->name, "other");

  EXPECT_EQ(*store_->Resolve(a.ToString()), a);
  EXPECT_EQ(*store_->Resolve(a.ToString().substr(0, 30)), a);
  EXPECT_EQ(store_->Resolve("nothing-like-it").status().code(), absl::StatusCode::kNotFound);
  // Both ids share their first 8 hex digits' worth of time only sometimes; a 4-digit prefix of
  // the common time part is ambiguous or unique, but never wrong.
  auto prefix = store_->Resolve(a.ToString().substr(0, 4));
  if (prefix.ok()) {
    EXPECT_TRUE(*prefix == a || *prefix == b);
  } else {
    EXPECT_EQ(prefix.status().code(), absl::StatusCode::kInvalidArgument);
  }
}

TEST_F(ThreadStoreTest, ReadTurnsMatchesTheFoldAndServesTheLastN) {
  ThreadId id = MakeThread(1000, 12);
  TurnBuilder fold;
  auto it = store_->log().ReadThread(id);
  for (; it->Valid(); it->Next()) {
    (void)fold.Apply(it->event().kind, it->event().type, it->event().payload);
  }
  auto all = store_->ReadTurns(id);
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_EQ(*all, fold.Turns());
  ASSERT_EQ(all->size(), 12u);
  auto last3 = store_->ReadTurns(id, 3);
  ASSERT_TRUE(last3.ok());
  ASSERT_EQ(last3->size(), 3u);
  EXPECT_EQ((*last3)[0], (*all)[9]);
  EXPECT_EQ((*store_->GetThread(id))->turns, 12u);
  EXPECT_EQ(store_->ReadTurns(ThreadId::NewV7()).status().code(), absl::StatusCode::kNotFound);

  // An open turn is served too, and a rollback drops turns.
  Append(id, {Event(EventKind::kEventMsg, "task_started", {{"turn_id", "open"}}, 9000)});
  EXPECT_EQ(store_->ReadTurns(id)->size(), 13u);
  EXPECT_EQ((*store_->ReadTurns(id, 1))[0]["status"], "inProgress");
  Append(id, {Event(EventKind::kEventMsg, "thread_rolled_back", {{"num_turns", 5}}, 9100)});
  EXPECT_EQ(store_->ReadTurns(id)->size(), 8u);
  EXPECT_TRUE(store_->Verify().ok());
}

TEST_F(ThreadStoreTest, ForkReadsThroughAndCopiesOnlyWhenTheParentRewritesHistory) {
  ThreadId parent = MakeThread(1000, 6);
  const Json parent_turns = *store_->ReadTurns(parent);
  ThreadId fork = ThreadId::NewV7();
  Json meta = Json::parse(Meta(fork, 2000).payload.str());
  meta["forked_from_id"] = parent.ToString();
  NewEvent fork_meta = Meta(fork, 2000);
  fork_meta.payload = JsonText::Serialize(meta);
  uint64_t parent_seq = *store_->log().LastSeq(parent);
  Append(fork,
         {fork_meta,
          Event(EventKind::kThreadForked, "",
                {{"parent_thread_id", parent.ToString()}, {"parent_seq", parent_seq}}, 2000)});
  EXPECT_EQ(*store_->ReadTurns(fork), parent_turns);
  auto summary = *store_->GetThread(fork);
  EXPECT_EQ(summary->forked_from, parent);
  EXPECT_EQ(summary->events, 2u) << "a fork stores its own events only";
  EXPECT_EQ(summary->preview, "msg 0");

  // The fork goes on; the parent rolls back three turns and goes on differently.
  Append(fork, Turn("fork-turn", "fork message", 3000));
  Append(parent, {Event(EventKind::kEventMsg, "thread_rolled_back", {{"num_turns", 3}}, 4000)});
  Append(parent, Turn("parent-turn", "parent message", 5000));
  Json fork_turns = *store_->ReadTurns(fork);
  ASSERT_EQ(fork_turns.size(), 7u);
  for (size_t i = 0; i < 6; ++i) EXPECT_EQ(fork_turns[i], parent_turns[i]) << i;
  EXPECT_EQ(store_->ReadTurns(parent)->size(), 4u);

  // Export view: the fork's rollout is the parent's lines up to the fork, then its own.
  size_t lines = 0, parent_lines = 0;
  auto rollout = store_->ReadRollout(fork);
  for (; rollout->Valid(); rollout->Next()) {
    ++lines;
    if (rollout->event().thread == parent) ++parent_lines;
  }
  ASSERT_TRUE(rollout->status().ok()) << rollout->status();
  EXPECT_EQ(parent_lines, parent_seq);
  EXPECT_EQ(lines, parent_seq + 1 + 5);
  EXPECT_TRUE(store_->Verify().ok()) << store_->Verify();

  // Forking at an older seq or from an unknown thread is refused, and nothing is written.
  ThreadId bad = ThreadId::NewV7();
  auto refused = store_->Append(
      bad, 0,
      std::vector<NewEvent>{
          Meta(bad, 6000),
          Event(EventKind::kThreadForked, "",
                {{"parent_thread_id", ThreadId::NewV7().ToString()}, {"parent_seq", 1}}, 6000)},
      Durability::kBuffered);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kNotFound) << refused.status();
  EXPECT_EQ(*store_->log().LastSeq(bad), 0u);
}

TEST_F(ThreadStoreTest, RemembersWhereTheNewestTurnContextIsAndForksInheritIt) {
  ThreadId id = MakeThread(1000, 1);
  EXPECT_EQ((*store_->GetThread(id))->last_turn_context_position, 0u);
  Append(id, {Event(EventKind::kTurnContext, "", {{"model", "first"}}, 2000)});
  Append(id, {Event(EventKind::kTurnContext, "", {{"model", "second"}}, 3000),
              Event(EventKind::kEventMsg, "token_count", {{"info", nullptr}}, 3001)});
  uint64_t position = (*store_->GetThread(id))->last_turn_context_position;
  auto it = store_->log().ReadAll(position);
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->event().kind, EventKind::kTurnContext);
  EXPECT_EQ(Json::parse(it->event().payload)["model"], "second");

  ThreadId fork = ThreadId::NewV7();
  Append(fork, {Meta(fork, 4000), Event(EventKind::kThreadForked, "",
                                        {{"parent_thread_id", id.ToString()},
                                         {"parent_seq", *store_->log().LastSeq(id)}},
                                        4000)});
  EXPECT_EQ((*store_->GetThread(fork))->last_turn_context_position, position);
  EXPECT_TRUE(store_->Verify().ok());
}

TEST_F(ThreadStoreTest, RebuildGivesTheSameProjectionsAndVerifyCatchesTampering) {
  ThreadId a = MakeThread(1000, 3);
  ThreadId b = MakeThread(2000, 2);
  Append(a, {Event(EventKind::kThreadRenamed, "", {{"name", "first"}}, 3000)});
  const Json turns_a = *store_->ReadTurns(a);
  const auto summary_b = *store_->GetThread(b);
  ASSERT_TRUE(store_->Verify().ok());

  ASSERT_TRUE(store_->Rebuild().ok());
  EXPECT_EQ(*store_->ReadTurns(a), turns_a);
  EXPECT_EQ((*store_->GetThread(b))->updated_at_ms, summary_b->updated_at_ms);
  EXPECT_EQ(*store_->Resolve("first"), a);
  EXPECT_TRUE(store_->Verify().ok());

  // Tamper with a stored turn behind the store's back: verify names the thread.
  Tamper([&](StateWriter& state) {
    state.Put(store_keys::kTurns, store_keys::TurnKey(b, 0),
              R"({"id":"x","items":[],"status":"completed","error":null})");
  });
  absl::Status verified = store_->Verify();
  EXPECT_EQ(verified.code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(verified.message().find(b.ToString()), std::string_view::npos) << verified;
}

TEST_F(ThreadStoreTest, ListingRowsFollowRenamesAndVerifyCatchesATamperedRow) {
  ThreadId a = MakeThread(1000, 2);
  Append(a, {Event(EventKind::kThreadRenamed, "", {{"name", "renamed"}}, 3000)});
  ListQuery q;
  auto listed = store_->ListJson(q);
  ASSERT_TRUE(listed.ok()) << listed.status();
  ASSERT_EQ(listed->threads.size(), 1u);
  EXPECT_EQ(Json::parse(listed->threads[0].thread_json)["name"], "renamed");
  ASSERT_TRUE(store_->Verify().ok());

  // A row that no longer matches its summary (here: an older rendering) is named by verify;
  // one that is not a row at all is a clear error for the listing, not a crash.
  const auto summary = *store_->GetThread(a);
  ThreadSummary stale = *summary;
  stale.name = "stale";
  const std::string key = store_keys::OrderKey('U', false, summary->updated_at_ms, a);
  Tamper([&](StateWriter& state) { state.Put(store_keys::kIndex, key, EncodeListRow(stale)); });
  absl::Status verified = store_->Verify();
  EXPECT_EQ(verified.code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(verified.message().find(a.ToString()), std::string_view::npos) << verified;
  EXPECT_NE(verified.message().find("listing row"), std::string_view::npos) << verified;

  Tamper([&](StateWriter& state) { state.Put(store_keys::kIndex, key, "garbage"); });
  q.sort = SortKey::kUpdatedAt;
  EXPECT_EQ(store_->ListJson(q).status().code(), absl::StatusCode::kDataLoss);
  ASSERT_TRUE(store_->Rebuild().ok());
  EXPECT_TRUE(store_->Verify().ok());
  EXPECT_EQ(Json::parse(store_->ListJson(q)->threads.at(0).thread_json)["name"], "renamed");
}

TEST_F(ThreadStoreTest, AnotherProjectionVersionIsRebuiltAtOpen) {
  ThreadId a = MakeThread(1000, 2);
  const Json turns = *store_->ReadTurns(a);
  Tamper([&](StateWriter& state) {
    state.Put(store_keys::kProjectionMeta, store_keys::kVersionKey, "0");
    state.Delete(store_keys::kIndex, store_keys::SummaryKey(a));
  });
  ASSERT_TRUE(store_->Close().ok());
  uint64_t progress_calls = 0;
  store_.reset();
  auto reopened = ThreadStore::Open(dir_.Sub("store"),
                                    {.progress = [&](uint64_t, uint64_t) { ++progress_calls; },
                                     .bulk_load = false,
                                     .in_memory = false});
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  store_ = std::move(*reopened);
  EXPECT_GT(progress_calls, 0u);
  ASSERT_TRUE(store_->GetThread(a)->has_value());
  EXPECT_EQ(*store_->ReadTurns(a), turns);
  EXPECT_TRUE(store_->Verify().ok());
}

TEST_F(ThreadStoreTest, ReadOnlyReadsRefusesWritesAndCannotRebuild) {
  ThreadId a = MakeThread(1000, 2);
  ThreadStoreOptions read_only;
  read_only.read_only = true;
  // Beside the open writer.
  auto reader = ThreadStore::Open(dir_.Sub("store"), read_only);
  ASSERT_TRUE(reader.ok()) << reader.status();
  EXPECT_EQ(*(*reader)->ReadTurns(a), *store_->ReadTurns(a));
  EXPECT_TRUE((*reader)->Verify().ok());
  EXPECT_EQ((*reader)->Rebuild().code(), absl::StatusCode::kFailedPrecondition);
  std::vector<NewEvent> more = {Event(EventKind::kThreadRenamed, "", {{"name", "x"}}, 2000)};
  EXPECT_EQ(
      (*reader)->Append(a, *store_->log().LastSeq(a), more, Durability::kBuffered).status().code(),
      absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE((*reader)->Close().ok());
  // Projections of another version cannot be rebuilt read-only: a clear error, not stale data.
  Tamper([&](StateWriter& state) {
    state.Put(store_keys::kProjectionMeta, store_keys::kVersionKey, "0");
  });
  ASSERT_TRUE(store_->Close().ok());
  store_.reset();
  auto stale = ThreadStore::Open(dir_.Sub("store"), read_only);
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(stale.status().message().find("threadlog rebuild"), std::string_view::npos)
      << stale.status();
}

TEST_F(ThreadStoreTest, RebuildsSwapGenerationsAndLeaveNothingBehind) {
  ThreadId a = MakeThread(1000, 3);
  const Json turns = *store_->ReadTurns(a);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(store_->Rebuild().ok());
  EXPECT_EQ(*store_->ReadTurns(a), turns);
  ASSERT_TRUE(store_->Close().ok());
  // Only the live generation of the three projection families is left.
  std::vector<std::string> families;
  ASSERT_TRUE(
      rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), dir_.Sub("store"), &families).ok());
  std::sort(families.begin(), families.end());
  EXPECT_EQ(families, (std::vector<std::string>{"default", "events", "meta", "positions",
                                                "projection_meta@3", "thread_index@3", "turns@3"}));
  Open();
  EXPECT_EQ(*store_->ReadTurns(a), turns);
  EXPECT_TRUE(store_->Verify().ok());
}

}  // namespace
}  // namespace threadlog
