// Crash test: a child appends and reports each acknowledged seq; the parent SIGKILLs it at
// random moments, reopens the store and checks nothing acknowledged was lost, seqs have no gaps
// and no event is torn. Once in sync mode with the WAL, once bulk loading (no WAL: only the
// kSync appends, which flush, are acknowledged; what survives must still be a gapless prefix
// that the position index agrees with).
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
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
                               uint64_t seed, bool bulk_load) {
  StoreOptions options;
  options.bulk_load = bulk_load;
  auto store = EventStore::Open(dir, options);
  if (!store.ok()) _exit(3);
  std::mt19937_64 rng(seed);
  auto last = (*store)->LastSeq(thread);
  if (!last.ok()) _exit(4);
  uint64_t seq = *last;
  for (uint64_t n = 1;; ++n) {
    std::vector<NewEvent> batch(1 + rng() % 8);
    for (size_t i = 0; i < batch.size(); ++i) {
      batch[i].type = "agent_message";
      batch[i].payload = *JsonText::Parse(PayloadFor(seq + 1 + i));
    }
    // Bulk loading: mostly buffered appends (lost on a crash unless flushed since), and now and
    // then a sync one, which flushes everything before it.
    const bool sync = !bulk_load || n % 40 == 0;
    auto r = (*store)->Append(thread, seq, batch, sync ? Durability::kSync : Durability::kBuffered);
    if (!r.ok()) _exit(5);
    seq = r->last_seq;
    uint64_t ack = seq;
    if (sync && write(ack_fd, &ack, sizeof ack) != sizeof ack) _exit(6);
  }
}

// The child is this test binary started afresh (fork + exec): a child that only forked would
// inherit RocksDB's process-wide background thread pool without its threads, and a flush it
// waits for would never run. It finds its work in the environment.
// DISABLED_: never run by itself, only as the crash tests' child.
TEST(CrashChild, DISABLED_Appends) {
  const char* spec = getenv("THREADLOG_CRASH_CHILD");
  if (spec == nullptr) GTEST_SKIP() << "runs only as the child of a crash test";
  char dir[4096], thread[64];
  int ack_fd = -1, bulk = 0;
  unsigned long long seed = 0;
  if (sscanf(spec, "%4095s %63s %d %llu %d", dir, thread, &ack_fd, &seed, &bulk) != 5) _exit(7);
  absl::StatusOr<ThreadId> id = ThreadId::Parse(thread);
  if (!id.ok()) _exit(8);
  ChildAppends(dir, *id, ack_fd, seed, bulk != 0);
}

void KillAndCheck(bool bulk_load) {
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
      const std::string spec = absl::StrCat(store_dir, " ", thread.ToString(), " ", fds[1], " ",
                                            seed + round, " ", bulk_load ? 1 : 0);
      setenv("THREADLOG_CRASH_CHILD", spec.c_str(), 1);
      const int null_fd = open("/dev/null", O_WRONLY);
      if (null_fd >= 0) dup2(null_fd, STDOUT_FILENO);  // gtest's banner is not the parent's
      execl("/proc/self/exe", "crash_child", "--gtest_also_run_disabled_tests",
            "--gtest_filter=CrashChild.DISABLED_Appends", nullptr);
      _exit(9);
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
    // The global position index holds exactly these events, in order.
    uint64_t seen = 0;
    auto all = (*store)->ReadAll();
    for (; all->Valid(); all->Next()) ASSERT_EQ(all->event().seq, ++seen) << "round " << round;
    ASSERT_TRUE(all->status().ok()) << all->status();
    ASSERT_EQ(seen, *last) << "round " << round << ": position index and events disagree";
    ASSERT_TRUE((*store)->Close().ok());
  }
  EXPECT_GT(max_acked, 20u) << "the child barely appended; the test proved little";
}

TEST(CrashTest, AcknowledgedEventsSurviveSigkill) { KillAndCheck(/*bulk_load=*/false); }

TEST(CrashTest, BulkLoadKeepsAConsistentPrefixAcrossSigkill) { KillAndCheck(/*bulk_load=*/true); }

}  // namespace
}  // namespace threadlog
