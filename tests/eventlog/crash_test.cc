// Crash test: a child appends in sync mode and reports each acknowledged seq; the parent
// SIGKILLs it at random moments, reopens the store and checks nothing acknowledged was lost,
// seqs have no gaps and no event is torn.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <random>
#include <thread>

#include "absl/strings/str_cat.h"
#include "eventlog/event_store.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/testutil/scratch_dir.h"

namespace threadlog {
namespace {

// The payload of seq N is a function of N, so the parent can check every byte.
std::string PayloadFor(uint64_t seq) {
  return nlohmann::json{{"type", "agent_message"},
                        {"message", absl::StrCat("event ", seq, " ", std::string(seq % 300, 'x'))}}
      .dump();
}

[[noreturn]] void ChildAppends(const std::string& dir, const ThreadId& thread, int ack_fd,
                               uint64_t seed) {
  auto store = EventStore::Open(dir);
  if (!store.ok()) _exit(3);
  std::mt19937_64 rng(seed);
  auto last = (*store)->LastSeq(thread);
  if (!last.ok()) _exit(4);
  uint64_t seq = *last;
  while (true) {
    std::vector<NewEvent> batch(1 + rng() % 8);
    for (size_t i = 0; i < batch.size(); ++i) {
      batch[i].type = "agent_message";
      batch[i].payload = *JsonText::Parse(PayloadFor(seq + 1 + i));
    }
    auto r = (*store)->Append(thread, seq, batch, Durability::kSync);
    if (!r.ok()) _exit(5);
    seq = r->last_seq;
    uint64_t ack = seq;
    if (write(ack_fd, &ack, sizeof ack) != sizeof ack) _exit(6);
  }
}

TEST(CrashTest, AcknowledgedEventsSurviveSigkill) {
  testing::ScratchDir dir;
  const std::string store_dir = dir.Sub("store");
  const ThreadId thread = ThreadId::NewV7();
  uint64_t seed = std::random_device{}();
  SCOPED_TRACE(absl::StrCat("seed ", seed));
  std::mt19937_64 rng(seed);
  uint64_t max_acked = 0;
  for (int round = 0; round < 20; ++round) {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      close(fds[0]);
      ChildAppends(store_dir, thread, fds[1], seed + round);
    }
    close(fds[1]);
    std::this_thread::sleep_for(std::chrono::milliseconds(50 + rng() % 250));
    kill(child, SIGKILL);
    int status = 0;
    waitpid(child, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status)) << "child exited by itself with " << WEXITSTATUS(status);
    uint64_t ack;
    while (read(fds[0], &ack, sizeof ack) == sizeof ack) max_acked = std::max(max_acked, ack);
    close(fds[0]);

    auto store = EventStore::Open(store_dir);
    ASSERT_TRUE(store.ok()) << "round " << round << ": " << store.status();
    auto last = (*store)->LastSeq(thread);
    ASSERT_TRUE(last.ok());
    ASSERT_GE(*last, max_acked) << "round " << round << ": acknowledged events lost";
    uint64_t expected = 1;
    auto it = (*store)->ReadThread(thread);
    for (; it->Valid(); it->Next(), ++expected) {
      ASSERT_EQ(it->event().seq, expected) << "gap in round " << round;
      ASSERT_EQ(it->event().payload, PayloadFor(expected)) << "torn event in round " << round;
    }
    ASSERT_TRUE(it->status().ok()) << it->status();
    ASSERT_EQ(expected - 1, *last);
    ASSERT_TRUE((*store)->Close().ok());
  }
  EXPECT_GT(max_acked, 20u) << "the child barely appended; the test proved little";
}

}  // namespace
}  // namespace threadlog
