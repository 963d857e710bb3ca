// Model providers: the built-ins, config.toml's [model_providers.*] with Codex's checks, the
// selected model, and the URL and headers a provider puts on a request.
#include "api/agent/provider.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "api/session/serde_wording.h"
#include "eventlog/absl_compat.h"
#include "toml++/toml.h"

namespace threadlog::agent {

namespace {

constexpr char kOpenaiBaseUrl[] = "https://api.openai.com/v1";
constexpr char kChatgptBaseUrl[] = "https://chatgpt.com/backend-api/codex";
constexpr const char* kReservedIds[] = {"lmstudio", "ollama", "openai"};
constexpr char kChatRemoved[] =
    "`wire_api = \"chat\"` is no longer supported.\nHow to fix: set `wire_api = \"responses\"` "
    "in your provider config.\nMore info: https://github.com/openai/codex/discussions/7782";
// The release whose `version` header the built-in openai provider sends.
constexpr char kCodexVersion[] = "0.117.0";

bool Blank(const std::optional<std::string>& value) {
  return !value || absl::StripAsciiWhitespace(*value).empty();
}

ProviderSettings OpenaiProvider(const EnvLookup& env, std::optional<std::string> base_url) {
  ProviderSettings p;
  p.id = "openai";
  p.name = "OpenAI";
  if (base_url) {
    p.base_url = std::move(base_url);
  } else if (std::optional<std::string> from_env = env("OPENAI_BASE_URL"); !Blank(from_env)) {
    p.base_url = from_env;
  }
  p.http_headers = {{"version", kCodexVersion}};
  p.env_http_headers = {{"OpenAI-Organization", "OPENAI_ORGANIZATION"},
                        {"OpenAI-Project", "OPENAI_PROJECT"}};
  p.requires_openai_auth = true;
  return p;
}

ProviderSettings LocalProvider(const EnvLookup& env, std::string id, int default_port) {
  ProviderSettings p;
  p.id = std::move(id);
  p.name = "gpt-oss";
  if (std::optional<std::string> url = env("CODEX_OSS_BASE_URL"); !Blank(url)) {
    p.base_url = url;
  } else {
    int port = default_port;
    if (std::optional<std::string> text = env("CODEX_OSS_PORT"); !Blank(text)) {
      int parsed = 0;
      if (absl::SimpleAtoi(absl::StripAsciiWhitespace(*text), &parsed) && parsed > 0 &&
          parsed <= 65535) {
        port = parsed;
      }
    }
    p.base_url = absl::StrCat("http://localhost:", port, "/v1");
  }
  return p;
}

// Builds the "<path>:<line>:<column>: <what>" errors of one config text.
class Problems {
 public:
  explicit Problems(absl::string_view path) : path_(path) {}
  absl::Status At(const toml::node& node, absl::string_view what) const {
    return At(node.source().begin, what);
  }
  absl::Status At(const toml::source_position& where, absl::string_view what) const {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s:%d:%d: %s", path_, where.line, where.column, what));
  }
  absl::Status Type(const toml::node& node, absl::string_view expected) const {
    return At(node, absl::StrCat("invalid type: ", api::session::SerdeUnexpectedToml(node),
                                 ", expected ", expected));
  }

