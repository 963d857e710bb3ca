// ClientSession: the per-connection state negotiated by initialize.
#include "api/connection.h"

#include <utility>

namespace threadlog::api {

bool ClientSession::initialized() const {
  absl::MutexLock lock(&mu_);
  return initialized_;
}

bool ClientSession::experimental_api() const {
  absl::MutexLock lock(&mu_);
  return experimental_api_;
}

bool ClientSession::WantsNotification(std::string_view method) const {
  absl::MutexLock lock(&mu_);
  return opt_out_.find(method) == opt_out_.end();
}

std::string ClientSession::client_name() const {
  absl::MutexLock lock(&mu_);
  return client_name_;
}

std::string ClientSession::client_version() const {
  absl::MutexLock lock(&mu_);
  return client_version_;
}

bool ClientSession::Initialize(std::string client_name, bool experimental_api,
                               std::set<std::string, std::less<>> opt_out,
                               std::string client_version) {
  absl::MutexLock lock(&mu_);
  if (initialized_) return false;
  initialized_ = true;
  client_name_ = std::move(client_name);
  client_version_ = std::move(client_version);
  experimental_api_ = experimental_api;
  opt_out_ = std::move(opt_out);
  return true;
}

}  // namespace threadlog::api
