// TurnNotifier: a running turn's events -> v2 notifications.
#include "api/agent/turn_notifier.h"

#include "projections/thread_json.h"

namespace threadlog::agent {
namespace {

using nlohmann::json;

json Breakdown(const json& usage) {
  return {{"totalTokens", usage.value("total_tokens", 0)},
          {"inputTokens", usage.value("input_tokens", 0)},
          {"cachedInputTokens", usage.value("cached_input_tokens", 0)},
          {"outputTokens", usage.value("output_tokens", 0)},
          {"reasoningOutputTokens", usage.value("reasoning_output_tokens", 0)}};
}

json RateLimitsJson(const json& limits) {
  if (!limits.is_object()) return nullptr;
  return {{"limitId", limits.value("limit_id", json())},
          {"limitName", limits.value("limit_name", json())},
          {"primary", limits.value("primary", json())},
          {"secondary", limits.value("secondary", json())},
          {"credits", limits.value("credits", json())},
          {"planType", limits.value("plan_type", json())}};
}

// update_plan's snake_case statuses as v2 spells them.
std::string PlanStatus(const std::string& status) {
  if (status == "in_progress") return "inProgress";
  return status;
}

}  // namespace

json TurnErrorFromEvent(const json& payload) {
  std::optional<json> error = TurnErrorOfErrorEvent(payload);
  if (error) return *error;
  return {{"message", payload.value("message", "")},
          {"codexErrorInfo", nullptr},
          {"additionalDetails", nullptr}};
}

json TurnNotifier::TurnJson(const char* status) const {
  return {{"id", turn_id_},
          {"items", json::array()},
          {"status", status},
          {"error", std::string_view(status) == "failed" ? error_ : json(nullptr)}};
}

std::vector<Notification> TurnNotifier::On(EventKind kind, const json& payload) {
  std::vector<Notification> out;
  if (kind != EventKind::kEventMsg) return out;
  const std::string type = payload.value("type", "");
  const json ids = {{"threadId", thread_id_}, {"turnId", turn_id_}};
  auto with_ids = [&](json params) {
    params.update(ids);
    return params;
  };
  if (type == "task_started") {
    out.push_back({"turn/started", {{"threadId", thread_id_}, {"turn", TurnJson("inProgress")}}});
  } else if (type == "item_started" || type == "item_completed") {
    json item = payload.value("item", json::object());
    if (item.is_object() && item.value("type", "") == "Plan") {
      // The one item kept in Codex's core form (it is persisted): the v2 plan item.
      item = {{"type", "plan"}, {"id", item.value("id", "")}, {"text", item.value("text", "")}};
    }
    out.push_back({type == "item_started" ? "item/started" : "item/completed",
                   with_ids({{"item", std::move(item)}})});
  } else if (type == "exec_command_output_delta") {
    // threadlog's form of the event (never stored): the output as text, not base64.
    out.push_back(
        {"item/commandExecution/outputDelta", with_ids({{"itemId", payload.value("call_id", "")},
                                                        {"delta", payload.value("delta", "")}})});
  } else if (type == "file_change_output_delta") {
    out.push_back(
        {"item/fileChange/outputDelta", with_ids({{"itemId", payload.value("call_id", "")},
                                                  {"delta", payload.value("delta", "")}})});
  } else if (type == "turn_diff") {
    out.push_back({"turn/diff/updated", with_ids({{"diff", payload.value("unified_diff", "")}})});
  } else if (type == "terminal_interaction") {
    out.push_back({"item/commandExecution/terminalInteraction",
                   with_ids({{"itemId", payload.value("call_id", "")},
                             {"processId", payload.value("process_id", "")},
                             {"stdin", payload.value("stdin", "")}})});
  } else if (type == "plan_delta") {
    out.push_back({"item/plan/delta", with_ids({{"itemId", payload.value("item_id", "")},
                                                {"delta", payload.value("delta", "")}})});
  } else if (type == "agent_message_content_delta") {
    out.push_back({"item/agentMessage/delta", with_ids({{"itemId", payload.value("item_id", "")},
                                                        {"delta", payload.value("delta", "")}})});
  } else if (type == "reasoning_content_delta") {
    out.push_back({"item/reasoning/summaryTextDelta",
                   with_ids({{"itemId", payload.value("item_id", "")},
                             {"delta", payload.value("delta", "")},
                             {"summaryIndex", payload.value("summary_index", 0)}})});
  } else if (type == "reasoning_raw_content_delta") {
    out.push_back({"item/reasoning/textDelta",
                   with_ids({{"itemId", payload.value("item_id", "")},
                             {"delta", payload.value("delta", "")},
                             {"contentIndex", payload.value("content_index", 0)}})});
  } else if (type == "agent_reasoning_section_break") {
    out.push_back({"item/reasoning/summaryPartAdded",
                   with_ids({{"itemId", payload.value("item_id", "")},
                             {"summaryIndex", payload.value("summary_index", 0)}})});
  } else if (type == "token_count") {
    const json info = payload.value("info", json());
    if (info.is_object()) {
      out.push_back(
          {"thread/tokenUsage/updated",
           with_ids({{"tokenUsage",
                      {{"total", Breakdown(info.value("total_token_usage", json::object()))},
                       {"last", Breakdown(info.value("last_token_usage", json::object()))},
                       {"modelContextWindow", info.value("model_context_window", json())}}}})});
    }
    const json limits = RateLimitsJson(payload.value("rate_limits", json()));
    if (!limits.is_null()) {
      out.push_back({"account/rateLimits/updated", {{"rateLimits", limits}}});
    }
  } else if (type == "plan_update") {
    json plan = json::array();
    for (const json& step : payload.value("plan", json::array())) {
      if (!step.is_object()) continue;
      plan.push_back({{"step", step.value("step", "")},
                      {"status", PlanStatus(step.value("status", "pending"))}});
    }
    out.push_back(
        {"turn/plan/updated", with_ids({{"explanation", payload.value("explanation", json())},
                                        {"plan", std::move(plan)}})});
  } else if (type == "stream_error") {
    out.push_back({"error", with_ids({{"error", payload.value("error", json::object())},
                                      {"willRetry", true}})});
  } else if (type == "error") {
    const json error = TurnErrorFromEvent(payload);
    if (TurnErrorOfErrorEvent(payload)) error_ = error;
    out.push_back({"error", with_ids({{"error", error}, {"willRetry", false}})});
  } else if (type == "model_reroute") {
    // 0.117.0 knows one reason; the event spells it snake_case, the notification camelCase.
    out.push_back({"model/rerouted", with_ids({{"fromModel", payload.value("from_model", "")},
                                               {"toModel", payload.value("to_model", "")},
                                               {"reason", "highRiskCyberActivity"}})});
  } else if (type == "context_compacted") {
    out.push_back({"thread/compacted", {{"threadId", thread_id_}, {"turnId", turn_id_}}});
  } else if (type == "turn_aborted") {
    out.push_back(
        {"turn/completed", {{"threadId", thread_id_}, {"turn", TurnJson("interrupted")}}});
  } else if (type == "task_complete") {
    out.push_back({"turn/completed",
                   {{"threadId", thread_id_},
                    {"turn", TurnJson(error_.is_null() ? "completed" : "failed")}}});
  }
  return out;
}

}  // namespace threadlog::agent
