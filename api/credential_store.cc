// The credential holder: loading auth.json files, the 0600 atomic write, and reading a
// ChatGPT access token's claims (email, plan) without ever echoing a secret.
#include "api/credential_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "nlohmann/json.hpp"

namespace threadlog::api {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

constexpr const char* kPlanTypes[] = {"free",     "go",         "plus", "pro",    "team",
                                      "business", "enterprise", "edu",  "unknown"};

bool IsPlanType(const std::string& plan) {
  for (const char* p : kPlanTypes) {
    if (plan == p) return true;
  }
  return false;
}

// The parsed auth.json at `path`: nullopt when absent; a note (no secrets) when unusable.
std::optional<json> ReadAuthFile(const std::string& path, std::vector<std::string>* notes) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    notes->push_back(absl::StrCat(path, ": cannot be read; no credentials taken from it"));
    return std::nullopt;
  }
  std::ostringstream text;
  text << in.rdbuf();
  json parsed = json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_object()) {
    notes->push_back(absl::StrCat(path, ": not a JSON object; no credentials taken from it"));
    return std::nullopt;
  }
  return parsed;
}

std::optional<std::string> KeyIn(const json& auth) {
  auto it = auth.find("OPENAI_API_KEY");
  if (it == auth.end() || !it->is_string() || it->get<std::string>().empty()) return std::nullopt;
  return it->get<std::string>();
}

absl::Status ErrnoError(const std::string& what, const std::string& path) {
  return absl::InternalError(absl::StrCat(what, " ", path, ": ", std::strerror(errno)));
}

// The JSON payload of a JWT ("header.payload.signature", base64url), or nullopt.
std::optional<json> JwtClaims(const std::string& token) {
  std::vector<std::string> parts = absl::StrSplit(token, '.');
  if (parts.size() != 3 || parts[1].empty()) return std::nullopt;
  std::string payload;
  if (!absl::WebSafeBase64Unescape(parts[1], &payload)) return std::nullopt;
  json claims = json::parse(payload, nullptr, /*allow_exceptions=*/false);
  if (!claims.is_object()) return std::nullopt;
  return claims;
}

std::optional<std::string> StringClaim(const json& object, const char* key) {
  if (!object.is_object()) return std::nullopt;
  auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

}  // namespace

std::unique_ptr<CredentialStore> CredentialStore::Open(std::string threadlog_home,
                                                       std::string codex_home,
                                                       std::vector<std::string>* notes) {
  std::unique_ptr<CredentialStore> store(
      new CredentialStore((fs::path(threadlog_home) / "auth.json").string()));
  absl::MutexLock lock(&store->mu_);  // not shared yet; the lock keeps the rules uniform
  if (std::optional<json> own = ReadAuthFile(store->path_, notes)) {
    store->api_key_ = KeyIn(*own);
    return store;
  }
  if (codex_home.empty()) return store;
  const std::string codex_auth = (fs::path(codex_home) / "auth.json").string();
  if (std::optional<json> codex = ReadAuthFile(codex_auth, notes)) {
    store->api_key_ = KeyIn(*codex);
    if (!store->api_key_ && codex->contains("tokens") && !(*codex)["tokens"].is_null()) {
      notes->push_back(absl::StrCat(codex_auth,
                                    ": holds a ChatGPT sign-in, which threadlog does not use; "
                                    "sign in with an API key"));
    }
  }
  return store;
}

std::unique_ptr<CredentialStore> CredentialStore::InMemory() {
  return std::unique_ptr<CredentialStore>(new CredentialStore(""));
}

