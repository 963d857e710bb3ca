// CancelToken: how one thread tells work running on another to stop at once (turn/interrupt
// closing the model stream, a backoff sleep cut short).
#ifndef THREADLOG_API_AGENT_CANCEL_TOKEN_H_
#define THREADLOG_API_AGENT_CANCEL_TOKEN_H_

#include <cstdint>
#include <functional>
#include <map>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace threadlog::agent {

// Thread-safe: every method may be called from any thread. Once cancelled, a token stays
// cancelled. The owner keeps it alive for as long as anything that was given it runs.
class CancelToken {
 public:
  CancelToken() = default;
  CancelToken(const CancelToken&) = delete;
  CancelToken& operator=(const CancelToken&) = delete;

  // Cancels: wakes every SleepFor and runs every registered callback once, on this thread,
  // before returning. Idempotent.
  void Cancel();
  bool cancelled() const;

  // Registers `on_cancel` to run when Cancel is called, or at once (on this thread) when the
  // token is already cancelled. The callback runs with the token's lock held: it must be short
  // and must not call into this token. Returns an id for Unregister.
  int64_t Register(std::function<void()> on_cancel);
  // Removes a callback. When it returns, the callback is not running and never will.
  void Unregister(int64_t id);

  // Sleeps for `duration` or until Cancel, whichever comes first. Returns false when cancelled.
  bool SleepFor(absl::Duration duration);

 private:
  mutable absl::Mutex mu_;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  int64_t next_id_ ABSL_GUARDED_BY(mu_) = 1;
  std::map<int64_t, std::function<void()>> callbacks_ ABSL_GUARDED_BY(mu_);
};

// Registers a callback for the lifetime of a scope; no-op for a null token.
class ScopedCancelCallback {
 public:
  ScopedCancelCallback(CancelToken* token, std::function<void()> on_cancel);
  ~ScopedCancelCallback();
  ScopedCancelCallback(const ScopedCancelCallback&) = delete;
  ScopedCancelCallback& operator=(const ScopedCancelCallback&) = delete;

 private:
  CancelToken* token_;
  int64_t id_ = 0;
};

}  // namespace threadlog::agent

#endif  // THREADLOG_API_AGENT_CANCEL_TOKEN_H_
