// CancelToken: callbacks, late registration, unregistering, the cancellable sleep.
#include "api/agent/cancel_token.h"

#include <atomic>
#include <thread>

#include "gtest/gtest.h"

namespace threadlog::agent {
namespace {

TEST(CancelTokenTest, RunsCallbacksOnceAndLateOnesAtOnce) {
  CancelToken token;
  int runs = 0;
  int64_t id = token.Register([&] { ++runs; });
  int64_t removed = token.Register([&] { runs += 100; });
  token.Unregister(removed);
  EXPECT_FALSE(token.cancelled());
  token.Cancel();
  token.Cancel();
  EXPECT_TRUE(token.cancelled());
  EXPECT_EQ(runs, 1);
  token.Register([&] { runs += 10; });  // already cancelled: runs now
  EXPECT_EQ(runs, 11);
  token.Unregister(id);  // harmless after the fact
}

TEST(CancelTokenTest, SleepEndsAtCancel) {
  CancelToken token;
  EXPECT_TRUE(token.SleepFor(absl::Milliseconds(5)));
  std::thread canceller([&] {
    absl::SleepFor(absl::Milliseconds(20));
    token.Cancel();
  });
  const absl::Time start = absl::Now();
  EXPECT_FALSE(token.SleepFor(absl::Seconds(30)));
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  canceller.join();
  EXPECT_FALSE(token.SleepFor(absl::Seconds(30)));  // cancelled stays cancelled
}

TEST(CancelTokenTest, ScopedCallbackIsGoneAfterItsScope) {
  CancelToken token;
  std::atomic<int> runs = 0;
  {
    ScopedCancelCallback scoped(&token, [&] { ++runs; });
  }
  {
    ScopedCancelCallback none(nullptr, [&] { ++runs; });
  }
  token.Cancel();
  EXPECT_EQ(runs, 0);
}

}  // namespace
}  // namespace threadlog::agent