absl::Status CredentialStore::Persist(const std::optional<std::string>& key) {
  if (path_.empty()) return absl::OkStatus();
  const json content = {{"auth_mode", key ? json("apikey") : json(nullptr)},
                        {"OPENAI_API_KEY", key ? json(*key) : json(nullptr)}};
  const std::string text = content.dump(2) + "\n";
  const std::string temp = path_ + ".tmp";
  ::unlink(temp.c_str());  // a leftover from a crash; O_EXCL below must create it afresh
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return ErrnoError("cannot create", temp);
  // The mode is what was asked whatever the umask.
  if (::fchmod(fd, 0600) != 0) {
    absl::Status error = ErrnoError("cannot chmod", temp);
    ::close(fd);
    ::unlink(temp.c_str());
    return error;
  }
  size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      absl::Status error = ErrnoError("cannot write", temp);
      ::close(fd);
      ::unlink(temp.c_str());
      return error;
    }
    written += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    absl::Status error = ErrnoError("cannot sync", temp);
    ::unlink(temp.c_str());
    return error;
  }
  if (::rename(temp.c_str(), path_.c_str()) != 0) {
    absl::Status error = ErrnoError("cannot replace", path_);
    ::unlink(temp.c_str());
    return error;
  }
  const std::string dir = fs::path(path_).parent_path().string();
  const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
  return absl::OkStatus();
}

absl::Status CredentialStore::SetApiKey(const std::string& key) {
  if (key.empty()) return absl::InvalidArgumentError("apiKey must not be empty");
  absl::MutexLock lock(&mu_);
  if (chatgpt_) {
    return absl::FailedPreconditionError(
        "External auth is active. Use account/login/start (chatgptAuthTokens) to update it or "
        "account/logout to clear it.");
  }
  if (absl::Status persisted = Persist(key); !persisted.ok()) return persisted;
  api_key_ = key;
  return absl::OkStatus();
}

absl::Status CredentialStore::SetChatgptTokens(const std::string& access_token,
                                               const std::string& account_id,
                                               const std::optional<std::string>& plan_type) {
  std::optional<json> claims = JwtClaims(access_token);
  if (!claims) return absl::InternalError("failed to set external auth: invalid ID token format");
  ChatgptTokens tokens;
  tokens.access_token = access_token;
  tokens.account_id = account_id;
  tokens.email = StringClaim(*claims, "email");
  if (!tokens.email && claims->contains("https://api.openai.com/profile")) {
    tokens.email = StringClaim((*claims)["https://api.openai.com/profile"], "email");
  }
  std::optional<std::string> plan = plan_type;
  if (!plan && claims->contains("https://api.openai.com/auth")) {
    plan = StringClaim((*claims)["https://api.openai.com/auth"], "chatgpt_plan_type");
  }
  tokens.plan_type = plan && IsPlanType(*plan) ? *plan : "unknown";
  absl::MutexLock lock(&mu_);
  chatgpt_ = std::move(tokens);
  return absl::OkStatus();
}

absl::Status CredentialStore::Clear() {
  absl::MutexLock lock(&mu_);
  api_key_.reset();
  chatgpt_.reset();
  return Persist(std::nullopt);
}

CredentialStore::Snapshot CredentialStore::Current() const {
  absl::MutexLock lock(&mu_);
  Snapshot out;
  if (chatgpt_) {
    out.kind = Kind::kChatgptTokens;
    out.email = chatgpt_->email;
    out.plan_type = chatgpt_->plan_type;
  } else if (api_key_) {
    out.kind = Kind::kApiKey;
  }
  return out;
}

std::optional<std::string> CredentialStore::ApiKey() const {
  absl::MutexLock lock(&mu_);
  if (chatgpt_) return std::nullopt;
  return api_key_;
}

std::optional<std::string> CredentialStore::ChatgptAccessToken() const {
  absl::MutexLock lock(&mu_);
  if (!chatgpt_) return std::nullopt;
  return chatgpt_->access_token;
}

std::optional<std::string> CredentialStore::ChatgptAccountId() const {
  absl::MutexLock lock(&mu_);
  if (!chatgpt_) return std::nullopt;
  return chatgpt_->account_id;
}

}  // namespace threadlog::api
