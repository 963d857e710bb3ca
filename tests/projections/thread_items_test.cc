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
  EXPECT_EQ(item["source"], "agent");
}

TEST(ThreadItems, CommandSourceMapping) {
  Json p = ExecEnd();
  const std::pair<const char*, const char*> kSources[] = {
      {"agent", "agent"},
      {"user_shell", "userShell"},
      {"unified_exec_startup", "unifiedExecStartup"},
      {"unified_exec_interaction", "unifiedExecInteraction"}};
  for (const auto& [rollout, v2] : kSources) {
    p["source"] = rollout;
    EXPECT_EQ(CommandExecutionItem(p, false)["source"], v2);
  }
  p.erase("source");  // files older than the field: Codex's default
  EXPECT_EQ(CommandExecutionItem(p, true)["source"], "agent");
  p["source"] = nullptr;  // 0.117.0 rejects these lines
  EXPECT_THROW(CommandExecutionItem(p, true), BadPayload);
  p["source"] = "robot";
  EXPECT_THROW(CommandExecutionItem(p, true), BadPayload);
}

TEST(ThreadItems, AgentMessageWithMemoryCitation) {
  const Json item = *AgentMessageItem(Json::parse(R"({"message":"m","phase":"commentary",
    "memory_citation":{"entries":[{"path":"M.md","lineStart":1,"lineEnd":2,"note":"n"}],
    "rolloutIds":["r1"]}})"));
  EXPECT_EQ(item, Json::parse(R"({"type":"agentMessage","text":"m","phase":"commentary",
    "memoryCitation":{"entries":[{"path":"M.md","lineStart":1,"lineEnd":2,"note":"n"}],
    "threadIds":["r1"]}})"));
  EXPECT_TRUE((*AgentMessageItem(Json::parse(R"({"message":"m"})")))["memoryCitation"].is_null());
  EXPECT_FALSE(AgentMessageItem(Json::parse(R"({"message":""})")).has_value());
  // Both lists are required, entries need every field, line numbers are u32: Codex skips such
  // a line, even when its text is empty.
  for (const char* bad : {R"({"entries":[]})", R"({"rolloutIds":[]})",
                          R"({"entries":[{"path":"p","lineStart":1,"note":"n"}],"rolloutIds":[]})",
                          R"({"entries":[{"path":"p","lineStart":-1,"lineEnd":1,"note":"n"}],
                              "rolloutIds":[]})",
                          R"({"entries":[],"thread_ids":[]})"}) {
    Json p = Json::parse(R"({"message":""})");
    p["memory_citation"] = Json::parse(bad);
    EXPECT_ANY_THROW(AgentMessageItem(p)) << bad;
  }
  EXPECT_THROW(AgentMessageItem(Json::parse(R"({"message":"m","phase":"loud"})")), BadPayload);
}

TEST(ThreadItems, SpawnEventsCarryModelAndEffort) {
  Json p = Json::parse(R"({"call_id":"c","sender_thread_id":"s","prompt":"p","model":"gpt",
    "reasoning_effort":"xhigh","new_thread_id":"r","status":"running"})");
  const Json begin = *CollabItem("collab_agent_spawn_begin", p);
  EXPECT_EQ(begin["model"], "gpt");
  EXPECT_EQ(begin["reasoningEffort"], "xhigh");
  EXPECT_EQ((*CollabItem("collab_agent_spawn_end", p))["status"], "completed");
  // Other collab tools name neither.
  const Json close =
      *CollabItem("collab_close_begin", Json::parse(R"({"call_id":"c","sender_thread_id":"s",
    "receiver_thread_id":"r"})"));
  EXPECT_TRUE(close["model"].is_null());
  EXPECT_TRUE(close["reasoningEffort"].is_null());
  // A spawn event as 0.113.0 wrote it (no model, no effort) is rejected, as is a null or
  // unknown effort.
  Json old = p;
  old.erase("model");
  EXPECT_ANY_THROW(CollabItem("collab_agent_spawn_begin", old));
  old = p;
  old["reasoning_effort"] = nullptr;
  EXPECT_ANY_THROW(CollabItem("collab_agent_spawn_end", old));
  old["reasoning_effort"] = "extreme";
  EXPECT_THROW(CollabItem("collab_agent_spawn_begin", old), BadPayload);
}

TEST(ThreadItems, ImageGenerationSavedPathOnlyWhenNamed) {
  const Json end = Json::parse(R"({"call_id":"i","status":"completed","result":"B",
    "saved_path":"/tmp/x.png"})");
  EXPECT_EQ(ImageGenerationItem(end, true)["savedPath"], "/tmp/x.png");
  Json no_path = end;
  no_path["saved_path"] = nullptr;
  EXPECT_FALSE(ImageGenerationItem(no_path, true).contains("savedPath"));
  EXPECT_FALSE(ImageGenerationItem(end, false).contains("savedPath"));
}

struct HookCase {
  const char* text;
  const char* body;    // nullptr: not a hook prompt
  const char* run_id;  // when it is one
};

