// Tests for the persistence table and Extended-mode truncation.
#include "eventlog/persistence_policy.h"

#include <algorithm>
#include <fstream>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace threadlog {
namespace {

using M = PersistenceMode;

bool Kept(M mode, std::string_view type, std::string_view payload = "{}") {
  return IsPersisted(mode, EventKind::kEventMsg, type, payload);
}

TEST(PersistencePolicyTest, TableIsSortedAndCoversEveryEventMsgOfTheSchema) {
  auto rules = EventMsgRules();
  EXPECT_TRUE(std::is_sorted(rules.begin(), rules.end(),
                             [](const auto& a, const auto& b) { return a.type < b.type; }));
  std::ifstream in(std::string(THREADLOG_SOURCE_DIR) + "/tests/fixtures/EventMsg.json");
  ASSERT_TRUE(in) << "tests/fixtures/EventMsg.json (copied from the 0.113.0 schema) is missing";
  nlohmann::json schema = nlohmann::json::parse(in);
  int checked = 0;
  for (const auto& variant : schema["oneOf"]) {
    std::string type = variant["properties"]["type"]["enum"][0];
    bool found =
        std::any_of(rules.begin(), rules.end(), [&](const auto& r) { return r.type == type; });
    EXPECT_TRUE(found) << type << " has no persistence rule";
    ++checked;
  }
  EXPECT_EQ(checked, 78);
}

TEST(PersistencePolicyTest, LimitedTypesAreKeptInBothModes) {
  for (const char* t :
       {"user_message", "agent_message", "agent_reasoning", "agent_reasoning_raw_content",
        "token_count", "thread_name_updated", "context_compacted", "entered_review_mode",
        "exited_review_mode", "thread_rolled_back", "undo_completed", "turn_aborted",
        "task_started", "task_complete", "image_generation_end"}) {
    EXPECT_TRUE(Kept(M::kLimited, t)) << t;
    EXPECT_TRUE(Kept(M::kExtended, t)) << t;
  }
}

TEST(PersistencePolicyTest, ExtendedOnlyTypes) {
  for (const char* t :
       {"error", "web_search_end", "exec_command_end", "patch_apply_end", "mcp_tool_call_end",
        "view_image_tool_call", "collab_agent_spawn_end", "collab_agent_interaction_end",
        "collab_waiting_end", "collab_close_end", "collab_resume_end", "dynamic_tool_call_request",
        "dynamic_tool_call_response", "guardian_assessment"}) {
    EXPECT_FALSE(Kept(M::kLimited, t)) << t;
    EXPECT_TRUE(Kept(M::kExtended, t)) << t;
  }
}

TEST(PersistencePolicyTest, NeverPersistedTypes) {
  for (const char* t : {"agent_message_delta", "exec_command_begin", "exec_command_output_delta",
                        "exec_approval_request", "session_configured", "warning", "turn_diff",
                        "plan_update", "item_started", "plan_delta", "mcp_tool_call_begin",
                        "shutdown_complete", "stream_error", "request_user_input"}) {
    EXPECT_FALSE(Kept(M::kLimited, t)) << t;
    EXPECT_FALSE(Kept(M::kExtended, t)) << t;
  }
}

TEST(PersistencePolicyTest, ItemCompletedOnlyForPlans) {
  EXPECT_TRUE(Kept(M::kLimited, "item_completed", R"({"item":{"type":"Plan","text":"x"}})"));
  EXPECT_FALSE(Kept(M::kLimited, "item_completed", R"({"item":{"type":"AgentMessage"}})"));
  EXPECT_FALSE(Kept(M::kExtended, "item_completed", "not json"));
}

TEST(PersistencePolicyTest, UnknownTypesOnlyInExtendedAndOtherKindsAlways) {
  EXPECT_FALSE(Kept(M::kLimited, "brand_new_event"));
  EXPECT_TRUE(Kept(M::kExtended, "brand_new_event"));
  for (EventKind k : {EventKind::kSessionMeta, EventKind::kResponseItem, EventKind::kTurnContext,
                      EventKind::kCompacted, EventKind::kThreadArchived}) {
    EXPECT_TRUE(IsPersisted(M::kLimited, k, "anything", "{}"));
  }
}

TEST(TruncateMiddleTest, KeepsTextThatFitsAndCutsAtTheExactBoundary) {
  std::string fits(kPersistedExecOutputMaxBytes, 'a');
  EXPECT_EQ(TruncateMiddle(fits, kPersistedExecOutputMaxBytes), fits);
  std::string over = fits + "b";
  std::string cut = TruncateMiddle(over, kPersistedExecOutputMaxBytes);
  EXPECT_EQ(cut, std::string(5000, 'a') + "…1 chars truncated…" + std::string(4999, 'a') + "b");
}

TEST(TruncateMiddleTest, NeverSplitsUtf8) {
  // "é" is two bytes: budget 5 -> head budget 2 (one é), tail budget 3 -> one é (ceil boundary).
  std::string s = "éééééé";  // 12 bytes, 6 chars
  EXPECT_EQ(TruncateMiddle(s, 5), "é…4 chars truncated…é");
  std::string snowmen = "☃☃☃☃";                  // 3-byte chars
  std::string out = TruncateMiddle(snowmen, 4);  // head 2 -> 0 bytes, tail 2 -> 0 bytes
  EXPECT_EQ(out, "…4 chars truncated…");
  EXPECT_EQ(TruncateMiddle("abc", 0), "…3 chars truncated…");
}

TEST(ApplyPersistencePolicyTest, ExtendedExecEndIsSanitizedLimitedDropsIt) {
  NewEvent e;
  e.kind = EventKind::kEventMsg;
  e.type = "exec_command_end";
  nlohmann::ordered_json payload = {{"type", "exec_command_end"},
                                    {"call_id", "c1"},
                                    {"stdout", "out"},
                                    {"stderr", "err"},
                                    {"aggregated_output", std::string(12000, 'z')},
                                    {"exit_code", 0},
                                    {"formatted_output", "fmt"}};
  e.payload = JsonText::Serialize(payload);
  auto limited = ApplyPersistencePolicy(M::kLimited, e);
  ASSERT_TRUE(limited.ok());
  EXPECT_FALSE(limited->has_value());
  auto extended = ApplyPersistencePolicy(M::kExtended, e);
  ASSERT_TRUE(extended.ok() && extended->has_value());
  auto stored = nlohmann::ordered_json::parse((*extended)->payload.str());
  EXPECT_EQ(stored["stdout"], "");
  EXPECT_EQ(stored["stderr"], "");
  EXPECT_EQ(stored["formatted_output"], "");
  EXPECT_EQ(stored["aggregated_output"],
            std::string(5000, 'z') + "…2000 chars truncated…" + std::string(5000, 'z'));
  EXPECT_EQ(stored.begin().key(), "type");  // field order kept
  NewEvent msg;
  msg.type = "user_message";
  msg.payload = *JsonText::Parse(R"({"type":"user_message","message":"hi"})");
  auto kept = ApplyPersistencePolicy(M::kLimited, msg);
  ASSERT_TRUE(kept.ok() && kept->has_value());
  EXPECT_EQ((*kept)->payload, msg.payload);
}

}  // namespace
}  // namespace threadlog
