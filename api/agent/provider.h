// Model providers as Codex 0.117.0 reads them: the built-in ones (openai, ollama, lmstudio), the
// [model_providers.ID] tables of config.toml with Codex's checks and error texts, the selected
// model and provider (a profile first), and what a provider puts on a request: the URL of
// POST /responses and its headers (Authorization, http_headers, env_http_headers).
#ifndef THREADLOG_API_AGENT_PROVIDER_H_
#define THREADLOG_API_AGENT_PROVIDER_H_

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "api/agent/http_types.h"

namespace threadlog::agent {

// Reads an environment variable; unset is nullopt. Tests substitute a map.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;
// getenv.
EnvLookup ProcessEnvironment();

// Codex's defaults and caps for a provider's retry settings.
inline constexpr int kDefaultRequestMaxRetries = 4;
inline constexpr int kDefaultStreamMaxRetries = 5;
inline constexpr int kMaxRetriesCap = 100;  // a larger configured value is lowered to this
inline constexpr absl::Duration kDefaultStreamIdleTimeout = absl::Milliseconds(300000);

// The one wire protocol Codex 0.117.0 speaks: the Responses API ("chat" was removed).
enum class WireApi { kResponses };

// One provider, its settings resolved (defaults and caps applied). A plain value.
struct ProviderSettings {
  std::string id;    // the key in model_providers (or a built-in's): "openai", "mock", ...
  std::string name;  // its display name
  // As configured. Unset: https://api.openai.com/v1, or https://chatgpt.com/backend-api/codex
  // when the account is signed in with ChatGPT (ResponsesUrl decides).
  std::optional<std::string> base_url;
  WireApi wire_api = WireApi::kResponses;
  std::optional<std::string> env_key;  // the variable holding the API key
  std::optional<std::string> env_key_instructions;
  std::optional<std::string> experimental_bearer_token;
  std::vector<std::pair<std::string, std::string>> query_params;      // sorted by name
  std::vector<std::pair<std::string, std::string>> http_headers;      // sorted by name
  std::vector<std::pair<std::string, std::string>> env_http_headers;  // header -> variable
  int request_max_retries = kDefaultRequestMaxRetries;  // HTTP attempts beyond the first
  int stream_max_retries = kDefaultStreamMaxRetries;    // announced retries of a whole stream
  absl::Duration stream_idle_timeout = kDefaultStreamIdleTimeout;  // between SSE events
  bool requires_openai_auth = false;
};

// The account's credentials (account/login), for providers without an env_key.
struct AccountCredentials {
  std::optional<std::string> api_key;
  std::optional<std::string> chatgpt_access_token;
  std::optional<std::string> chatgpt_account_id;

  bool chatgpt() const { return !api_key && chatgpt_access_token.has_value(); }
};

// The URL Codex posts a turn's request to: the base URL without its trailing '/', then
// "/responses", then "?name=value&..." when the provider has query_params (appended as text
// even when the base URL already has a query, as Codex does).
std::string ResponsesUrl(const ProviderSettings& provider, const AccountCredentials& account);

// The headers the provider contributes, in this order: Authorization: Bearer <key> (the
// env_key variable's value, else experimental_bearer_token, else the account's API key or
// ChatGPT token, else none at all: Codex then sends the request without one), ChatGPT-Account-ID
// with a ChatGPT token, then http_headers, then each env_http_headers header whose variable is
// set and not blank. The only error: env_key names a variable that is unset or blank,
// kFailedPrecondition with Codex's text "Missing environment variable: `NAME`." followed by
// " <env_key_instructions>" when the provider has them.
absl::StatusOr<std::vector<HttpHeader>> ProviderHeaders(const ProviderSettings& provider,
                                                        const AccountCredentials& account,
                                                        const EnvLookup& env);

// What config.toml selects, a profile's values first (`profile = "p"`, [profiles.p]).
struct ModelSelection {
  std::optional<std::string> model;
  std::string provider_id = "openai";
  std::optional<std::string> reasoning_effort;  // model_reasoning_effort
};

// Every provider a config.toml makes available: the built-ins and its [model_providers.*].
// Immutable once made; safe to share between threads.
class ProviderCatalog {
 public:
  // The built-ins alone: openai (base URL from OPENAI_BASE_URL if set; headers version,
  // OpenAI-Organization and OpenAI-Project from OPENAI_ORGANIZATION / OPENAI_PROJECT),
  // ollama and lmstudio (http://localhost:11434/v1 and :1234/v1, or CODEX_OSS_BASE_URL, or
  // CODEX_OSS_PORT). `openai_base_url` (config.toml's key of that name) overrides openai's.
  static ProviderCatalog BuiltIn(const EnvLookup& env,
                                 std::optional<std::string> openai_base_url = std::nullopt);

  // The built-ins plus the providers of config.toml's text (`config_path` names it in errors),
  // checked as Codex checks them at load (kInvalidArgument, "<config_path>:<line>:<column>: <what>"
  // as Codex words it): reserved ids ("model_providers contains reserved built-in provider IDs:
  // `openai`. ..."), wire_api "chat" ("`wire_api = \"chat\"` is no longer supported.\nHow to fix:
  // ..."), another wire_api ("unknown variant `x`, expected `responses`"), and values of the wrong
  // type (serde's "invalid type: ..., expected ..."). The selected provider must exist: kNotFound
  // "Model provider `ID` not found" (Codex refuses thread/start with "failed to load
  // configuration: " before either text).
  // A text that is not TOML: kInvalidArgument "<config_path>:<line>:<column>: <what>"; a
  // `profile` without its [profiles.NAME]: kNotFound "config profile `NAME` not found".
  static absl::StatusOr<ProviderCatalog> FromConfig(std::string_view config_text,
                                                    std::string_view config_path,
                                                    const EnvLookup& env);

  // Reads and checks <codex_home>/config.toml as FromConfig does (a missing file: the
  // built-ins, openai selected; one that cannot be read: kPermissionDenied naming it).
  static absl::StatusOr<ProviderCatalog> Load(const std::string& codex_home, const EnvLookup& env);

  // The provider `id`, or kNotFound "Model provider `ID` not found".
  absl::StatusOr<ProviderSettings> Find(std::string_view id) const;
  const ModelSelection& selection() const { return selection_; }

 private:
  std::map<std::string, ProviderSettings, std::less<>> providers_;
  ModelSelection selection_;
};

}  // namespace threadlog::agent

#endif  // THREADLOG_API_AGENT_PROVIDER_H_