// Each row is what Codex 0.117.0 made of the text (tests/projections/golden/all_items and a
// probe of the binary, see projections/TURNS.md).
TEST(ThreadItems, HookPromptFragmentsReadLikeCodex) {
  const HookCase kCases[] = {
      {R"(<hook_prompt hook_run_id="run-1">fix &amp; retry</hook_prompt>)", "fix & retry", "run-1"},
      {"  <hook_prompt hook_run_id=\"r\">  spaced  </hook_prompt>\n", "  spaced  ", "r"},
      {R"(<HOOK_PROMPT hook_run_id='r'>x</HOOK_PROMPT>)", "x", "r"},
      {R"(<other hook_run_id="r">x</other>)", "x", "r"},
      {R"(<hook_prompt hook_run_id="r">x</hook_prompt> tail)", "x", "r"},
      {R"(<hook_prompt hook_run_id="r">x<!-- c -->y</hook_prompt>)", "xy", "r"},
      {R"(<hook_prompt hook_run_id="r">a<![CDATA[<z>]]>b</hook_prompt>)", "a<z>b", "r"},
      {R"(<hook_prompt hook_run_id="r">&#65;&#x42;</hook_prompt>)", "AB", "r"},
      {R"(<hook_prompt hook_run_id = "r" >x</hook_prompt >)", "x", "r"},
      {R"(<?xml version="1.0"?><hook_prompt hook_run_id="r">x</hook_prompt>)", "x", "r"},
      {R"(<hook_prompt hook_run_id="r">a > b</hook_prompt>)", "a > b", "r"},
      {R"(<hook_prompt hook_run_id="r">a<b>c</b></hook_prompt>)", "a", "r"},
      {R"(<hook_prompt hook_run_id="r&quot;1">x &lt;y&gt;</hook_prompt>)", "x <y>", "r\"1"},
      {R"(<hook_prompt hook_run_id="r" extra="1">e</hook_prompt>)", "e", "r"},
      {"<hook_prompt hook_run_id=\"r\">line1\nline2</hook_prompt>", "line1\nline2", "r"},
      {R"(<hook_prompt hook_run_id="r">a<b>c</b>d</hook_prompt>)", nullptr, nullptr},
      {R"(<hook_prompt hook_run_id="r"/>)", nullptr, nullptr},
      {R"(<hook_prompt>x</hook_prompt>)", nullptr, nullptr},
      {R"(<hook_prompt hook_run_id=" ">x</hook_prompt>)", nullptr, nullptr},
      {R"(<hook_prompt hook_run_id="r">&foo;</hook_prompt>)", nullptr, nullptr},
      {R"(<hook_prompt hook_run_id="r">a &amp b</hook_prompt>)", nullptr, nullptr},
      {R"(<hook_prompt hook_run_id="r">x</other>)", nullptr, nullptr},
      {R"(<hook_prompt hook_run_id="r" hook_run_id="s">x</hook_prompt>)", nullptr, nullptr},
      {R"(<hook_prompt hook_run_id="r"><b>c</b></hook_prompt>)", nullptr, nullptr},
      {R"(<hook_prompt hook_run_id="r">   </hook_prompt>)", nullptr, nullptr},
      {R"(<hook_prompt hook_run_id="r"></hook_prompt>)", nullptr, nullptr},
      {R"(<hook_prompt hook_run_id="r">a<br/>b</hook_prompt>)", nullptr, nullptr},
      {R"(<hook_prompt hook_run_id="r">unterminated)", nullptr, nullptr},
      {"plain text", nullptr, nullptr},
      {"", nullptr, nullptr},
  };
  for (const HookCase& c : kCases) {
    std::optional<HookPromptFragment> got = ParseHookPromptFragment(c.text);
    if (c.body == nullptr) {
      EXPECT_FALSE(got.has_value()) << c.text << " -> " << (got ? got->text : "");
      continue;
    }
    ASSERT_TRUE(got.has_value()) << c.text;
    EXPECT_EQ(got->text, c.body) << c.text;
    EXPECT_EQ(got->hook_run_id, c.run_id) << c.text;
  }
}

TEST(ThreadItems, HookPromptMessageNeedsOnlyFragments) {
  const auto message = [](const char* content) {
    Json m = Json::parse(R"({"type":"message","role":"user"})");
    m["content"] = Json::parse(content);
    return m;
  };
  EXPECT_EQ(*HookPromptFragments(message(R"([
      {"type":"input_text","text":"<hook_prompt hook_run_id=\"a\">x</hook_prompt>"},
      {"type":"input_text","text":"<hook_prompt hook_run_id=\"b\">y</hook_prompt>"}])")),
            Json::parse(R"([{"text":"x","hookRunId":"a"},{"text":"y","hookRunId":"b"}])"));
  EXPECT_FALSE(HookPromptFragments(message(R"([
      {"type":"input_text","text":"<hook_prompt hook_run_id=\"a\">x</hook_prompt>"},
      {"type":"input_text","text":"typed"}])")));
  EXPECT_FALSE(HookPromptFragments(message(R"([
      {"type":"input_text","text":"<hook_prompt hook_run_id=\"a\">x</hook_prompt>"},
      {"type":"input_image","image_url":"data:"}])")));
  EXPECT_FALSE(HookPromptFragments(message("[]")));
  Json developer = message(R"([
      {"type":"input_text","text":"<hook_prompt hook_run_id=\"a\">x</hook_prompt>"}])");
  developer["role"] = "developer";
  EXPECT_FALSE(HookPromptFragments(developer));
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
  // A refused turn/start or turn/steer does not fail the running turn.
  EXPECT_FALSE(TurnErrorOf(Json::parse(R"({"message":"m","codex_error_info":
      {"active_turn_not_steerable":{"turn_kind":"compact"}}})"))
                   .has_value());
  EXPECT_THROW(TurnErrorOf(Json::parse(R"({"message":"m","codex_error_info":
      {"active_turn_not_steerable":{"turn_kind":"other"}}})")),
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
