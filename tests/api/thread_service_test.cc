// The thread-write service on a real store: decisions re-run on a conflict (never a blind
// append), the persistence policy applied per mode, loaded threads and their followers, and
// the notifications and their order.
#include "api/session/thread_service.h"

#include <atomic>
#include <mutex>
#include <thread>

#include "api/session/thread_events.h"
#include "gtest/gtest.h"
#include "tests/testutil/scratch_dir.h"

namespace threadlog::session {
namespace {

using nlohmann::json;

struct Sent {
  std::vector<ClientId> to;
  std::string method;
  json params;
};

// Records what the service sends, in order.
class RecordingSink final : public NotificationSink {
 public:
  void Notify(std::span<const ClientId> clients, std::string_view method,
              const json& params) override {
    std::lock_guard lock(mu_);
    sent_.push_back({{clients.begin(), clients.end()}, std::string(method), params});
  }
  std::vector<Sent> Take() {
    std::lock_guard lock(mu_);
    return std::exchange(sent_, {});
  }

 private:
  std::mutex mu_;
  std::vector<Sent> sent_;
};

class ThreadServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = ThreadStore::Open(dir_.Sub("store"));
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    service_ = std::make_unique<ThreadService>(*store_, SettingsDefaults{});
  }

  ThreadId Start(ClientId caller, bool extended = false) {
    StartRequest request;
    request.settings.cwd = "/work";
    request.settings.persist_extended = extended;
    request.originator = "test-client";
    auto opened = service_->Start(request, caller, sink_);
    EXPECT_TRUE(opened.ok()) << opened.status();
    return opened->summary.id;
  }

  // Events of one kind (and event_msg type) stored for `thread`.
  int Count(const ThreadId& thread, EventKind kind, std::string_view type = {}) {
    int n = 0;
    for (auto it = store_->log().ReadThread(thread); it->Valid(); it->Next()) {
      if (it->event().kind == kind && (type.empty() || it->event().type == type)) ++n;
    }
    return n;
  }

  testing::ScratchDir dir_;
  std::unique_ptr<ThreadStore> store_;
  std::unique_ptr<ThreadService> service_;
  RecordingSink sink_;
};

TEST_F(ThreadServiceTest, StartStoresTheThreadAndTellsItsFollower) {
  const ThreadId id = Start(7);
  EXPECT_TRUE(service_->IsLoaded(id));
  EXPECT_EQ(service_->LoadedThreads(), std::vector<ThreadId>{id});
  std::vector<Sent> sent = sink_.Take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].method, "thread/started");
  EXPECT_EQ(sent[0].to, std::vector<ClientId>{7});
  EXPECT_EQ(sent[0].params["thread"]["id"], id.ToString());
  EXPECT_EQ(sent[0].params["thread"]["status"], json({{"type", "idle"}}));
  // session_meta records the client's name as the originator, as Codex does.
  auto it = store_->log().ReadThread(id);
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(json::parse(it->event().payload)["originator"], "test-client");
}

TEST_F(ThreadServiceTest, ConcurrentArchivesAppendOnce) {
  const ThreadId id = Start(1);
  sink_.Take();
  constexpr int kWriters = 8;
  std::atomic<int> ok{0}, refused{0};
  std::vector<std::thread> writers;
  for (int i = 0; i < kWriters; ++i) {
    writers.emplace_back([&, i] {
      RecordingSink own;
      absl::Status s = service_->Archive(id, 100 + i, own);
      (s.ok() ? ok : refused)++;
      if (!s.ok()) {
        EXPECT_EQ(s.code(), absl::StatusCode::kNotFound) << s;
      }
    });
  }
  for (std::thread& t : writers) t.join();
  EXPECT_EQ(ok.load(), 1);
  EXPECT_EQ(refused.load(), kWriters - 1);
  EXPECT_EQ(Count(id, EventKind::kThreadArchived), 1);
}

TEST_F(ThreadServiceTest, AConflictRerunsTheDecisionOnTheNewState) {
  const ThreadId id = Start(1);
  int decisions = 0;
  std::vector<uint64_t> seen_seqs;
  absl::StatusOr<Written> written = service_->Write(
      id,
      [&](const ThreadState& state) -> absl::StatusOr<std::vector<NewEvent>> {
        seen_seqs.push_back(state.last_seq);
        if (++decisions == 1) {
          // Another writer gets in between this decision and its append.
          std::vector<NewEvent> other = {
              LifecycleEvent(EventKind::kThreadRenamed, {{"name", "someone else"}})};
          EXPECT_TRUE(store_->Append(id, state.last_seq, other, Durability::kBuffered).ok());
        }
        return std::vector<NewEvent>{LifecycleEvent(EventKind::kThreadRenamed, {{"name", "mine"}})};
      },
      Durability::kSync, 1, sink_);
  ASSERT_TRUE(written.ok()) << written.status();
  EXPECT_EQ(decisions, 2);
  ASSERT_EQ(seen_seqs.size(), 2u);
  EXPECT_EQ(seen_seqs[1], seen_seqs[0] + 1);
  EXPECT_EQ(written->result.first_seq, seen_seqs[1] + 1);
  EXPECT_EQ(written->summary.name, "mine");  // the post-append state, without another read
}

