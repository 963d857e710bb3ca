// Reading config.toml: TOML to JSON, the checks Codex makes on the keys threadlog uses, the
// session defaults, and the config/read answer (Codex's key set overlaid with the layers).
#include "api/codex_config.h"

#include <openssl/sha.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <span>
#include <sstream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "api/session/serde_wording.h"
#include "toml++/toml.h"

namespace threadlog::api {

extern const char kCodexConfigKeysJson[];  // api/codex_config_keys.json, embedded by CMake

namespace {

using nlohmann::json;
namespace fs = std::filesystem;

constexpr char kInvalidSummary[] = "Invalid configuration; using defaults.";
// Providers Codex knows without a [model_providers] entry, and whether they need an OpenAI
// account (only openai does; the local ones do not).
constexpr std::pair<const char*, bool> kBuiltinProviders[] = {
    {"openai", true}, {"ollama", false}, {"lmstudio", false}};
constexpr const char* kApprovalPolicies[] = {"untrusted", "on-failure", "on-request", "granular",
                                             "never"};
constexpr const char* kSandboxModes[] = {"read-only", "workspace-write", "danger-full-access"};
constexpr const char* kApprovalsReviewers[] = {"user", "guardian_subagent"};
constexpr const char* kReasoningEfforts[] = {"none", "minimal", "low", "medium", "high", "xhigh"};

const json& ConfigKeys() {
  static const json* keys = new json(json::parse(kCodexConfigKeysJson));
  return *keys;
}

json TomlToJson(const toml::node& node) {
  if (const toml::table* table = node.as_table()) {
    json out = json::object();
    for (const auto& [key, value] : *table) out[std::string(key.str())] = TomlToJson(value);
    return out;
  }
  if (const toml::array* array = node.as_array()) {
    json out = json::array();
    for (const toml::node& value : *array) out.push_back(TomlToJson(value));
    return out;
  }
  if (const auto* s = node.as_string()) return s->get();
  if (const auto* i = node.as_integer()) return i->get();
  if (const auto* f = node.as_floating_point()) return f->get();
  if (const auto* b = node.as_boolean()) return b->get();
  // Dates and times: as TOML writes them.
  std::ostringstream text;
  if (const auto* d = node.as_date()) text << d->get();
  if (const auto* t = node.as_time()) text << t->get();
  if (const auto* dt = node.as_date_time()) text << dt->get();
  return text.str();
}

// One problem with a known key: what Codex says and where.
struct KeyProblem {
  std::string key;   // dotted, for config/read's "in `key`"
  std::string what;  // serde's message
  const toml::node* node;
};

std::string OneOf(std::span<const char* const> variants) {
  std::vector<std::string> quoted;
  for (const char* v : variants) quoted.push_back(absl::StrCat("`", v, "`"));
  return absl::StrJoin(quoted, ", ");
}

std::optional<KeyProblem> CheckString(const toml::table& table, const char* key,
                                      const std::string& dotted) {
  const toml::node* node = table.get(key);
  if (node == nullptr || node->is_string()) return std::nullopt;
  return KeyProblem{
      dotted,
      absl::StrCat("invalid type: ", session::SerdeUnexpectedToml(*node), ", expected a string"),
      node};
}

std::optional<KeyProblem> CheckEnum(const toml::table& table, const char* key,
                                    std::span<const char* const> variants) {
  const toml::node* node = table.get(key);
  if (node == nullptr) return std::nullopt;
  if (const auto* s = node->as_string()) {
    for (const char* v : variants) {
      if (s->get() == v) return std::nullopt;
    }
    return KeyProblem{
        key, absl::StrCat("unknown variant `", s->get(), "`, expected one of ", OneOf(variants)),
        node};
  }
  // approval_policy may also be {granular = {...}}.
  if (node->is_table() && std::string_view(key) == "approval_policy" &&
      node->as_table()->contains("granular")) {
    return std::nullopt;
  }
  return KeyProblem{key,
                    absl::StrCat("invalid type: ", session::SerdeUnexpectedToml(*node),
                                 ", expected one of ", OneOf(variants)),
                    node};
}

std::optional<KeyProblem> CheckBool(const toml::table& table, const char* key,
                                    const std::string& dotted) {
  const toml::node* node = table.get(key);
  if (node == nullptr || node->is_boolean()) return std::nullopt;
  return KeyProblem{
      dotted,
      absl::StrCat("invalid type: ", session::SerdeUnexpectedToml(*node), ", expected a boolean"),
      node};
}

// The checks Codex's typed config makes on the keys threadlog reads.
std::optional<KeyProblem> Validate(const toml::table& root) {
  for (const char* key : {"model", "model_provider", "review_model"}) {
    if (auto problem = CheckString(root, key, key)) return problem;
  }
  if (auto problem = CheckEnum(root, "approval_policy", kApprovalPolicies)) return problem;
  if (auto problem = CheckEnum(root, "sandbox_mode", kSandboxModes)) return problem;
  if (auto problem = CheckEnum(root, "approvals_reviewer", kApprovalsReviewers)) return problem;
  if (auto problem = CheckEnum(root, "model_reasoning_effort", kReasoningEfforts)) return problem;
  if (const toml::node* providers = root.get("model_providers")) {
    if (!providers->is_table()) {
      return KeyProblem{"model_providers",
                        absl::StrCat("invalid type: ", session::SerdeUnexpectedToml(*providers),
                                     ", expected a map"),
                        providers};
    }
    for (const auto& [id, provider] : *providers->as_table()) {
      const std::string dotted = absl::StrCat("model_providers.", std::string(id.str()));
      if (!provider.is_table()) {
        return KeyProblem{dotted,
                          absl::StrCat("invalid type: ", session::SerdeUnexpectedToml(provider),
                                       ", expected struct ModelProviderInfo"),
                          &provider};
      }
      if (auto problem = CheckBool(*provider.as_table(), "requires_openai_auth",
                                   dotted + ".requires_openai_auth")) {
        return problem;
      }
      // serde reports a missing field once the entry's present ones have been read.
      if (!provider.as_table()->contains("name")) {
        return KeyProblem{dotted, "missing field `name`", &provider};
      }
    }
  }
  if (const toml::table* skills = root["skills"].as_table()) {
    if (const toml::array* entries = (*skills)["config"].as_array()) {
      for (size_t i = 0; i < entries->size(); ++i) {
        const toml::table* entry = (*entries)[i].as_table();
        const std::string dotted = absl::StrCat("skills.config[", i, "]");
        if (entry == nullptr) continue;
        if (auto problem = CheckString(*entry, "path", dotted + ".path")) return problem;
        if (auto problem = CheckBool(*entry, "enabled", dotted + ".enabled")) return problem;
      }
    }
  }
  return std::nullopt;
}

ConfigWarning::Position PositionOf(const toml::source_position& p) {
  return {static_cast<int>(p.line), static_cast<int>(p.column)};
}

// toml++ regions end one past the last character; Codex's ranges end on it.
std::pair<ConfigWarning::Position, ConfigWarning::Position> RangeOf(
    const toml::source_region& region) {
  ConfigWarning::Position begin = PositionOf(region.begin);
  ConfigWarning::Position end = PositionOf(region.end);
  if (end.line == begin.line && end.column > begin.column) {
    --end.column;
  } else if (end.line != begin.line || end.column < begin.column) {
    end = begin;
  }
  return {begin, end};
}

absl::StatusOr<std::string> ReadFile(const std::string& path, bool* exists) {
  std::error_code ec;
  *exists = fs::exists(path, ec);
  if (!*exists) return std::string();
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::PermissionDeniedError(absl::StrCat(path, ": cannot be read"));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return absl::DataLossError(absl::StrCat(path, ": read failed"));
  return text.str();
}

// Every leaf of `layer` (a scalar or an array) by its dotted key.
void Leaves(const json& layer, const std::string& prefix, std::vector<std::string>* out) {
  for (const auto& [key, value] : layer.items()) {
    const std::string dotted = prefix.empty() ? key : absl::StrCat(prefix, ".", key);
    if (value.is_object() && !value.empty()) {
      Leaves(value, dotted, out);
    } else {
      out->push_back(dotted);
    }
  }
}

// `over` laid onto `base`, tables merged key by key, everything else replaced.
void Overlay(json& base, const json& over) {
  for (const auto& [key, value] : over.items()) {
    if (value.is_object() && base.contains(key) && base[key].is_object()) {
      Overlay(base[key], value);
    } else {
      base[key] = value;
    }
  }
}

// Each entry of the table `key` in `config` filled out with Codex's per-entry key set.
void FillEntries(json& config, const char* key, const json& entry_keys) {
  if (!config.contains(key) || !config[key].is_object()) return;
  for (auto& [name, entry] : config[key].items()) {
    if (!entry.is_object()) continue;
    json filled = entry_keys;
    Overlay(filled, entry);
    entry = std::move(filled);
  }
}

// Why a layer could not be used: the warning every client gets and config/read's error.
struct LayerProblem {
  ConfigWarning warning;
  absl::Status read_error;
  std::string key;  // the key at fault; empty when the file is not TOML
};

// Parses one layer's TOML and checks the keys threadlog uses; on success `*out` is the layer
// as JSON.
std::optional<LayerProblem> ParseLayer(const std::string& path, std::string_view text, json* out) {
  toml::table root;
  try {
    root = toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    const std::string where =
        absl::StrFormat("%s:%d:%d: %s", path, e.source().begin.line, e.source().begin.column,
                        std::string(e.description()));
    const ConfigWarning::Position at = PositionOf(e.source().begin);
    return LayerProblem{
        ConfigWarning{kInvalidSummary, where, path, std::make_pair(at, at)},
        absl::InternalError(absl::StrCat("failed to read configuration layers: ", where)), ""};
  }
  if (std::optional<KeyProblem> problem = Validate(root)) {
    const auto range = RangeOf(problem->node->source());
    return LayerProblem{ConfigWarning{kInvalidSummary,
                                      absl::StrFormat("%s:%d:%d: %s", path, range.first.line,
                                                      range.first.column, problem->what),
                                      path, range},
                        absl::InternalError(absl::StrCat("invalid configuration: ", problem->what,
                                                         "\nin `", problem->key, "`\n")),
                        problem->key};
  }
  *out = TomlToJson(root);
  return std::nullopt;
}

// The keys of a validated layer that set what threads run with.
void ApplySessionKeys(const json& layer, SessionDefaults* defaults) {
  if (layer.contains("model")) defaults->model = layer["model"];
  if (layer.contains("model_provider")) defaults->model_provider = layer["model_provider"];
  if (layer.contains("approval_policy")) defaults->approval_policy = layer["approval_policy"];
  if (layer.contains("sandbox_mode")) defaults->sandbox_mode = layer["sandbox_mode"];
  if (layer.contains("approvals_reviewer")) {
    defaults->approvals_reviewer = layer["approvals_reviewer"];
  }
  if (layer.contains("model_reasoning_effort")) {
    defaults->reasoning_effort = layer["model_reasoning_effort"].get<std::string>();
  }
}

// A request's `config` ({"model": "o3", "model_providers.foo.base_url": ...}) as one nested
// layer: dotted keys split into tables, nulls left out (TOML has none).
json NestOverrides(const json& overrides) {
  json layer = json::object();
  for (const auto& [key, value] : overrides.items()) {
    if (value.is_null()) continue;
    json nested = value;
    std::vector<std::string> parts = absl::StrSplit(key, '.');
    for (auto part = parts.rbegin(); part != parts.rend(); ++part) {
      nested = json{{*part, std::move(nested)}};
    }
    Overlay(layer, nested);
  }
  return layer;
}

// JSON as TOML, for the checks config.toml gets; nulls inside are left out.
std::unique_ptr<toml::node> JsonToToml(const json& value) {
  switch (value.type()) {
    case json::value_t::object: {
      auto table = std::make_unique<toml::table>();
      for (const auto& [key, item] : value.items()) {
        if (item.is_null()) continue;
        std::unique_ptr<toml::node> node = JsonToToml(item);
        table->insert_or_assign(key, std::move(*node));
      }
      return table;
    }
    case json::value_t::array: {
      auto array = std::make_unique<toml::array>();
      for (const json& item : value) {
        if (item.is_null()) continue;
        std::unique_ptr<toml::node> node = JsonToToml(item);
        array->push_back(std::move(*node));
      }
      return array;
    }
    case json::value_t::string:
      return std::make_unique<toml::value<std::string>>(value.get<std::string>());
    case json::value_t::boolean:
      return std::make_unique<toml::value<bool>>(value.get<bool>());
    case json::value_t::number_float:
      return std::make_unique<toml::value<double>>(value.get<double>());
    default:  // integers (a u64 beyond i64 wraps, as it could not be TOML anyway)
      return std::make_unique<toml::value<int64_t>>(value.get<int64_t>());
  }
}

}  // namespace

json ConfigWarning::ToJson() const {
  json out = {{"summary", summary}, {"details", details ? json(*details) : json(nullptr)}};
  if (path) out["path"] = *path;
  if (range) {
    out["range"] = {{"start", {{"line", range->first.line}, {"column", range->first.column}}},
                    {"end", {{"line", range->second.line}, {"column", range->second.column}}}};
  }
  return out;
}

std::string LayerVersion(const json& value) {
  const std::string text = value.dump();  // nlohmann objects are key-sorted; dump() is compact
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  std::string hex;
  for (unsigned char byte : digest) absl::StrAppendFormat(&hex, "%02x", byte);
  return absl::StrCat("sha256:", hex);
}

CodexConfig CodexConfig::Load(const Options& options) {
  CodexConfig config;
  config.path_ = (fs::path(options.codex_home) / "config.toml").string();
  config.system_path_ = options.system_config;
  bool exists = false;
  absl::StatusOr<std::string> system_text = ReadFile(options.system_config, &exists);
  if (exists && system_text.ok()) {
    // A broken system layer is reported like a broken user layer, and left out.
    if (std::optional<LayerProblem> problem =
            ParseLayer(options.system_config, *system_text, &config.system_layer_)) {
      config.warning_ = problem->warning;
      config.SetLoadError(problem->warning, problem->key);
    }
  }
  absl::StatusOr<std::string> text = ReadFile(config.path_, &exists);
  if (!text.ok()) {
    config.warning_ =
        ConfigWarning{kInvalidSummary, std::string(text.status().message()), config.path_, {}};
    config.read_error_ = absl::InternalError(
        absl::StrCat("failed to read configuration layers: ", text.status().message()));
    config.SetLoadError(*config.warning_, "");
    return config;
  }
  config.LoadUserLayer(*text);
  return config;
}

void CodexConfig::SetLoadError(const ConfigWarning& warning, std::string key) {
  load_error_ = absl::InvalidArgumentError(
      absl::StrCat("failed to load configuration: ", warning.details.value_or(warning.summary)));
  load_error_key_ = std::move(key);
}

absl::StatusOr<SessionDefaults> CodexConfig::ApplyRequestOverrides(const json& overrides,
                                                                   SessionDefaults base) const {
  const json layer = overrides.is_object() ? NestOverrides(overrides) : json::object();
  if (!load_error_.ok()) {
    // A request that sets the very key at fault loads; anything else fails as Codex fails.
    bool replaced = !load_error_key_.empty();
    const json* at = &layer;
    for (absl::string_view part : absl::StrSplit(load_error_key_, '.')) {
      if (!replaced) break;
      auto it = at->find(std::string(part));
      replaced = it != at->end();
      if (replaced) at = &*it;
    }
    if (!replaced) return load_error_;
  }
  if (layer.empty()) return base;
  std::unique_ptr<toml::node> table = JsonToToml(layer);
  if (std::optional<KeyProblem> problem = Validate(*table->as_table())) {
    return absl::InvalidArgumentError(absl::StrCat("failed to load configuration: ", problem->what,
                                                   "\nin `", problem->key, "`\n"));
  }
  ApplySessionKeys(layer, &base);
  if (layer.contains("model_provider")) {
    const bool defined_here =
        layer.contains("model_providers") && layer["model_providers"].contains(base.model_provider);
    bool built_in = false;
    for (const auto& [id, needs_account] : kBuiltinProviders) built_in |= base.model_provider == id;
    if (!defined_here && !built_in && !provider_auth_.contains(base.model_provider)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "failed to load configuration: Model provider `", base.model_provider, "` not found"));
    }
  }
  return base;
}

