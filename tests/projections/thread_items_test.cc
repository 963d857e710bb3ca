// The per-event ThreadItem converters: shapes, defaults and what they reject.
#include "projections/internal/thread_items.h"

#include "gtest/gtest.h"

namespace threadlog::internal {
namespace {

Json ExecEnd() {
  return Json::parse(R"({"type":"exec_command_end","call_id":"c1","turn_id":"t1",
    "command":["ls","a b"],"cwd":"/w","parsed_cmd":[{"type":"list_files","cmd":"ls","path":null}],
    "source":"agent","stdout":"","stderr":"","aggregated_output":"out","exit_code":2,
    "duration":{"secs":3,"nanos":4999999},"formatted_output":"","status":"failed"})");
}

TEST(ThreadItems, TrimUnicodeMatchesRustTrim) {
  EXPECT_EQ(TrimUnicode("  a b\t\n"), "a b");
  EXPECT_EQ(TrimUnicode("\xC2\xA0x\xE3\x80\x80"), "x");  // NBSP, ideographic space
  EXPECT_EQ(TrimUnicode("\xE2\x80\x83"), "");            // em space only
  EXPECT_EQ(TrimUnicode("日本"), "日本");
  EXPECT_EQ(TrimUnicode(""), "");
}

TEST(ThreadItems, CommandExecutionEnd) {
  const Json item = CommandExecutionItem(ExecEnd(), /*end=*/true);
  EXPECT_EQ(item["command"], "ls 'a b'");
  EXPECT_EQ(item["status"], "failed");
  EXPECT_EQ(item["aggregatedOutput"], "out");
  EXPECT_EQ(item["exitCode"], 2);
  EXPECT_EQ(item["durationMs"], 3004);  // whole milliseconds, truncated
  EXPECT_EQ(item["commandActions"],
            Json::parse(R"([{"type":"listFiles","command":"ls","path":null}])"));
  EXPECT_TRUE(item["processId"].is_null());
  EXPECT_FALSE(item.contains("source"));  // not part of 0.113.0's CommandExecution
}

TEST(ThreadItems, CommandExecutionBeginHasNoOutcome) {
  const Json item = CommandExecutionItem(ExecEnd(), /*end=*/false);
  EXPECT_EQ(item["status"], "inProgress");
  EXPECT_TRUE(item["aggregatedOutput"].is_null());
  EXPECT_TRUE(item["exitCode"].is_null());
  EXPECT_TRUE(item["durationMs"].is_null());
}

TEST(ThreadItems, EmptyOutputIsNull) {
  Json p = ExecEnd();
  p["aggregated_output"] = "";
  EXPECT_TRUE(CommandExecutionItem(p, true)["aggregatedOutput"].is_null());
  p.erase("aggregated_output");
  EXPECT_TRUE(CommandExecutionItem(p, true)["aggregatedOutput"].is_null());
}

TEST(ThreadItems, RejectsWhatCodexCannotParse) {
  Json p = ExecEnd();
  p["status"] = "weird";
  EXPECT_THROW(CommandExecutionItem(p, true), BadPayload);
  p = ExecEnd();
  p.erase("call_id");
  EXPECT_THROW(CommandExecutionItem(p, true), Json::exception);
  p = ExecEnd();
  p["parsed_cmd"][0]["type"] = "teleport";
  EXPECT_THROW(CommandExecutionItem(p, true), BadPayload);
  p = ExecEnd();
  p["duration"]["secs"] = -1;
  EXPECT_THROW(CommandExecutionItem(p, true), BadPayload);
}

TEST(ThreadItems, UserInputsOrderAndBlankText) {
  const Json p = Json::parse(R"({"message":" \n","images":["u1"],"local_images":["/p"],
    "text_elements":[]})");
  EXPECT_EQ(UserInputs(p), Json::parse(R"([{"type":"image","url":"u1"},
    {"type":"localImage","path":"/p"}])"));
  const Json q = Json::parse(R"({"message":"hi","images":null,
    "text_elements":[{"byte_range":{"start":0,"end":2}}]})");
  EXPECT_EQ(UserInputs(q), Json::parse(R"([{"type":"text","text":"hi",
    "text_elements":[{"byteRange":{"start":0,"end":2},"placeholder":null}]}])"));
}

TEST(ThreadItems, UserInputsRejectNullDefaultedLists) {
  EXPECT_THROW(UserInputs(Json::parse(R"({"message":"m","text_elements":null})")), BadPayload);
  EXPECT_THROW(UserInputs(Json::parse(R"({"message":"m","local_images":null})")), BadPayload);
  // Elements are checked even when blank text drops them, as Codex parses the whole line.
  EXPECT_THROW(UserInputs(Json::parse(R"({"message":" ","text_elements":[{"byte_range":{}}]})")),
               Json::exception);
  EXPECT_EQ(UserInputs(Json::parse(R"({"message":"m"})")).size(), 1u);
}