 private:
  std::string path_;
};

absl::Status ReadString(const toml::table& t, const char* key, const Problems& problems,
                        std::optional<std::string>* out) {
  const toml::node* node = t.get(key);
  if (node == nullptr) return absl::OkStatus();
  if (!node->is_string()) return problems.Type(*node, "a string");
  *out = node->as_string()->get();
  return absl::OkStatus();
}

absl::Status ReadCount(const toml::table& t, const char* key, const Problems& problems,
                       std::optional<int64_t>* out) {
  const toml::node* node = t.get(key);
  if (node == nullptr) return absl::OkStatus();
  if (!node->is_integer()) return problems.Type(*node, "u64");
  int64_t value = node->as_integer()->get();
  if (value < 0) {
    return problems.At(*node, absl::StrCat("invalid value: integer `", value, "`, expected u64"));
  }
  *out = value;
  return absl::OkStatus();
}

absl::Status ReadMap(const toml::table& t, const char* key, const Problems& problems,
                     std::vector<std::pair<std::string, std::string>>* out) {
  const toml::node* node = t.get(key);
  if (node == nullptr) return absl::OkStatus();
  if (!node->is_table()) return problems.Type(*node, "a map");
  for (const auto& [name, value] : *node->as_table()) {
    if (!value.is_string()) return problems.Type(value, "a string");
    out->emplace_back(std::string(name.str()), value.as_string()->get());
  }
  std::sort(out->begin(), out->end());
  return absl::OkStatus();
}

int Capped(std::optional<int64_t> configured, int fallback) {
  if (!configured) return fallback;
  return static_cast<int>(std::min<int64_t>(*configured, kMaxRetriesCap));
}

absl::StatusOr<ProviderSettings> ReadProvider(std::string id, const toml::node& node,
                                              const Problems& problems) {
  if (!node.is_table()) return problems.Type(node, "struct ModelProviderInfo");
  const toml::table& t = *node.as_table();
  ProviderSettings p;
  p.id = std::move(id);
  std::optional<std::string> name;
  if (absl::Status s = ReadString(t, "name", problems, &name); !s.ok()) return s;
  p.name = name.value_or("");
  for (auto [key, field] : {std::pair{"base_url", &p.base_url},
                            {"env_key", &p.env_key},
                            {"env_key_instructions", &p.env_key_instructions},
                            {"experimental_bearer_token", &p.experimental_bearer_token}}) {
    if (absl::Status s = ReadString(t, key, problems, field); !s.ok()) return s;
  }
  if (const toml::node* wire = t.get("wire_api")) {
    if (!wire->is_string()) return problems.Type(*wire, "a string");
    const std::string& value = wire->as_string()->get();
    if (value == "chat") return problems.At(*wire, kChatRemoved);
    if (value != "responses") {
      return problems.At(*wire,
                         absl::StrCat("unknown variant `", value, "`, expected `responses`"));
    }
  }
  if (absl::Status s = ReadMap(t, "query_params", problems, &p.query_params); !s.ok()) return s;
  if (absl::Status s = ReadMap(t, "http_headers", problems, &p.http_headers); !s.ok()) return s;
  if (absl::Status s = ReadMap(t, "env_http_headers", problems, &p.env_http_headers); !s.ok()) {
    return s;
  }
  std::optional<int64_t> request_retries, stream_retries, idle_ms;
  if (absl::Status s = ReadCount(t, "request_max_retries", problems, &request_retries); !s.ok()) {
    return s;
  }
  if (absl::Status s = ReadCount(t, "stream_max_retries", problems, &stream_retries); !s.ok()) {
    return s;
  }
  if (absl::Status s = ReadCount(t, "stream_idle_timeout_ms", problems, &idle_ms); !s.ok()) {
    return s;
  }
  p.request_max_retries = Capped(request_retries, kDefaultRequestMaxRetries);
  p.stream_max_retries = Capped(stream_retries, kDefaultStreamMaxRetries);
  if (idle_ms) p.stream_idle_timeout = absl::Milliseconds(*idle_ms);
  if (const toml::node* auth = t.get("requires_openai_auth")) {
    if (!auth->is_boolean()) return problems.Type(*auth, "a boolean");
    p.requires_openai_auth = auth->as_boolean()->get();
  }
  return p;
}

// Where `[model_providers.X]` (or `model_providers = ...`) first names the table: Codex points
// its reserved-id error at that key. toml++ records where a table's own header begins, so for a
// table only ever made by dotted headers the first header mentioning it is found in the text.
toml::source_position KeyPosition(absl::string_view text, const toml::node& table) {
  size_t line = 1;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    absl::string_view row =
        text.substr(start, end == absl::string_view::npos ? text.npos : end - start);
    absl::string_view body = absl::StripLeadingAsciiWhitespace(row);
    size_t indent = row.size() - body.size();
    if (absl::StartsWith(body, "[")) {
      absl::string_view inner = absl::StripLeadingAsciiWhitespace(body.substr(1));
      if (absl::StartsWith(inner, "model_providers")) {
        size_t column = indent + (body.size() - inner.size()) + 1;
        return {static_cast<toml::source_index>(line), static_cast<toml::source_index>(column)};
      }
    } else if (absl::StartsWith(body, "model_providers")) {
      return {static_cast<toml::source_index>(line), static_cast<toml::source_index>(indent + 1)};
    }
    if (end == absl::string_view::npos) break;
    start = end + 1;
    ++line;
  }
  return table.source().begin;
}

}  // namespace

