// Providers: config.toml resolution and Codex's load errors (compared with what Codex 0.117.0
// said for the same files, golden/codex_117_model_client.json), the built-ins, the URL and the
// headers a provider puts on a request.
#include "api/agent/provider.h"

#include <fstream>
#include <map>
#include <sstream>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace threadlog::agent {
namespace {

using nlohmann::json;

const json& Golden() {
  static const json* golden = [] {
    std::ifstream in(std::string(THREADLOG_SOURCE_DIR) +
                     "/tests/agent/golden/codex_117_model_client.json");
    std::stringstream text;
    text << in.rdbuf();
    return new json(json::parse(text.str()));
  }();
  return (*golden)["scenarios"];
}

EnvLookup Env(std::map<std::string, std::string> vars) {
  return [vars](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

const std::string kPath = "/home/dev/.codex/config.toml";

absl::StatusOr<ProviderCatalog> Catalog(const std::string& text,
                                        std::map<std::string, std::string> env = {}) {
  return ProviderCatalog::FromConfig(text, kPath, Env(std::move(env)));
}

// Codex refused thread/start with "failed to load configuration: <what>" for these files;
// FromConfig gives <what> for the same text.
TEST(ProviderCatalogTest, LoadErrorsAreCodexs) {
  for (const char* scenario : {"unknown_provider", "wire_api_chat", "builtin_provider_override",
                               "builtin_provider_override_ollama", "builtin_oss"}) {
    SCOPED_TRACE(scenario);
    const json& s = Golden()[scenario];
    const std::string path = "<root>/home/config.toml";
    std::string expected = s["thread/start"]["message"];
    const std::string prefix = "failed to load configuration: ";
    ASSERT_EQ(expected.rfind(prefix, 0), 0u);
    expected = expected.substr(prefix.size());
    absl::StatusOr<ProviderCatalog> catalog =
        ProviderCatalog::FromConfig(s["config"].get<std::string>(), path, Env({}));
    ASSERT_FALSE(catalog.ok());
    EXPECT_EQ(catalog.status().message(), expected);
  }
}

TEST(ProviderCatalogTest, ResolvesAProviderTable) {
  auto catalog = Catalog(R"(
model = "gpt-5.1-codex"
model_provider = "local"
model_reasoning_effort = "high"

[model_providers.local]
name = "Local"
base_url = "http://127.0.0.1:9/v1"
wire_api = "responses"
env_key = "LOCAL_KEY"
env_key_instructions = "Ask the admin."
query_params = { "z" = "2", "api-version" = "2025-04-01-preview" }
http_headers = { "X-B" = "b", "X-A" = "a" }
env_http_headers = { "X-Env" = "SOME_VAR" }
request_max_retries = 1
stream_max_retries = 2
stream_idle_timeout_ms = 1500
requires_openai_auth = true
)");
  ASSERT_TRUE(catalog.ok()) << catalog.status();
  EXPECT_EQ(catalog->selection().model, "gpt-5.1-codex");
  EXPECT_EQ(catalog->selection().provider_id, "local");
  EXPECT_EQ(catalog->selection().reasoning_effort, "high");
  auto p = catalog->Find("local");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->id, "local");
  EXPECT_EQ(p->name, "Local");
  EXPECT_EQ(p->base_url, "http://127.0.0.1:9/v1");
  EXPECT_EQ(p->env_key, "LOCAL_KEY");
  EXPECT_EQ(p->env_key_instructions, "Ask the admin.");
  using Pairs = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(p->query_params, (Pairs{{"api-version", "2025-04-01-preview"}, {"z", "2"}}));
  EXPECT_EQ(p->http_headers, (Pairs{{"X-A", "a"}, {"X-B", "b"}}));
  EXPECT_EQ(p->env_http_headers, (Pairs{{"X-Env", "SOME_VAR"}}));
  EXPECT_EQ(p->request_max_retries, 1);
  EXPECT_EQ(p->stream_max_retries, 2);
  EXPECT_EQ(p->stream_idle_timeout, absl::Milliseconds(1500));
  EXPECT_TRUE(p->requires_openai_auth);
  // The built-ins are still there.
  EXPECT_TRUE(catalog->Find("openai").ok());
  EXPECT_EQ(catalog->Find("nope").status().message(), "Model provider `nope` not found");
}

TEST(ProviderCatalogTest, DefaultsAndCaps) {
  auto catalog = Catalog(R"(
model_provider = "a"
[model_providers.a]
base_url = "http://127.0.0.1:9/v1"
[model_providers.b]
request_max_retries = 1000
stream_max_retries = 101
)");
  ASSERT_TRUE(catalog.ok()) << catalog.status();
  auto a = catalog->Find("a");
  EXPECT_EQ(a->name, "");
  EXPECT_EQ(a->request_max_retries, 4);
  EXPECT_EQ(a->stream_max_retries, 5);
  EXPECT_EQ(a->stream_idle_timeout, absl::Milliseconds(300000));
  EXPECT_FALSE(a->requires_openai_auth);
  EXPECT_FALSE(a->env_key.has_value());
  auto b = catalog->Find("b");
  EXPECT_EQ(b->request_max_retries, 100);
  EXPECT_EQ(b->stream_max_retries, 100);
}

TEST(ProviderCatalogTest, WrongTypesAreSerdesWords) {
  struct Case {
    std::string body;
    std::string what;
  };
  const std::vector<Case> cases = {
      {"request_max_retries = \"x\"", "4:23: invalid type: string \"x\", expected u64"},
      {"stream_max_retries = -1", "4:22: invalid value: integer `-1`, expected u64"},
      {"http_headers = 5", "4:16: invalid type: integer `5`, expected a map"},
      {"query_params = { a = 1 }", "4:22: invalid type: integer `1`, expected a string"},
      {"base_url = true", "4:12: invalid type: boolean `true`, expected a string"},
      {"wire_api = \"grpc\"", "4:12: unknown variant `grpc`, expected `responses`"},
      {"requires_openai_auth = \"yes\"", "4:24: invalid type: string \"yes\", expected a boolean"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.body);
    auto catalog = Catalog("model_provider = \"p\"\n\n[model_providers.p]\n" + c.body + "\n");
    ASSERT_FALSE(catalog.ok());
    EXPECT_EQ(catalog.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(catalog.status().message(), kPath + ":" + c.what);
  }
  auto not_toml = Catalog("model = \n");
  ASSERT_FALSE(not_toml.ok());
  EXPECT_EQ(not_toml.status().message().substr(0, kPath.size() + 3), kPath + ":1:");
}

TEST(ProviderCatalogTest, ReservedIdsAreNamedTogether) {
  auto catalog = Catalog("[model_providers.openai]\nname = \"x\"\n[model_providers.lmstudio]\n");
  ASSERT_FALSE(catalog.ok());
  EXPECT_EQ(catalog.status().message(),
            kPath +
                ":1:2: model_providers contains reserved built-in provider IDs: `lmstudio`, "
                "`openai`. Built-in providers cannot be overridden. Rename your custom "
                "provider (for example, `openai-custom`).");
}

TEST(ProviderCatalogTest, ProfileSelectsModelProviderAndEffort) {
  const std::string base = R"(
model = "top-model"
model_provider = "openai"
model_reasoning_effort = "medium"
profile = "work"
[profiles.work]
model = "gpt-5.1-codex-mini"
model_provider = "ollama"
model_reasoning_effort = "low"
[profiles.other]
model = "unused"
)";
  auto catalog = Catalog(base);
  ASSERT_TRUE(catalog.ok()) << catalog.status();
  EXPECT_EQ(catalog->selection().model, "gpt-5.1-codex-mini");
  EXPECT_EQ(catalog->selection().provider_id, "ollama");
  EXPECT_EQ(catalog->selection().reasoning_effort, "low");

  auto missing = Catalog("profile = \"nope\"\n");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(missing.status().message(), "config profile `nope` not found");

  auto defaults = Catalog("");
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->selection().provider_id, "openai");
  EXPECT_FALSE(defaults->selection().model.has_value());
}

TEST(ProviderCatalogTest, BuiltInProviders) {
  ProviderCatalog plain = ProviderCatalog::BuiltIn(Env({}));
  auto openai = plain.Find("openai");
  ASSERT_TRUE(openai.ok());
  EXPECT_EQ(openai->name, "OpenAI");
  EXPECT_FALSE(openai->base_url.has_value());
  EXPECT_TRUE(openai->requires_openai_auth);
  EXPECT_EQ(ResponsesUrl(*openai, {}), "https://api.openai.com/v1/responses");
  AccountCredentials chatgpt;
  chatgpt.chatgpt_access_token = "tok";
  EXPECT_EQ(ResponsesUrl(*openai, chatgpt), "https://chatgpt.com/backend-api/codex/responses");
  EXPECT_EQ(ResponsesUrl(*plain.Find("ollama"), {}), "http://localhost:11434/v1/responses");
  EXPECT_EQ(ResponsesUrl(*plain.Find("lmstudio"), {}), "http://localhost:1234/v1/responses");
  EXPECT_FALSE(plain.Find("oss").ok());

  ProviderCatalog env = ProviderCatalog::BuiltIn(
      Env({{"OPENAI_BASE_URL", "http://127.0.0.1:1/v1"}, {"CODEX_OSS_PORT", "4321"}}));
  EXPECT_EQ(ResponsesUrl(*env.Find("openai"), {}), "http://127.0.0.1:1/v1/responses");
  EXPECT_EQ(ResponsesUrl(*env.Find("ollama"), {}), "http://localhost:4321/v1/responses");
  ProviderCatalog oss = ProviderCatalog::BuiltIn(
      Env({{"CODEX_OSS_BASE_URL", "http://10.0.0.1:5/v1"}, {"CODEX_OSS_PORT", "4321"}}));
  EXPECT_EQ(ResponsesUrl(*oss.Find("lmstudio"), {}), "http://10.0.0.1:5/v1/responses");

  // config.toml's openai_base_url re-points the built-in (Codex 0.117.0 then talked to the mock).
  auto configured = Catalog("openai_base_url = \"http://127.0.0.1:2/v1\"\n",
                            {{"OPENAI_BASE_URL", "http://127.0.0.1:1/v1"}});
  ASSERT_TRUE(configured.ok());
  EXPECT_EQ(ResponsesUrl(*configured->Find("openai"), {}), "http://127.0.0.1:2/v1/responses");
}

// The built-in openai provider's headers as Codex 0.117.0 sent them (builtin_openai_base_url).
TEST(ProviderHeadersTest, OpenaiBuiltInSendsCodexsHeaders) {
  const json& golden = Golden()["builtin_openai_base_url"]["requests"][0]["headers"];
  ProviderCatalog catalog = ProviderCatalog::BuiltIn(
      Env({{"OPENAI_ORGANIZATION", "org-probe"}, {"OPENAI_PROJECT", "proj-probe"}}));
  AccountCredentials account;
  account.api_key = "sk-probe-from-auth-json";
  auto headers = ProviderHeaders(
      *catalog.Find("openai"), account,
      Env({{"OPENAI_ORGANIZATION", "org-probe"}, {"OPENAI_PROJECT", "proj-probe"}}));
  ASSERT_TRUE(headers.ok());
  for (const char* name : {"authorization", "version", "openai-organization", "openai-project"}) {
    auto value = FindHeader(*headers, name);
    ASSERT_TRUE(value.has_value()) << name;
    EXPECT_EQ(*value, golden[name].get<std::string>()) << name;
  }
}

TEST(ProviderHeadersTest, WhereTheBearerComesFrom) {
  ProviderSettings p;
  p.id = "p";
  p.env_key = "KEY";
  AccountCredentials account;
  account.api_key = "from-login";
  // env_key first (Codex 0.117.0: env_key_and_login sent the variable's value).
  auto h = ProviderHeaders(p, account, Env({{"KEY", "from-env"}}));
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(FindHeader(*h, "Authorization"), "Bearer from-env");
  // Without env_key: experimental_bearer_token, then the account's key (no_env_key_with_login).
  p.env_key.reset();
  p.experimental_bearer_token = "tok-probe";
  EXPECT_EQ(FindHeader(*ProviderHeaders(p, account, Env({})), "authorization"), "Bearer tok-probe");
  p.experimental_bearer_token.reset();
  EXPECT_EQ(FindHeader(*ProviderHeaders(p, account, Env({})), "authorization"),
            "Bearer from-login");
  // Nothing at all: no Authorization (requires_openai_auth_no_login still sent the request).
  p.requires_openai_auth = true;
  auto none = ProviderHeaders(p, {}, Env({}));
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(FindHeader(*none, "authorization").has_value());
  // A ChatGPT token, with its account id.
  AccountCredentials chatgpt;
  chatgpt.chatgpt_access_token = "jwt";
  chatgpt.chatgpt_account_id = "acct";
  auto c = ProviderHeaders(p, chatgpt, Env({}));
  EXPECT_EQ(FindHeader(*c, "authorization"), "Bearer jwt");
  EXPECT_EQ(FindHeader(*c, "chatgpt-account-id"), "acct");
}

// Codex 0.117.0's texts for a key variable that is unset, or set but blank.
TEST(ProviderHeadersTest, MissingKeyIsCodexsMessage) {
  for (const char* scenario :
       {"missing_env_key", "missing_env_key_instructions", "empty_env_key"}) {
    SCOPED_TRACE(scenario);
    const json& s = Golden()[scenario];
    ProviderSettings p;
    p.env_key = s["spec"]["provider"]["env_key"].get<std::string>();
    if (s["spec"]["provider"].contains("env_key_instructions")) {
      p.env_key_instructions = s["spec"]["provider"]["env_key_instructions"].get<std::string>();
    }
    std::map<std::string, std::string> env;
    if (s["spec"].contains("env")) env = s["spec"]["env"].get<std::map<std::string, std::string>>();
    auto h = ProviderHeaders(p, {}, Env(env));
    ASSERT_FALSE(h.ok());
    EXPECT_EQ(h.status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_EQ(h.status().message(),
              s["notifications"].back()["error"]["message"].get<std::string>());
  }
}

TEST(ProviderHeadersTest, StaticAndEnvironmentHeaders) {
  // ok_headers: X-Static always, X-From-Env from its variable, none for an unset or empty one.
  const json& s = Golden()["ok_headers"];
  const json& sent = s["requests"][0]["headers"];
  ProviderSettings p;
  for (auto& [k, v] : s["spec"]["provider"]["http_headers"].items())
    p.http_headers.push_back({k, v});
  for (auto& [k, v] : s["spec"]["provider"]["env_http_headers"].items()) {
    p.env_http_headers.push_back({k, v});
  }
  auto h = ProviderHeaders(p, {}, Env(s["spec"]["env"].get<std::map<std::string, std::string>>()));
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(FindHeader(*h, "x-static"), sent["x-static"].get<std::string>());
  EXPECT_EQ(FindHeader(*h, "x-from-env"), sent["x-from-env"].get<std::string>());
  EXPECT_FALSE(sent.contains("x-from-unset"));
  EXPECT_FALSE(sent.contains("x-from-empty"));
  EXPECT_FALSE(FindHeader(*h, "x-from-unset").has_value());
  EXPECT_FALSE(FindHeader(*h, "x-from-empty").has_value());
}

TEST(ResponsesUrlTest, BaseUrlAndQueryParams) {
  ProviderSettings p;
  p.base_url = "http://127.0.0.1:9/v1/";
  EXPECT_EQ(ResponsesUrl(p, {}), "http://127.0.0.1:9/v1/responses");
  p.query_params = {{"api-version", "2025-04-01-preview"}, {"space", "a b&c"}};
  EXPECT_EQ(ResponsesUrl(p, {}),
            "http://127.0.0.1:9/v1/responses?api-version=2025-04-01-preview&space=a b&c");
  // Codex 0.117.0 appended "?..." to a base URL that already had a query (base_url_with_query).
  p.base_url = "http://127.0.0.1:9/v1?x=1";
  p.query_params = {{"y", "2"}};
  EXPECT_EQ(ResponsesUrl(p, {}), "http://127.0.0.1:9/v1?x=1/responses?y=2");
  const std::string codex_said =
      Golden()["base_url_with_query"]["notifications"].back()["error"]["message"];
  EXPECT_NE(codex_said.find("url: http://127.0.0.1:<port1>/v1?x=1/responses?y=2"),
            std::string::npos);
}

}  // namespace
}  // namespace threadlog::agent
