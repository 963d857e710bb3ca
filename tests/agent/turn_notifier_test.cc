// TurnNotifier: each event of a turn becomes the notifications Codex 0.117.0's app-server sends
// for it (shapes as in golden/TURNS_117.md).
#include "api/agent/turn_notifier.h"

#include "gtest/gtest.h"

namespace threadlog::agent {
namespace {

using nlohmann::json;

std::vector<std::string> Methods(const std::vector<Notification>& ns) {
  std::vector<std::string> out;
  for (const Notification& n : ns) out.push_back(n.method);
  return out;
}

TEST(TurnNotifierTest, ALifecycleFromStartedToCompleted) {
  TurnNotifier n("t1", "u1");
  std::vector<Notification> started = n.On(EventKind::kEventMsg, {{"type", "task_started"}});
  ASSERT_EQ(started.size(), 1u);
  EXPECT_EQ(started[0].method, "turn/started");
  EXPECT_EQ(started[0].params, json::parse(R"({"threadId": "t1", "turn": {"id": "u1", "items": [],
                            "status": "inProgress", "error": null}})"));
  EXPECT_TRUE(n.On(EventKind::kResponseItem, {{"type", "message"}}).empty());
  EXPECT_TRUE(n.On(EventKind::kEventMsg, {{"type", "agent_message"}}).empty());
  const auto delta =
      n.On(EventKind::kEventMsg,
           {{"type", "agent_message_content_delta"}, {"item_id", "m"}, {"delta", "Hi"}});
  ASSERT_EQ(delta.size(), 1u);
  EXPECT_EQ(delta[0].params, json::parse(R"({"threadId": "t1", "turnId": "u1", "itemId": "m",
                                             "delta": "Hi"})"));
  const auto completed = n.On(EventKind::kEventMsg, {{"type", "task_complete"}});
  ASSERT_EQ(completed.size(), 1u);
  EXPECT_EQ(completed[0].params["turn"]["status"], "completed");
}

TEST(TurnNotifierTest, TokenCountIsUsageThenRateLimits) {
  TurnNotifier n("t1", "u1");
  const json usage = {{"input_tokens", 1234},
                      {"cached_input_tokens", 200},
                      {"output_tokens", 56},
                      {"reasoning_output_tokens", 20},
                      {"total_tokens", 1290}};
  const json limits = {{"limit_id", "codex"},  {"limit_name", nullptr}, {"primary", nullptr},
                       {"secondary", nullptr}, {"credits", nullptr},    {"plan_type", nullptr}};
  // The first request of a thread: no usage yet, only the rate limits.
  EXPECT_EQ(Methods(n.On(EventKind::kEventMsg,
                         {{"type", "token_count"}, {"info", nullptr}, {"rate_limits", limits}})),
            std::vector<std::string>{"account/rateLimits/updated"});
  const auto both = n.On(EventKind::kEventMsg, {{"type", "token_count"},
                                                {"info",
                                                 {{"total_token_usage", usage},
                                                  {"last_token_usage", usage},
                                                  {"model_context_window", 258400}}},
                                                {"rate_limits", limits}});
  ASSERT_EQ(Methods(both),
            (std::vector<std::string>{"thread/tokenUsage/updated", "account/rateLimits/updated"}));
  EXPECT_EQ(both[0].params["tokenUsage"]["total"],
            json::parse(R"({"totalTokens": 1290, "inputTokens": 1234, "cachedInputTokens": 200,
                            "outputTokens": 56, "reasoningOutputTokens": 20})"));
  EXPECT_EQ(both[0].params["tokenUsage"]["modelContextWindow"], 258400);
  EXPECT_EQ(both[1].params["rateLimits"]["limitId"], "codex");
}

TEST(TurnNotifierTest, AnErrorFailsTheTurnARetryDoesNot) {
  TurnNotifier n("t1", "u1");
  const auto retry = n.On(EventKind::kEventMsg, {{"type", "stream_error"},
                                                 {"error", {{"message", "Reconnecting... 1/1"}}}});
  ASSERT_EQ(retry.size(), 1u);
  EXPECT_EQ(retry[0].params["willRetry"], true);
  const auto error = n.On(EventKind::kEventMsg, {{"type", "error"},
                                                 {"message", "Quota exceeded."},
                                                 {"codex_error_info", "usage_limit_exceeded"}});
  ASSERT_EQ(error.size(), 1u);
  EXPECT_EQ(error[0].params["willRetry"], false);
  EXPECT_EQ(error[0].params["error"],
            json::parse(R"({"message": "Quota exceeded.", "codexErrorInfo": "usageLimitExceeded",
                            "additionalDetails": null})"));
  const auto completed = n.On(EventKind::kEventMsg, {{"type", "task_complete"}});
  EXPECT_EQ(completed[0].params["turn"]["status"], "failed");
  EXPECT_EQ(completed[0].params["turn"]["error"], error[0].params["error"]);
}

TEST(TurnNotifierTest, AbortedIsInterruptedPlanStatusesInCamelCase) {
  TurnNotifier n("t1", "u1");
  const auto plan = n.On(EventKind::kEventMsg,
                         json::parse(R"({"type": "plan_update", "explanation": "Three steps.",
                           "plan": [{"step": "a", "status": "in_progress"},
                                    {"step": "b", "status": "pending"}]})"));
  ASSERT_EQ(plan.size(), 1u);
  EXPECT_EQ(plan[0].method, "turn/plan/updated");
  EXPECT_EQ(plan[0].params["plan"][0]["status"], "inProgress");
  EXPECT_EQ(plan[0].params["explanation"], "Three steps.");
  const auto aborted = n.On(EventKind::kEventMsg, {{"type", "turn_aborted"}});
  EXPECT_EQ(aborted[0].params["turn"]["status"], "interrupted");
  EXPECT_TRUE(aborted[0].params["turn"]["error"].is_null());
}

TEST(TurnNotifierTest, ReasoningDeltasAndParts) {
  TurnNotifier n("t1", "u1");
  EXPECT_EQ(
      n.On(EventKind::kEventMsg,
           {{"type", "agent_reasoning_section_break"}, {"item_id", "r"}, {"summary_index", 1}})[0]
          .params,
      json::parse(R"({"threadId": "t1", "turnId": "u1", "itemId": "r", "summaryIndex": 1})"));
  EXPECT_EQ(n.On(EventKind::kEventMsg, {{"type", "reasoning_content_delta"},
                                        {"item_id", "r"},
                                        {"delta", "x"},
                                        {"summary_index", 1}})[0]
                .method,
            "item/reasoning/summaryTextDelta");
  EXPECT_EQ(n.On(EventKind::kEventMsg, {{"type", "reasoning_raw_content_delta"},
                                        {"item_id", "r"},
                                        {"delta", "x"},
                                        {"content_index", 0}})[0]
                .method,
            "item/reasoning/textDelta");
}

}  // namespace
}  // namespace threadlog::agent