CodexConfig CodexConfig::FromText(std::string path, std::string_view text) {
  CodexConfig config;
  config.path_ = std::move(path);
  config.LoadUserLayer(text);
  return config;
}

void CodexConfig::LoadUserLayer(std::string_view text) {
  if (std::optional<LayerProblem> problem = ParseLayer(path_, text, &user_layer_)) {
    warning_ = problem->warning;
    read_error_ = problem->read_error;
    SetLoadError(problem->warning, problem->key);
    return;
  }

  json effective = system_layer_;
  Overlay(effective, user_layer_);
  SessionDefaults defaults;
  ApplySessionKeys(effective, &defaults);
  // The provider must be built in or defined; Codex otherwise runs on its defaults.
  const json providers = effective.value("model_providers", json::object());
  bool known = false;
  bool requires_openai_auth = false;
  for (const auto& [id, needs] : kBuiltinProviders) {
    if (defaults.model_provider == id) {
      known = true;
      requires_openai_auth = needs;
    }
  }
  if (providers.contains(defaults.model_provider)) {
    known = true;
    requires_openai_auth = providers[defaults.model_provider].value("requires_openai_auth", false);
  }
  for (const auto& [id, needs] : kBuiltinProviders) provider_auth_[id] = needs;
  for (const auto& [id, provider] : providers.items()) {
    provider_auth_[id] = provider.is_object() && provider.value("requires_openai_auth", false);
  }
  if (!known) {
    warning_ =
        ConfigWarning{kInvalidSummary,
                      absl::StrCat("Model provider `", defaults.model_provider, "` not found"),
                      {},
                      {}};
    SetLoadError(*warning_, "model_provider");
    return;  // defaults_ stays at Codex's built-ins
  }
  defaults_ = std::move(defaults);
  requires_openai_auth_ = requires_openai_auth;
  if (effective.contains("skills") && effective["skills"].contains("config") &&
      effective["skills"]["config"].is_array()) {
    for (const json& entry : effective["skills"]["config"]) {
      if (entry.is_object() && entry.contains("path") && entry.contains("enabled")) {
        skill_switches_[entry["path"].get<std::string>()] = entry["enabled"].get<bool>();
      }
    }
  }
}