EnvLookup ProcessEnvironment() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

std::string ResponsesUrl(const ProviderSettings& provider, const AccountCredentials& account) {
  std::string base =
      provider.base_url.value_or(account.chatgpt() ? kChatgptBaseUrl : kOpenaiBaseUrl);
  while (absl::EndsWith(base, "/")) base.pop_back();
  std::string url = absl::StrCat(base, "/responses");
  if (!provider.query_params.empty()) {
    std::vector<std::string> pairs;
    for (const auto& [name, value] : provider.query_params) pairs.push_back(name + "=" + value);
    absl::StrAppend(&url, "?", absl::StrJoin(pairs, "&"));
  }
  return url;
}

absl::StatusOr<std::vector<HttpHeader>> ProviderHeaders(const ProviderSettings& provider,
                                                        const AccountCredentials& account,
                                                        const EnvLookup& env) {
  std::vector<HttpHeader> headers;
  std::optional<std::string> bearer;
  if (provider.env_key) {
    std::optional<std::string> key = env(*provider.env_key);
    if (Blank(key)) {
      std::string message =
          absl::StrCat("Missing environment variable: `", *provider.env_key, "`.");
      if (provider.env_key_instructions) {
        absl::StrAppend(&message, " ", *provider.env_key_instructions);
      }
      return absl::FailedPreconditionError(message);
    }
    bearer = key;
  } else if (provider.experimental_bearer_token) {
    bearer = provider.experimental_bearer_token;
  } else if (account.api_key) {
    bearer = account.api_key;
  } else if (account.chatgpt_access_token) {
    bearer = account.chatgpt_access_token;
    if (account.chatgpt_account_id) {
      headers.push_back({"ChatGPT-Account-ID", *account.chatgpt_account_id});
    }
  }
  if (bearer) headers.insert(headers.begin(), {"Authorization", absl::StrCat("Bearer ", *bearer)});
  for (const auto& [name, value] : provider.http_headers) headers.push_back({name, value});
  for (const auto& [name, variable] : provider.env_http_headers) {
    std::optional<std::string> value = env(variable);
    if (!Blank(value)) headers.push_back({name, *value});
  }
  return headers;
}

ProviderCatalog ProviderCatalog::BuiltIn(const EnvLookup& env,
                                         std::optional<std::string> openai_base_url) {
  ProviderCatalog catalog;
  catalog.providers_.emplace("openai", OpenaiProvider(env, std::move(openai_base_url)));
  catalog.providers_.emplace("ollama", LocalProvider(env, "ollama", 11434));
  catalog.providers_.emplace("lmstudio", LocalProvider(env, "lmstudio", 1234));
  return catalog;
}