TEST_F(ThreadServiceTest, TheThreadsPersistenceModeDecidesWhatIsStored) {
  const json command_end = {{"type", "exec_command_end"},
                            {"call_id", "c1"},
                            {"turn_id", "t1"},
                            {"command", {"ls"}},
                            {"cwd", "/work"},
                            {"parsed_cmd", json::array()},
                            {"stdout", "out"},
                            {"stderr", ""},
                            {"aggregated_output", std::string(20000, 'x')},
                            {"exit_code", 0},
                            {"duration", {{"secs", 0}, {"nanos", 1}}},
                            {"formatted_output", "out"}};
  auto write = [&](const ThreadId& id) {
    return service_->Write(
        id,
        [&](const ThreadState&) -> absl::StatusOr<std::vector<NewEvent>> {
          return std::vector<NewEvent>{EventMsg(command_end)};
        },
        Durability::kSync, 1, sink_);
  };
  const ThreadId limited = Start(1);
  absl::StatusOr<Written> dropped = write(limited);
  ASSERT_TRUE(dropped.ok()) << dropped.status();
  EXPECT_EQ(dropped->stored, 0u);
  EXPECT_EQ(Count(limited, EventKind::kEventMsg, "exec_command_end"), 0);

  const ThreadId extended = Start(1, /*extended=*/true);
  absl::StatusOr<Written> kept = write(extended);
  ASSERT_TRUE(kept.ok()) << kept.status();
  EXPECT_EQ(kept->stored, 1u);
  // Extended keeps the command, its output trimmed as Codex trims it.
  for (auto it = store_->log().ReadThread(extended); it->Valid(); it->Next()) {
    if (it->event().type != "exec_command_end") continue;
    json stored = json::parse(it->event().payload);
    EXPECT_LE(stored["aggregated_output"].get<std::string>().size(), 10'100u);
    EXPECT_EQ(stored["stdout"], "");
  }
  EXPECT_EQ(Count(extended, EventKind::kEventMsg, "exec_command_end"), 1);
}

TEST_F(ThreadServiceTest, ArchiveTellsFollowersNotLoadedThenEveryoneArchived) {
  const ThreadId id = Start(1);
  ASSERT_TRUE(service_->Resume(id, {}, 2, sink_).ok());
  sink_.Take();
  ASSERT_TRUE(service_->Archive(id, 3, sink_).ok());
  std::vector<Sent> sent = sink_.Take();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0].method, "thread/status/changed");
  EXPECT_EQ(sent[0].to, (std::vector<ClientId>{1, 2}));
  EXPECT_EQ(sent[0].params["status"], json({{"type", "notLoaded"}}));
  EXPECT_EQ(sent[1].method, "thread/archived");
  EXPECT_EQ(sent[1].to, (std::vector<ClientId>{1, 2, 3}));
  EXPECT_FALSE(service_->IsLoaded(id));
  // Archived: neither resumed nor archived again.
  EXPECT_EQ(service_->Resume(id, {}, 1, sink_).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(service_->Archive(id, 1, sink_).code(), absl::StatusCode::kNotFound);
  auto unarchived = service_->Unarchive(id, 4, sink_);
  ASSERT_TRUE(unarchived.ok()) << unarchived.status();
  EXPECT_FALSE(unarchived->archived);
  sent = sink_.Take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].method, "thread/unarchived");
  EXPECT_EQ(sent[0].to, std::vector<ClientId>{4});
}

TEST_F(ThreadServiceTest, ResumeLoadsAndTheLastFollowerUnloads) {
  const ThreadId id = Start(1);
  EXPECT_EQ(service_->Unsubscribe(id, 2, sink_), UnsubscribeOutcome::kNotSubscribed);
  EXPECT_EQ(service_->Unsubscribe(id, 1, sink_), UnsubscribeOutcome::kUnsubscribed);
  EXPECT_EQ(service_->Unsubscribe(id, 1, sink_), UnsubscribeOutcome::kNotLoaded);
  std::vector<Sent> sent = sink_.Take();
  ASSERT_EQ(sent.size(), 3u);  // thread/started, then the leaver's notLoaded and closed
  EXPECT_EQ(sent[1].method, "thread/status/changed");
  EXPECT_EQ(sent[2].method, "thread/closed");
  EXPECT_EQ(sent[2].to, std::vector<ClientId>{1});

  // Resuming an unloaded thread announces idle to its new follower; a second client's resume
  // of the loaded thread announces nothing.
  ASSERT_TRUE(service_->Resume(id, {}, 5, sink_).ok());
  ASSERT_TRUE(service_->Resume(id, {}, 6, sink_).ok());
  sent = sink_.Take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].method, "thread/status/changed");
  EXPECT_EQ(sent[0].params["status"], json({{"type", "idle"}}));
  EXPECT_EQ(sent[0].to, std::vector<ClientId>{5});
  // A client that disconnects stops following; the last one gone unloads silently.
  service_->ClientGone(5);
  EXPECT_TRUE(service_->IsLoaded(id));
  service_->ClientGone(6);
  EXPECT_FALSE(service_->IsLoaded(id));
  EXPECT_TRUE(sink_.Take().empty());
}

