// CodexConfig: the one reader of a Codex home's config.toml — the session defaults the thread
// methods use, the provider's auth needs, per-skill switches, and what config/read answers.
#ifndef THREADLOG_API_CODEX_CONFIG_H_
#define THREADLOG_API_CODEX_CONFIG_H_

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "api/session/thread_service.h"
#include "nlohmann/json.hpp"

namespace threadlog::api {

// A ConfigWarningNotification's params ({summary, details, path?, range?}).
struct ConfigWarning {
  struct Position {
    int line = 0;    // 1-based
    int column = 0;  // 1-based
  };
  std::string summary;
  std::optional<std::string> details;
  std::optional<std::string> path;
  std::optional<std::pair<Position, Position>> range;  // inclusive start and end

  nlohmann::json ToJson() const;
};

// What a thread started without explicit settings runs with: Codex's built-in defaults
// (gpt-5.3-codex, openai, on-request, read-only, approvals reviewed by the user) unless
// config.toml says otherwise. The thread-write service resolves a thread's settings with them.
using SessionDefaults = session::SettingsDefaults;

// An immutable snapshot of <codex_home>/config.toml, read once when the server starts (as Codex
// does). Thread-safe because it never changes after Load.
//
// Never fails: a missing file is an empty configuration; a file that cannot be read, is not
// TOML, or gives a known key a value of the wrong type leaves every default in force, and
// warning() describes the problem the way Codex 0.117.0 does (summary "Invalid configuration;
// using defaults.", details "<path>:<line>:<column>: <what>", the path and the value's range).
// The server keeps running either way.
class CodexConfig {
 public:
  struct Options {
    std::string codex_home;                                // holds config.toml
    std::string system_config = "/etc/codex/config.toml";  // Codex's system layer (usually absent)
  };

  static CodexConfig Load(const Options& options);
  // For tests: the user layer from `text` as if read from `path`; no system layer.
  static CodexConfig FromText(std::string path, std::string_view text);

  // <codex_home>/config.toml, whether or not it exists.
  const std::string& path() const { return path_; }
  // The problem that made Load fall back to the defaults, if any.
  const std::optional<ConfigWarning>& warning() const { return warning_; }
  const SessionDefaults& defaults() const { return defaults_; }
  // Whether the configured provider authenticates with an OpenAI account (the built-in openai
  // provider, or a [model_providers.X] with requires_openai_auth = true): account/read's
  // requiresOpenaiAuth, and whether it reports the account at all.
  bool requires_openai_auth() const { return requires_openai_auth_; }
  // The same for provider `id` (built in, or defined under [model_providers]); true for one
  // that is neither, as for the defaults.
  bool ProviderRequiresOpenaiAuth(const std::string& id) const;
  // config.toml's `[[skills.config]] path = ".../SKILL.md", enabled = false`: the switch for
  // the skill at `skill_md_path`, if one names it.
  std::optional<bool> SkillEnabled(const std::string& skill_md_path) const;

  // What thread/start, resume and fork run with: `base` with the request's `config` overrides
  // (null or {"model": "o3", "model_providers.foo.base_url": "..."}, dotted keys naming nested
  // tables) laid over it. As in Codex, these methods fail while config.toml is unusable:
  // kInvalidArgument "failed to load configuration: <path>:<line>:<column>: <what>" (or "...:
  // Model provider `x` not found"), unless the request sets the key at fault. The override keys
  // threadlog resolves (model, model_provider, approval_policy, sandbox_mode,
  // approvals_reviewer, model_reasoning_effort, model_providers) get config.toml's checks, a
  // problem being "failed to load configuration: <what>\nin `<key>`\n"; other keys are
  // accepted and have no effect.
  absl::StatusOr<SessionDefaults> ApplyRequestOverrides(const nlohmann::json& overrides,
                                                        SessionDefaults base) const;

  // The ConfigReadResponse (config, origins, and layers when `include_layers`), or the error
  // Codex answers while config.toml is broken: kInternal "failed to read configuration layers:
  // <path>:<line>:<column>: <what>" for a file that is not TOML, kInternal "invalid
  // configuration: <what>\nin `<key>`\n" for a mistyped value.
  absl::StatusOr<nlohmann::json> ReadResponse(bool include_layers) const;

 private:
  CodexConfig() = default;
  // Parses and validates one layer's text; on failure records warning_/read_error_.
  void LoadUserLayer(std::string_view text);
  // Records what the thread methods answer while the configuration is unusable.
  void SetLoadError(const ConfigWarning& warning, std::string key);

  std::string path_;
  std::string system_path_;
  nlohmann::json user_layer_ = nlohmann::json::object();    // the file as JSON, as written
  nlohmann::json system_layer_ = nlohmann::json::object();  // /etc/codex/config.toml, if any
  std::optional<ConfigWarning> warning_;
  absl::Status read_error_;     // what config/read answers instead of a config
  absl::Status load_error_;     // what thread/start, resume and fork answer instead of starting
  std::string load_error_key_;  // the dotted key at fault, if one is
  SessionDefaults defaults_;
  bool requires_openai_auth_ = true;
  std::map<std::string, bool> skill_switches_;
  std::map<std::string, bool> provider_auth_;  // every provider known, by id
};

// "sha256:<hex>" of `value` serialized compactly with sorted keys: how Codex versions a layer.
std::string LayerVersion(const nlohmann::json& value);

}  // namespace threadlog::api

#endif  // THREADLOG_API_CODEX_CONFIG_H_
