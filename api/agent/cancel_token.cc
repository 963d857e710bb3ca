// CancelToken: the flag, the callbacks run at cancellation, the cancellable sleep.
#include "api/agent/cancel_token.h"

#include <utility>

namespace threadlog::agent {

void CancelToken::Cancel() {
  absl::MutexLock lock(&mu_);
  if (cancelled_) return;
  cancelled_ = true;
  for (auto& [id, callback] : callbacks_) callback();
  callbacks_.clear();
}

bool CancelToken::cancelled() const {
  absl::MutexLock lock(&mu_);
  return cancelled_;
}

int64_t CancelToken::Register(std::function<void()> on_cancel) {
  absl::MutexLock lock(&mu_);
  int64_t id = next_id_++;
  if (cancelled_) {
    on_cancel();
  } else {
    callbacks_.emplace(id, std::move(on_cancel));
  }
  return id;
}

void CancelToken::Unregister(int64_t id) {
  absl::MutexLock lock(&mu_);
  callbacks_.erase(id);
}

bool CancelToken::SleepFor(absl::Duration duration) {
  absl::MutexLock lock(&mu_);
  const absl::Time deadline = absl::Now() + duration;
  mu_.AwaitWithDeadline(absl::Condition(&cancelled_), deadline);
  return !cancelled_;
}

ScopedCancelCallback::ScopedCancelCallback(CancelToken* token, std::function<void()> on_cancel)
    : token_(token) {
  if (token_ != nullptr) id_ = token_->Register(std::move(on_cancel));
}

ScopedCancelCallback::~ScopedCancelCallback() {
  if (token_ != nullptr) token_->Unregister(id_);
}

}  // namespace threadlog::agent
