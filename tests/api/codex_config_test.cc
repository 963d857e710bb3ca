// Unit tests of api/codex_config: defaults, the checks on known keys with Codex's wording and
// positions, broken files as warnings (never a failure), providers' auth, and config/read.
#include "api/codex_config.h"

#include <filesystem>
#include <string>
#include <utility>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "tests/testutil/scratch_dir.h"

namespace threadlog::api {
namespace {

using nlohmann::json;
using threadlog::testing::ScratchDir;
using threadlog::testing::WriteFileOrDie;

constexpr char kPath[] = "/h/config.toml";

TEST(CodexConfigTest, NoFileMeansCodexDefaults) {
  ScratchDir dir;
  CodexConfig config = CodexConfig::Load({dir.path(), dir.Sub("no-system.toml")});
  EXPECT_FALSE(config.warning());
  EXPECT_EQ(config.defaults().model, "gpt-5.3-codex");
  EXPECT_EQ(config.defaults().model_provider, "openai");
  EXPECT_EQ(config.defaults().approval_policy, "on-request");
  EXPECT_EQ(config.defaults().sandbox_mode, "read-only");
  EXPECT_EQ(config.defaults().approvals_reviewer, "user");
  EXPECT_TRUE(config.requires_openai_auth());
  absl::StatusOr<json> read = config.ReadResponse(true);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ((*read)["origins"], json::object());
  EXPECT_EQ((*read)["layers"][0]["config"], json::object());
  EXPECT_EQ((*read)["layers"][0]["version"],
            "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
  EXPECT_TRUE((*read)["config"].contains("model"));
  EXPECT_TRUE((*read)["config"]["model"].is_null());
}

TEST(CodexConfigTest, SessionDefaultsAndProviderFromTheFile) {
  CodexConfig config = CodexConfig::FromText(kPath, R"(
model = "mock-model"
model_provider = "mock"
approval_policy = "never"
sandbox_mode = "danger-full-access"
[model_providers.mock]
name = "mock"
base_url = "http://127.0.0.1:1/v1"
[model_providers.needs]
name = "needs"
requires_openai_auth = true
)");
  EXPECT_FALSE(config.warning());
  EXPECT_EQ(config.defaults().model, "mock-model");
  EXPECT_EQ(config.defaults().model_provider, "mock");
  EXPECT_EQ(config.defaults().approval_policy, "never");
  EXPECT_EQ(config.defaults().sandbox_mode, "danger-full-access");
  EXPECT_FALSE(config.requires_openai_auth());
  EXPECT_TRUE(config.ProviderRequiresOpenaiAuth("needs"));
  EXPECT_TRUE(config.ProviderRequiresOpenaiAuth("openai"));
  EXPECT_FALSE(config.ProviderRequiresOpenaiAuth("ollama"));
  absl::StatusOr<json> read = config.ReadResponse(false);
  ASSERT_TRUE(read.ok());
  EXPECT_FALSE(read->contains("layers"));
  EXPECT_EQ((*read)["config"]["model_providers"]["mock"]["requires_openai_auth"], false);
  EXPECT_EQ((*read)["config"]["model_providers"]["mock"]["base_url"], "http://127.0.0.1:1/v1");
  EXPECT_EQ((*read)["origins"]["model_providers.mock.base_url"]["name"],
            json({{"type", "user"}, {"file", kPath}}));
}

TEST(CodexConfigTest, GranularApprovalPolicyIsAccepted) {
  CodexConfig config =
      CodexConfig::FromText(kPath,
                            "[approval_policy.granular]\nrules = true\nsandbox_approval = true\n"
                            "mcp_elicitations = false\n");
  EXPECT_FALSE(config.warning());
  EXPECT_TRUE(config.defaults().approval_policy.is_object());
}

TEST(CodexConfigTest, InvalidTomlIsAWarningWithPosition) {
  CodexConfig config = CodexConfig::FromText(kPath, "model = \"x\"\nmodel_provider = \n");
  ASSERT_TRUE(config.warning());
  EXPECT_EQ(config.warning()->summary, "Invalid configuration; using defaults.");
  EXPECT_EQ(config.warning()->path, kPath);
  ASSERT_TRUE(config.warning()->range);
  EXPECT_EQ(config.warning()->range->first.line, 2);
  EXPECT_EQ(config.warning()->details->rfind(std::string(kPath) + ":2:", 0), 0u);
  EXPECT_EQ(config.defaults().model, "gpt-5.3-codex");  // the defaults, not half a file
  absl::StatusOr<json> read = config.ReadResponse(false);
  EXPECT_EQ(read.status().code(), absl::StatusCode::kInternal);
  EXPECT_EQ(std::string(read.status().message()).rfind("failed to read configuration layers: ", 0),
            0u);
}

TEST(CodexConfigTest, MistypedKnownKeysInCodexsWords) {
  CodexConfig wrong = CodexConfig::FromText(kPath, "model = 5\n");
  ASSERT_TRUE(wrong.warning());
  EXPECT_EQ(*wrong.warning()->details,
            std::string(kPath) + ":1:9: invalid type: integer `5`, expected a string");
  EXPECT_EQ(wrong.warning()->range->first.column, 9);
  EXPECT_EQ(wrong.warning()->range->second.column, 9);
  EXPECT_EQ(wrong.ReadResponse(false).status().message(),
            "invalid configuration: invalid type: integer `5`, expected a string\nin `model`\n");

  CodexConfig variant = CodexConfig::FromText(kPath, "approval_policy = \"sometimes\"\n");
  ASSERT_TRUE(variant.warning());
  EXPECT_EQ(*variant.warning()->details,
            std::string(kPath) +
                ":1:19: unknown variant `sometimes`, expected one of `untrusted`, `on-failure`, "
                "`on-request`, `granular`, `never`");
  EXPECT_EQ(variant.warning()->range->second.column, 29);

  CodexConfig sandbox = CodexConfig::FromText(kPath, "sandbox_mode = true\n");
  ASSERT_TRUE(sandbox.warning());
  EXPECT_NE(sandbox.warning()->details->find("invalid type: boolean `true`"), std::string::npos);

  CodexConfig auth =
      CodexConfig::FromText(kPath, "[model_providers.m]\nrequires_openai_auth = \"yes\"\n");
  ASSERT_TRUE(auth.warning());
  EXPECT_NE(
      auth.ReadResponse(false).status().message().find("model_providers.m.requires_openai_auth"),
      std::string::npos);
}

TEST(CodexConfigTest, UnknownProviderFallsBackToTheDefaults) {
  CodexConfig config = CodexConfig::FromText(kPath, "model = \"m\"\nmodel_provider = \"nope\"\n");
  ASSERT_TRUE(config.warning());
  EXPECT_EQ(config.warning()->details, "Model provider `nope` not found");
  EXPECT_FALSE(config.warning()->path);
  EXPECT_EQ(config.defaults().model_provider, "openai");
  EXPECT_EQ(config.defaults().model, "gpt-5.3-codex");
  EXPECT_TRUE(config.requires_openai_auth());
}

TEST(CodexConfigTest, SkillSwitches) {
  CodexConfig config =
      CodexConfig::FromText(kPath,
                            "[[skills.config]]\npath = \"/s/a/SKILL.md\"\nenabled = false\n"
                            "[[skills.config]]\npath = \"/s/b/SKILL.md\"\nenabled = true\n");
  EXPECT_EQ(config.SkillEnabled("/s/a/SKILL.md"), false);
  EXPECT_EQ(config.SkillEnabled("/s/b/SKILL.md"), true);
  EXPECT_FALSE(config.SkillEnabled("/s/c/SKILL.md"));
  CodexConfig bad = CodexConfig::FromText(kPath, "[[skills.config]]\npath = 1\n");
  EXPECT_TRUE(bad.warning());
}

TEST(CodexConfigTest, ReadResponseKeepsKnownKeysAndVersionsTheLayer) {
  ScratchDir dir;
  WriteFileOrDie(dir.Sub("config.toml"),
                 "model = \"m\"\nnot_a_codex_key = 1\n[profiles.fast]\nmodel = \"f\"\n");
  WriteFileOrDie(dir.Sub("system.toml"), "model = \"from-system\"\nreview_model = \"r\"\n");
  CodexConfig config = CodexConfig::Load({dir.path(), dir.Sub("system.toml")});
  ASSERT_FALSE(config.warning());
  absl::StatusOr<json> read = config.ReadResponse(true);
  ASSERT_TRUE(read.ok());
  const json& c = (*read)["config"];
  EXPECT_EQ(c["model"], "m");                   // the user layer wins
  EXPECT_EQ(c["review_model"], "r");            // the system layer fills in
  EXPECT_FALSE(c.contains("not_a_codex_key"));  // Codex drops keys it does not know
  EXPECT_EQ(c["profiles"]["fast"]["model"], "f");
  EXPECT_TRUE(c["profiles"]["fast"].contains("sandbox_mode"));
  EXPECT_EQ((*read)["origins"]["review_model"]["name"]["type"], "system");
  EXPECT_EQ((*read)["origins"]["model"]["name"]["type"], "user");
  EXPECT_EQ((*read)["layers"][0]["config"]["not_a_codex_key"], 1);
  EXPECT_EQ((*read)["layers"][0]["version"], LayerVersion((*read)["layers"][0]["config"]));
  EXPECT_EQ(config.defaults().model, "m");
}

TEST(CodexConfigTest, ABrokenSystemLayerIsLeftOutWithAWarning) {
  ScratchDir dir;
  WriteFileOrDie(dir.Sub("config.toml"), "approval_policy = \"never\"\n");
  WriteFileOrDie(dir.Sub("system.toml"), "model = 5\nsandbox_mode = \"workspace-write\"\n");
  CodexConfig config = CodexConfig::Load({dir.path(), dir.Sub("system.toml")});
  ASSERT_TRUE(config.warning());
  EXPECT_EQ(config.warning()->path, dir.Sub("system.toml"));
  EXPECT_EQ(config.defaults().model, "gpt-5.3-codex");
  EXPECT_EQ(config.defaults().sandbox_mode, "read-only");  // nothing of the broken layer
  EXPECT_EQ(config.defaults().approval_policy, "never");   // the user layer still applies
  WriteFileOrDie(dir.Sub("system.toml"), "model = [\n");
  EXPECT_TRUE(CodexConfig::Load({dir.path(), dir.Sub("system.toml")}).warning());
}

// Codex 0.117.0 checks a provider entry for its name (the answers below are its own).
TEST(CodexConfigTest, AProviderWithoutANameIsAnInvalidConfiguration) {
  CodexConfig config = CodexConfig::FromText(
      kPath, "model_provider = \"foo\"\n[model_providers.foo]\nbase_url = \"x\"\n");
  ASSERT_TRUE(config.warning());
  EXPECT_EQ(config.warning()->details, "/h/config.toml:2:1: missing field `name`");
  EXPECT_EQ(config.ReadResponse(false).status().message(),
            "invalid configuration: missing field `name`\nin `model_providers.foo`\n");
  EXPECT_EQ(config.defaults().model_provider, "openai");
}

TEST(CodexConfigTest, RequestOverridesLaidOverTheConfiguration) {
  CodexConfig config = CodexConfig::FromText(kPath, "model = \"m\"\n");
  const SessionDefaults base = config.defaults();
  absl::StatusOr<SessionDefaults> none = config.ApplyRequestOverrides(nullptr, base);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->model, "m");
  absl::StatusOr<SessionDefaults> applied =
      config.ApplyRequestOverrides({{"model", "o3"},
                                    {"approval_policy", "never"},
                                    {"sandbox_mode", "workspace-write"},
                                    {"approvals_reviewer", "guardian_subagent"},
                                    {"model_reasoning_effort", "high"},
                                    {"model_providers.foo.name", "Foo"},
                                    {"model_provider", "foo"},
                                    {"unknown.key", 5}},
                                   base);
  ASSERT_TRUE(applied.ok()) << applied.status();
  EXPECT_EQ(applied->model, "o3");
  EXPECT_EQ(applied->approval_policy, "never");
  EXPECT_EQ(applied->sandbox_mode, "workspace-write");
  EXPECT_EQ(applied->approvals_reviewer, "guardian_subagent");
  EXPECT_EQ(applied->reasoning_effort, "high");
  EXPECT_EQ(applied->model_provider, "foo");
  EXPECT_EQ(config.ApplyRequestOverrides({{"model_provider", "ollama"}}, base)->model_provider,
            "ollama");
  const std::pair<json, std::string> refused[] = {
      {{{"model", 5}},
       "failed to load configuration: invalid type: integer `5`, expected a string\nin `model`\n"},
      {{{"model_reasoning_effort", "zzz"}},
       "failed to load configuration: unknown variant `zzz`, expected one of `none`, `minimal`, "
       "`low`, `medium`, `high`, `xhigh`\nin `model_reasoning_effort`\n"},
      {{{"model_provider", "zz"}}, "failed to load configuration: Model provider `zz` not found"},
      {{{"model_providers.foo.base_url", "x"}},
       "failed to load configuration: missing field `name`\nin `model_providers.foo`\n"},
  };
  for (const auto& [overrides, message] : refused) {
    absl::StatusOr<SessionDefaults> result = config.ApplyRequestOverrides(overrides, base);
    ASSERT_FALSE(result.ok()) << overrides;
    EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(result.status().message(), message) << overrides;
  }
}

TEST(CodexConfigTest, AnUnusableConfigurationRefusesNewSessionsUnlessTheRequestFixesIt) {
  CodexConfig typed = CodexConfig::FromText(kPath, "model = 5\n");
  absl::StatusOr<SessionDefaults> refused = typed.ApplyRequestOverrides(nullptr, typed.defaults());
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().message(),
            "failed to load configuration: /h/config.toml:1:9: invalid type: integer `5`, expected "
            "a string");
  // Codex takes a request that sets the key at fault.
  absl::StatusOr<SessionDefaults> fixed =
      typed.ApplyRequestOverrides({{"model", "x"}}, typed.defaults());
  ASSERT_TRUE(fixed.ok()) << fixed.status();
  EXPECT_EQ(fixed->model, "x");
  EXPECT_FALSE(typed.ApplyRequestOverrides({{"approval_policy", "never"}}, typed.defaults()).ok());

  CodexConfig unknown = CodexConfig::FromText(kPath, "model_provider = \"zz\"\n");
  EXPECT_EQ(unknown.ApplyRequestOverrides(nullptr, unknown.defaults()).status().message(),
            "failed to load configuration: Model provider `zz` not found");
  EXPECT_TRUE(
      unknown.ApplyRequestOverrides({{"model_provider", "openai"}}, unknown.defaults()).ok());

  CodexConfig syntax = CodexConfig::FromText(kPath, "this is not toml\n");
  absl::StatusOr<SessionDefaults> broken =
      syntax.ApplyRequestOverrides({{"model", "x"}}, syntax.defaults());
  ASSERT_FALSE(broken.ok());
  EXPECT_TRUE(absl::StartsWith(broken.status().message(),
                               "failed to load configuration: /h/config.toml:1:"))
      << broken.status();
}

}  // namespace
}  // namespace threadlog::api