TEST(ThreadItems, FileChangesSortedWithMoveNote) {
  const Json p = Json::parse(R"({"call_id":"p","turn_id":"","auto_approved":true,"changes":{
    "/b":{"type":"update","unified_diff":"d","move_path":"/c"},"/a":{"type":"add","content":"x"}}})");
  const Json item = FileChangeItem(p, /*end=*/false);
  EXPECT_EQ(item["status"], "inProgress");
  ASSERT_EQ(item["changes"].size(), 2u);
  EXPECT_EQ(item["changes"][0]["path"], "/a");
  EXPECT_EQ(item["changes"][1]["diff"], "d\n\nMoved to: /c");
  EXPECT_EQ(item["changes"][1]["kind"], Json::parse(R"({"type":"update","move_path":"/c"})"));
}

TEST(ThreadItems, McpErrorAndIsError) {
  Json p = Json::parse(R"({"call_id":"m","invocation":{"server":"s","tool":"t"},
    "duration":{"secs":0,"nanos":0},"result":{"Err":"boom"}})");
  Json item = McpToolCallItem(p, true);
  EXPECT_EQ(item["status"], "failed");
  EXPECT_EQ(item["error"]["message"], "boom");
  EXPECT_TRUE(item["arguments"].is_null());
  p["result"] = Json::parse(R"({"Ok":{"content":[],"isError":true}})");
  item = McpToolCallItem(p, true);
  EXPECT_EQ(item["status"], "failed");
  EXPECT_TRUE(item["result"]["structuredContent"].is_null());
}

TEST(ThreadItems, TurnErrorMapping) {
  EXPECT_FALSE(
      TurnErrorOf(Json::parse(R"({"message":"m","codex_error_info":"thread_rollback_failed"})"))
          .has_value());
  EXPECT_EQ(
      *TurnErrorOf(Json::parse(R"({"message":"m","codex_error_info":"usage_limit_exceeded"})")),
      Json::parse(R"({"message":"m","codexErrorInfo":"usageLimitExceeded",
              "additionalDetails":null})"));
  EXPECT_EQ((*TurnErrorOf(Json::parse(
                R"({"message":"m","codex_error_info":{"response_too_many_failed_attempts":{}}})")))
                ["codexErrorInfo"],
            Json::parse(R"({"responseTooManyFailedAttempts":{"httpStatusCode":null}})"));
  EXPECT_THROW(TurnErrorOf(Json::parse(R"({"message":"m","codex_error_info":"new_kind"})")),
               BadPayload);
}

TEST(ThreadItems, CollabWaitEndSortsReceiversAndFails) {
  const Json p = Json::parse(R"({"call_id":"w","sender_thread_id":"s",
    "statuses":{"b":"running","a":{"errored":"x"}}})");
  const Json item = *CollabItem("collab_waiting_end", p);
  EXPECT_EQ(item["receiverThreadIds"], Json::parse(R"(["a","b"])"));
  EXPECT_EQ(item["status"], "failed");
  EXPECT_EQ(item["agentsStates"]["a"], Json::parse(R"({"status":"errored","message":"x"})"));
  EXPECT_FALSE(CollabItem("collab_unknown", p).has_value());
}

TEST(ThreadItems, ReviewTexts) {
  EXPECT_EQ(EnteredReviewText(Json::parse(R"({"target":{"type":"uncommittedChanges"}})")),
            "Review requested.");
  EXPECT_EQ(ExitedReviewText(Json::parse(R"({"review_output":{"findings":[],
    "overall_correctness":"c","overall_explanation":" ok ","overall_confidence_score":1}})")),
            "ok");
  EXPECT_EQ(ExitedReviewText(Json::object()), "Reviewer failed to output a response.");
}

TEST(ThreadItems, PlanOnlyWhenNonEmptyPlan) {
  EXPECT_FALSE(PlanItemOf(Json::parse(R"({"turn_id":"t","thread_id":"x",
    "item":{"type":"Plan","id":"p","text":""}})"))
                   .has_value());
  EXPECT_FALSE(PlanItemOf(Json::parse(R"({"turn_id":"t","thread_id":"x",
    "item":{"type":"Reasoning","id":"r","summary_text":[]}})"))
                   .has_value());
  const auto plan = PlanItemOf(Json::parse(R"({"turn_id":"t","thread_id":"x",
    "item":{"type":"Plan","id":"p","text":"1."}})"));
  ASSERT_TRUE(plan.has_value());
  EXPECT_EQ(plan->first, "t");
  EXPECT_EQ(plan->second, Json::parse(R"({"type":"plan","id":"p","text":"1."})"));
}

}  // namespace
}  // namespace threadlog::internal