bool CodexConfig::ProviderRequiresOpenaiAuth(const std::string& id) const {
  if (provider_auth_.empty()) {
    for (const auto& [builtin, needs] : kBuiltinProviders) {
      if (id == builtin) return needs;
    }
    return true;
  }
  auto it = provider_auth_.find(id);
  return it == provider_auth_.end() ? true : it->second;
}

std::optional<bool> CodexConfig::SkillEnabled(const std::string& skill_md_path) const {
  auto it = skill_switches_.find(skill_md_path);
  if (it == skill_switches_.end()) return std::nullopt;
  return it->second;
}

absl::StatusOr<json> CodexConfig::ReadResponse(bool include_layers) const {
  if (!read_error_.ok()) return read_error_;
  const json& keys = ConfigKeys();
  // Codex reports every key it knows (null when unset) and drops the ones it does not.
  json effective = system_layer_;
  Overlay(effective, user_layer_);
  json config = keys["top"];
  for (const auto& [key, value] : effective.items()) {
    if (!config.contains(key)) continue;
    if (value.is_object() && config[key].is_object()) {
      Overlay(config[key], value);
    } else {
      config[key] = value;
    }
  }
  FillEntries(config, "profiles", keys["profile"]);
  FillEntries(config, "model_providers", keys["model_provider"]);
  if (config["tools"].is_object()) {
    json tools = keys["tools"];
    Overlay(tools, config["tools"]);
    config["tools"] = std::move(tools);
  }

  const json user_name = {{"type", "user"}, {"file", path_}};
  const json system_name = {
      {"type", "system"}, {"file", system_path_.empty() ? "/etc/codex/config.toml" : system_path_}};
  const std::string user_version = LayerVersion(user_layer_);
  const std::string system_version = LayerVersion(system_layer_);
  json origins = json::object();
  std::vector<std::string> leaves;
  Leaves(system_layer_, "", &leaves);
  for (const std::string& key : leaves) {
    origins[key] = {{"name", system_name}, {"version", system_version}};
  }
  leaves.clear();
  Leaves(user_layer_, "", &leaves);
  for (const std::string& key : leaves) {
    origins[key] = {{"name", user_name}, {"version", user_version}};
  }
  json response = {{"config", std::move(config)}, {"origins", std::move(origins)}};
  if (include_layers) {
    // Highest precedence first, as Codex lists them.
    response["layers"] = json::array(
        {{{"name", user_name}, {"version", user_version}, {"config", user_layer_}},
         {{"name", system_name}, {"version", system_version}, {"config", system_layer_}}});
  }  // without includeLayers Codex leaves `layers` out
  return response;
}

}  // namespace threadlog::api
