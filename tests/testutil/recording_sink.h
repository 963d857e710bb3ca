// RecordingSink: a session::NotificationSink for tests that keeps every notification in order
// and lets a test wait for one.
#ifndef THREADLOG_TESTS_TESTUTIL_RECORDING_SINK_H_
#define THREADLOG_TESTS_TESTUTIL_RECORDING_SINK_H_

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "api/session/notification_sink.h"
#include "nlohmann/json.hpp"

namespace threadlog::testing {

struct Sent {
  std::vector<session::ClientId> to;
  std::string method;
  nlohmann::json params;
};

// Thread-safe.
class RecordingSink final : public session::NotificationSink {
 public:
  void Notify(std::span<const session::ClientId> clients, std::string_view method,
              const nlohmann::json& params) override {
    absl::MutexLock lock(&mu_);
    sent_.push_back({{clients.begin(), clients.end()}, std::string(method), params});
  }

  // Every notification so far, in order.
  std::vector<Sent> All() {
    absl::MutexLock lock(&mu_);
    return sent_;
  }
  // Those of `method`, in order.
  std::vector<Sent> Of(const std::string& method) {
    std::vector<Sent> out;
    for (Sent& s : All()) {
      if (s.method == method) out.push_back(std::move(s));
    }
    return out;
  }
  std::vector<std::string> Methods() {
    std::vector<std::string> out;
    for (const Sent& s : All()) out.push_back(s.method);
    return out;
  }
  void Clear() {
    absl::MutexLock lock(&mu_);
    sent_.clear();
  }

  // Waits up to 20 s for a notification `method` (about `turn`, when given: its turnId or
  // turn.id) and returns all sent so far.
  std::vector<Sent> WaitFor(const std::string& method, const std::string& turn = "") {
    auto seen = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      for (const Sent& s : sent_) {
        if (s.method != method) continue;
        if (turn.empty()) return true;
        const nlohmann::json id = s.params.contains("turn")
                                      ? s.params["turn"]["id"]
                                      : s.params.value("turnId", nlohmann::json());
        if (id == turn) return true;
      }
      return false;
    };
    absl::MutexLock lock(&mu_);
    mu_.AwaitWithTimeout(absl::Condition(&seen), absl::Seconds(20));
    return sent_;
  }

 private:
  absl::Mutex mu_;
  std::vector<Sent> sent_ ABSL_GUARDED_BY(mu_);
};

}  // namespace threadlog::testing

#endif  // THREADLOG_TESTS_TESTUTIL_RECORDING_SINK_H_
