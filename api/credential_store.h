// CredentialStore: how the server authenticates to OpenAI — an API key (kept on disk, mode
// 0600, in threadlog's home) or ChatGPT tokens a client hands over (kept in memory only).
#ifndef THREADLOG_API_CREDENTIAL_STORE_H_
#define THREADLOG_API_CREDENTIAL_STORE_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"

namespace threadlog::api {

// Thread-safe: every method may be called from any thread at any time; each one sees and
// changes the credentials atomically. Secrets never leave through anything but ApiKey() and
// ChatgptAccessToken(): no message, status or log line of this class contains one.
//
// Where the credentials come from at start (Open):
//   1. <threadlog_home>/auth.json, written by SetApiKey/Clear. When it exists it decides, even
//      when it holds no key, so that a logout through the API survives a restart.
//   2. else <codex_home>/auth.json in Codex's format ({"OPENAI_API_KEY": "sk-..."}), read only.
// Codex 0.117.0's app-server ignores OPENAI_API_KEY / CODEX_API_KEY in its environment for
// account/read; so does this class. ChatGPT tokens in a Codex auth.json are not used (threadlog
// cannot refresh them): Open notes that they were skipped.
class CredentialStore {
 public:
  enum class Kind { kNone, kApiKey, kChatgptTokens };

  // What may be shown about the credentials: never a secret.
  struct Snapshot {
    Kind kind = Kind::kNone;
    std::optional<std::string> email;  // kChatgptTokens: from the token's claims, if it has one
    std::string plan_type;             // kChatgptTokens: a PlanType ("unknown" when not known)
  };

  // Reads the credentials as above. Never fails: a file that cannot be read or parsed counts
  // as no credentials and is described in `notes` (one line each, for stderr; no secrets).
  // `threadlog_home` must exist to persist a key later; it need not exist now.
  static std::unique_ptr<CredentialStore> Open(std::string threadlog_home, std::string codex_home,
                                               std::vector<std::string>* notes);
  // No credentials, nothing persisted (tests, and serve without a home).
  static std::unique_ptr<CredentialStore> InMemory();

  // Makes `key` the credential and persists it: <threadlog_home>/auth.json written to a
  // temporary file created 0600, fsynced, renamed over the old one, directory fsynced. The key
  // is in effect only once that succeeded (else the previous credentials stay, and the error
  // names the file, not the key). kFailedPrecondition with Codex's text while ChatGPT tokens
  // are in effect; kInvalidArgument for an empty key.
  absl::Status SetApiKey(const std::string& key);

  // Makes the ChatGPT tokens the credential, in memory only (a restart forgets them; a stored
  // API key is left on disk). `access_token` must be a JWT whose payload is a JSON object:
  // kInternal "failed to set external auth: invalid ID token format" otherwise (Codex's text).
  // The plan is `plan_type` when it is a PlanType, "unknown" when it is another string, else
  // the token's chatgpt_plan_type claim, else "unknown".
  absl::Status SetChatgptTokens(const std::string& access_token, const std::string& account_id,
                                const std::optional<std::string>& plan_type);

  // Logout: forgets every credential and, when a home is set, records the logout in
  // <threadlog_home>/auth.json (so the Codex home's key is not picked up at the next start).
  // Errors only from that write; the credentials are forgotten in memory regardless.
  absl::Status Clear();

  Snapshot Current() const;
  // For the turn engine (Authorization: Bearer <key>).
  std::optional<std::string> ApiKey() const;
  std::optional<std::string> ChatgptAccessToken() const;
  std::optional<std::string> ChatgptAccountId() const;

  // <threadlog_home>/auth.json ("" for InMemory).
  const std::string& path() const { return path_; }

 private:
  explicit CredentialStore(std::string path) : path_(std::move(path)) {}
  absl::Status Persist(const std::optional<std::string>& key) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string path_;
  mutable absl::Mutex mu_;
  std::optional<std::string> api_key_ ABSL_GUARDED_BY(mu_);
  struct ChatgptTokens {
    std::string access_token;
    std::string account_id;
    std::optional<std::string> email;
    std::string plan_type;
  };
  std::optional<ChatgptTokens> chatgpt_ ABSL_GUARDED_BY(mu_);
};

}  // namespace threadlog::api

#endif  // THREADLOG_API_CREDENTIAL_STORE_H_