absl::StatusOr<ProviderCatalog> ProviderCatalog::FromConfig(std::string_view config_text,
                                                            std::string_view config_path,
                                                            const EnvLookup& env) try {
  const Problems problems(ToAbsl(config_path));
  toml::table root;
  try {
    root = toml::parse(config_text, config_path);
  } catch (const toml::parse_error& e) {
    return problems.At(e.source().begin, ToAbsl(e.description()));
  }
  std::optional<std::string> openai_base_url;
  if (absl::Status s = ReadString(root, "openai_base_url", problems, &openai_base_url); !s.ok()) {
    return s;
  }
  ProviderCatalog catalog = BuiltIn(env, openai_base_url);

  ModelSelection& selection = catalog.selection_;
  std::optional<std::string> provider_id;
  if (absl::Status s = ReadString(root, "model", problems, &selection.model); !s.ok()) return s;
  if (absl::Status s = ReadString(root, "model_provider", problems, &provider_id); !s.ok()) {
    return s;
  }
  if (absl::Status s =
          ReadString(root, "model_reasoning_effort", problems, &selection.reasoning_effort);
      !s.ok()) {
    return s;
  }
  std::optional<std::string> profile_name;
  if (absl::Status s = ReadString(root, "profile", problems, &profile_name); !s.ok()) return s;
  if (profile_name) {
    const toml::table* profiles = root["profiles"].as_table();
    const toml::node* profile = profiles ? profiles->get(*profile_name) : nullptr;
    if (profile == nullptr) {
      return absl::NotFoundError(absl::StrCat("config profile `", *profile_name, "` not found"));
    }
    if (!profile->is_table()) return problems.Type(*profile, "struct ConfigProfile");
    const toml::table& p = *profile->as_table();
    std::optional<std::string> model, provider, effort;
    if (absl::Status s = ReadString(p, "model", problems, &model); !s.ok()) return s;
    if (absl::Status s = ReadString(p, "model_provider", problems, &provider); !s.ok()) return s;
    if (absl::Status s = ReadString(p, "model_reasoning_effort", problems, &effort); !s.ok()) {
      return s;
    }
    if (model) selection.model = model;
    if (provider) provider_id = provider;
    if (effort) selection.reasoning_effort = effort;
  }
  if (provider_id) selection.provider_id = *provider_id;

  if (const toml::node* providers = root.get("model_providers")) {
    if (!providers->is_table()) return problems.Type(*providers, "a map");
    std::vector<std::string> reserved;
    for (const auto& [id, entry] : *providers->as_table()) {
      if (std::find(std::begin(kReservedIds), std::end(kReservedIds), id.str()) !=
          std::end(kReservedIds)) {
        reserved.push_back(absl::StrCat("`", ToAbsl(id.str()), "`"));
      }
    }
    if (!reserved.empty()) {
      std::sort(reserved.begin(), reserved.end());
      return problems.At(
          KeyPosition(ToAbsl(config_text), *providers),
          absl::StrCat("model_providers contains reserved built-in provider IDs: ",
                       absl::StrJoin(reserved, ", "),
                       ". Built-in providers cannot be overridden. Rename your custom provider "
                       "(for example, `openai-custom`)."));
    }
    for (const auto& [id, entry] : *providers->as_table()) {
      absl::StatusOr<ProviderSettings> provider =
          ReadProvider(std::string(id.str()), entry, problems);
      if (!provider.ok()) return provider.status();
      catalog.providers_.emplace(provider->id, *std::move(provider));
    }
  }
  if (absl::Status s = catalog.Find(selection.provider_id).status(); !s.ok()) return s;
  return catalog;
} catch (const std::exception& e) {  // toml++'s parse errors are caught above; this is the rest
  return absl::InternalError(absl::StrCat("reading ", ToAbsl(config_path), ": ", e.what()));
}

absl::StatusOr<ProviderCatalog> ProviderCatalog::Load(const std::string& codex_home,
                                                      const EnvLookup& env) {
  const std::string path = (std::filesystem::path(codex_home) / "config.toml").string();
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return BuiltIn(env);
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in || in.bad()) {
    return absl::PermissionDeniedError(absl::StrCat(path, ": cannot be read"));
  }
  return FromConfig(text.str(), path, env);
}

absl::StatusOr<ProviderSettings> ProviderCatalog::Find(std::string_view id) const {
  auto it = providers_.find(id);
  if (it == providers_.end()) {
    return absl::NotFoundError(absl::StrCat("Model provider `", ToAbsl(id), "` not found"));
  }
  return it->second;
}

}  // namespace threadlog::agent