TEST_F(ThreadServiceTest, SettingsComeFromTheRequestElseTheDefaults) {
  SettingsDefaults defaults;
  defaults.model = "configured-model";
  defaults.approval_policy = "never";
  ThreadService service(*store_, defaults);
  StartRequest request;
  request.settings.cwd = "/w";
  request.settings.approvals_reviewer = "guardian_subagent";
  request.settings.sandbox_mode = "workspace-write";
  auto opened = service.Start(request, 1, sink_);
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(opened->settings.model, "configured-model");
  EXPECT_EQ(opened->settings.approval_policy, "never");
  EXPECT_EQ(opened->settings.approvals_reviewer, "guardian_subagent");
  EXPECT_EQ(opened->settings.sandbox_mode, "workspace-write");
  EXPECT_EQ(opened->settings.cwd, "/w");
  // The reviewer given at start is kept with the thread.
  bool recorded = false;
  for (auto it = store_->log().ReadThread(opened->summary.id); it->Valid(); it->Next()) {
    if (it->event().kind != EventKind::kThreadConfigured) continue;
    recorded =
        json::parse(it->event().payload).value("approvals_reviewer", "") == "guardian_subagent";
  }
  EXPECT_TRUE(recorded);
  // A thread already loaded keeps running with its own settings when resumed again.
  SettingsOverrides other;
  other.sandbox_mode = "read-only";
  auto resumed = service.Resume(opened->summary.id, other, 2, sink_);
  ASSERT_TRUE(resumed.ok()) << resumed.status();
  EXPECT_EQ(resumed->settings.sandbox_mode, "workspace-write");
}

TEST_F(ThreadServiceTest, ForkReadsTheParentUpToNowAndRollbackNeedsALoadedThread) {
  const ThreadId parent = Start(1);
  auto fork = service_->Fork(parent, {}, /*ephemeral=*/false, 2, sink_);
  ASSERT_TRUE(fork.ok()) << fork.status();
  EXPECT_EQ(fork->summary.forked_from, parent);
  EXPECT_EQ(Count(fork->summary.id, EventKind::kThreadForked), 1);
  EXPECT_EQ(service_->Fork(ThreadId::NewV7(), {}, false, 2, sink_).status().code(),
            absl::StatusCode::kNotFound);
  ASSERT_EQ(service_->Unsubscribe(parent, 1, sink_), UnsubscribeOutcome::kUnsubscribed);
  EXPECT_EQ(service_->Rollback(parent, 1, 1, sink_).status().code(), absl::StatusCode::kNotFound);
  auto rolled = service_->Rollback(fork->summary.id, 1, 2, sink_);
  ASSERT_TRUE(rolled.ok()) << rolled.status();
  EXPECT_EQ(Count(fork->summary.id, EventKind::kEventMsg, "thread_rolled_back"), 1);
}

TEST_F(ThreadServiceTest, AnEphemeralThreadLivesInMemoryWhileLoaded) {
  StartRequest request;
  request.settings.cwd = "/work";
  request.ephemeral = true;
  auto opened = service_->Start(request, 1, sink_);
  ASSERT_TRUE(opened.ok()) << opened.status();
  const ThreadId id = opened->summary.id;
  EXPECT_TRUE(service_->IsEphemeral(id));
  std::vector<Sent> sent = sink_.Take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].params["thread"]["ephemeral"], true);
  EXPECT_FALSE(*store_->GetThread(id));  // nothing in the store
  ASSERT_TRUE(service_->StoreOf(id).GetThread(id)->has_value());
  // Named in memory; neither archived nor forked (no rollout, as Codex answers).
  EXPECT_TRUE(service_->SetName(id, "scratch", 1, sink_).ok());
  EXPECT_EQ((*service_->StoreOf(id).GetThread(id))->name, "scratch");
  EXPECT_EQ(service_->Archive(id, 1, sink_).code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(service_->Fork(id, {}, false, 1, sink_).status().code(), absl::StatusCode::kNotFound);
  // Gone with its last follower.
  EXPECT_EQ(service_->Unsubscribe(id, 1, sink_), UnsubscribeOutcome::kUnsubscribed);
  EXPECT_FALSE(service_->IsEphemeral(id));
  EXPECT_EQ(service_->Resume(id, {}, 1, sink_).status().code(), absl::StatusCode::kNotFound);
  EXPECT_FALSE(*store_->GetThread(id));

  // An ephemeral fork of a stored thread copies its history into memory.
  const ThreadId parent = Start(3);
  ASSERT_TRUE(service_->SetName(parent, "parent", 3, sink_).ok());
  auto fork = service_->Fork(parent, {}, /*ephemeral=*/true, 3, sink_);
  ASSERT_TRUE(fork.ok()) << fork.status();
  EXPECT_TRUE(service_->IsEphemeral(fork->summary.id));
  EXPECT_EQ(fork->summary.forked_from, parent);
  EXPECT_FALSE(*store_->GetThread(fork->summary.id));
}

}  // namespace
}  // namespace threadlog::session
