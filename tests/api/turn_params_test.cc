// turn/start, turn/steer, turn/interrupt params: Codex 0.117.0's error texts (golden
// tests/agent/golden/TURNS_117.md, scenario errors) and the overrides each field sets.
#include "api/turn_params.h"

#include "gtest/gtest.h"

namespace threadlog::api {
namespace {

using nlohmann::json;

const char kThread[] = "01a230bf-b773-7752-9a57-8d0e59e4cbe7";

json Start(json extra) {
  json p = {{"threadId", kThread}, {"input", {{{"type", "text"}, {"text", "hi"}}}}};
  p.update(extra);
  return p;
}

TEST(TurnStartParamsTest, CodexsErrors) {
  EXPECT_EQ(ParseTurnStart(json{{"input", json::array()}}).status().message(),
            "Invalid request: missing field `threadId`");
  EXPECT_EQ(ParseTurnStart(json{{"threadId", kThread}}).status().message(),
            "Invalid request: missing field `input`");
  EXPECT_EQ(ParseTurnStart(Start({{"input", "Say hello."}})).status().message(),
            "Invalid request: invalid type: string \"Say hello.\", expected a sequence");
  // A bad thread id is the handler's error, once the rest is read.
  absl::StatusOr<TurnStartParams> bad_id = ParseTurnStart(Start({{"threadId", "not-a-thread"}}));
  ASSERT_TRUE(bad_id.ok());
  EXPECT_EQ(bad_id->thread.status().message(),
            "invalid thread id: invalid character: expected an optional prefix of `urn:uuid:` "
            "followed by [0-9a-fA-F-], found `n` at 1");
  EXPECT_FALSE(ParseTurnStart(Start({{"effort", "extreme"}})).ok());
  EXPECT_FALSE(ParseTurnStart(Start({{"summary", 3}})).ok());
  EXPECT_FALSE(ParseTurnStart(Start({{"sandboxPolicy", {{"type", "open"}}}})).ok());
  EXPECT_FALSE(ParseTurnStart(Start({{"approvalPolicy", "sometimes"}})).ok());
}

TEST(TurnStartParamsTest, CollaborationModeIsRead) {
  absl::StatusOr<TurnStartParams> plan =
      ParseTurnStart(Start({{"collaborationMode",
                             {{"mode", "plan"},
                              {"settings",
                               {{"model", "gpt-5.2"},
                                {"reasoning_effort", "high"},
                                {"developer_instructions", "X"}}}}}}));
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_TRUE(plan->overrides.collaboration_mode.has_value());
  EXPECT_EQ(plan->overrides.collaboration_mode->mode, "plan");
  EXPECT_EQ(plan->overrides.collaboration_mode->model, "gpt-5.2");
  EXPECT_EQ(plan->overrides.collaboration_mode->reasoning_effort, "high");
  EXPECT_EQ(plan->overrides.collaboration_mode->developer_instructions, "X");
  // The old names read as default; settings other than the model may be left out.
  absl::StatusOr<TurnStartParams> old = ParseTurnStart(Start(
      {{"collaborationMode", {{"mode", "pair_programming"}, {"settings", {{"model", "m"}}}}}}));
  ASSERT_TRUE(old.ok()) << old.status();
  EXPECT_EQ(old->overrides.collaboration_mode->mode, "default");
  EXPECT_FALSE(old->overrides.collaboration_mode->reasoning_effort.has_value());
  EXPECT_FALSE(old->overrides.collaboration_mode->developer_instructions.has_value());
  EXPECT_FALSE(
      ParseTurnStart(Start(json::object())).value().overrides.collaboration_mode.has_value());
  EXPECT_EQ(ParseTurnStart(
                Start({{"collaborationMode", {{"mode", "plan"}, {"settings", json::object()}}}}))
                .status()
                .message(),
            "Invalid request: missing field `model`");
  EXPECT_FALSE(
      ParseTurnStart(Start({{"collaborationMode",
                             {{"mode", "plan"},
                              {"settings", {{"model", "m"}, {"reasoning_effort", "max"}}}}}}))
          .ok());
}

TEST(TurnStartParamsTest, OverridesAreRead) {
  absl::StatusOr<TurnStartParams> p = ParseTurnStart(Start(
      {{"model", "gpt-5.1-codex-mini"},
       {"effort", "high"},
       {"summary", "detailed"},
       {"cwd", "/srv/other"},
       {"approvalPolicy", "on-request"},
       {"personality", "friendly"},
       {"sandboxPolicy",
        {{"type", "workspaceWrite"}, {"writableRoots", {"/tmp/extra"}}, {"networkAccess", true}}},
       {"outputSchema", {{"type", "object"}}}}));
  ASSERT_TRUE(p.ok()) << p.status();
  const agent::TurnOverrides& o = p->overrides;
  EXPECT_EQ(o.model, "gpt-5.1-codex-mini");
  EXPECT_EQ(o.effort, "high");
  EXPECT_EQ(o.summary, "detailed");
  EXPECT_EQ(o.cwd, "/srv/other");
  EXPECT_EQ(o.approval_policy, json("on-request"));
  EXPECT_EQ(o.personality, "friendly");
  EXPECT_EQ(o.sandbox_mode, "workspace-write");
  EXPECT_EQ(o.network_access, true);
  EXPECT_EQ(o.writable_roots, std::vector<std::string>{"/tmp/extra"});
  EXPECT_EQ(o.output_schema, json({{"type", "object"}}));
  // An external sandbox reads as full access with its own network setting.
  p = ParseTurnStart(
      Start({{"sandboxPolicy", {{"type", "externalSandbox"}, {"networkAccess", "enabled"}}}}));
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->overrides.sandbox_mode, "danger-full-access");
  EXPECT_EQ(p->overrides.network_access, true);
}

TEST(TurnSteerParamsTest, RequiredFields) {
  EXPECT_EQ(
      ParseTurnSteer(json{{"threadId", kThread}, {"input", json::array()}}).status().message(),
      "Invalid request: missing field `expectedTurnId`");
  absl::StatusOr<TurnSteerParams> p = ParseTurnSteer(
      json{{"threadId", kThread}, {"expectedTurnId", "t"}, {"input", json::array()}});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->expected_turn_id, "t");
}

TEST(TurnInterruptParamsTest, RequiredFields) {
  EXPECT_EQ(ParseTurnInterrupt(json{{"threadId", kThread}}).status().message(),
            "Invalid request: missing field `turnId`");
  absl::StatusOr<TurnInterruptParams> p =
      ParseTurnInterrupt(json{{"threadId", kThread}, {"turnId", "x"}});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->turn_id, "x");
}

}  // namespace
}  // namespace threadlog::api
