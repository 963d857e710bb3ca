// ResponseHandler: stream events to items, deltas and calls, in Codex 0.117.0's order.
#include "api/agent/response_handler.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "api/agent/prompt.h"

namespace threadlog::agent {
namespace {

using nlohmann::json;

// The item id clients see: the provider's, else one of ours.
std::string IdOf(const json& item) {
  const json id = item.value("id", json());
  return id.is_string() && !id.get<std::string>().empty() ? id.get<std::string>() : NewItemId();
}

}  // namespace

void ResponseHandler::EnablePlanMode(std::string thread_id, std::string turn_id) {
  plan_mode_ = true;
  thread_id_ = std::move(thread_id);
  turn_id_ = std::move(turn_id);
  plan_id_ = absl::StrCat(turn_id_, "-plan");
}

void ResponseHandler::OnEvent(const ResponseEvent& event) {
  between_events_();
  if (!announced_) {
    // Codex records the usage so far and the rate limits as soon as the provider answers.
    announced_ = true;
    Emit({token_count_()});
  }
  if (const auto* added = std::get_if<OutputItemAddedEvent>(&event)) {
    Started(added->item);
  } else if (const auto* delta = std::get_if<OutputTextDeltaEvent>(&event)) {
    if (message_id_.empty()) Started({{"type", "message"}, {"role", "assistant"}});
    if (plan_mode_) {
      TellPieces(parser_.Feed(delta->delta));
    } else {
      TellMessageDelta(delta->delta);
    }
  } else if (const auto* summary = std::get_if<ReasoningSummaryDeltaEvent>(&event)) {
    if (reasoning_id_.empty()) Started({{"type", "reasoning"}});
    Emit({Msg({{"type", "reasoning_content_delta"},
               {"item_id", reasoning_id_},
               {"delta", summary->delta},
               {"summary_index", summary->summary_index}})});
  } else if (const auto* part = std::get_if<ReasoningSummaryPartAddedEvent>(&event)) {
    if (reasoning_id_.empty()) Started({{"type", "reasoning"}});
    Emit({Msg({{"type", "agent_reasoning_section_break"},
               {"item_id", reasoning_id_},
               {"summary_index", part->summary_index}})});
  } else if (const auto* text = std::get_if<ReasoningTextDeltaEvent>(&event)) {
    if (reasoning_id_.empty()) Started({{"type", "reasoning"}});
    Emit({Msg({{"type", "reasoning_raw_content_delta"},
               {"item_id", reasoning_id_},
               {"delta", text->delta},
               {"content_index", text->content_index}})});
  } else if (const auto* done = std::get_if<OutputItemDoneEvent>(&event)) {
    Done(done->item);
  }
}

void ResponseHandler::Emit(const std::vector<TurnEvent>& events) {
  if (!status_.ok()) return;
  status_ = writer_.Emit(events, Durability::kBuffered);
}

void ResponseHandler::Started(const json& item) {
  const std::string type = item.value("type", "");
  if (type == "message" && item.value("role", "") == "assistant") {
    message_id_ = IdOf(item);
    message_phase_ = item.value("phase", json());
    message_started_ = false;
    plan_started_ = false;
    // In plan mode Codex starts the agentMessage only with its first visible text.
    if (!plan_mode_) StartMessage();
  } else if (type == "reasoning") {
    reasoning_id_ = IdOf(item);
    const json started = {{"type", "reasoning"},
                          {"id", reasoning_id_},
                          {"summary", json::array()},
                          {"content", json::array()}};
    Emit({Msg({{"type", "item_started"}, {"item", started}})});
  }
}

void ResponseHandler::StartMessage() {
  if (message_started_) return;
  message_started_ = true;
  const json started = {{"type", "agentMessage"},
                        {"id", message_id_},
                        {"text", ""},
                        {"phase", message_phase_},
                        {"memoryCitation", nullptr}};
  Emit({Msg({{"type", "item_started"}, {"item", started}})});
}

void ResponseHandler::TellMessageDelta(const std::string& delta) {
  StartMessage();
  Emit(
      {Msg({{"type", "agent_message_content_delta"}, {"item_id", message_id_}, {"delta", delta}})});
}

void ResponseHandler::StartPlan() {
  if (plan_started_) return;
  plan_started_ = true;
  Emit({Msg({{"type", "item_started"},
             {"thread_id", thread_id_},
             {"turn_id", turn_id_},
             {"item", {{"type", "Plan"}, {"id", plan_id_}, {"text", ""}}}})});
}

void ResponseHandler::TellPieces(const std::vector<ProposedPlanParser::Piece>& pieces) {
  using Kind = ProposedPlanParser::Piece::Kind;
  for (const ProposedPlanParser::Piece& piece : pieces) {
    if (piece.kind == Kind::kText) {
      TellMessageDelta(piece.text);
    } else if (piece.kind == Kind::kPlanStart) {
      StartPlan();
    } else if (piece.kind == Kind::kPlan) {
      Emit({Msg({{"type", "plan_delta"},
                 {"thread_id", thread_id_},
                 {"turn_id", turn_id_},
                 {"item_id", plan_id_},
                 {"delta", piece.text}})});
    }
  }
}

// A plan-mode message: the plan item (the completed text's last block: authoritative) and the
// visible text as the agent message; the history keeps the raw text, tags and all.
void ResponseHandler::PlanModeMessageDone(const json& item) {
  TellPieces(parser_.Finish());
  const SplitPlanMessage split = SplitProposedPlan(OutputText(item));
  std::vector<TurnEvent> events;
  if (split.plan || plan_started_) {
    StartPlan();
    events.push_back(Msg(
        {{"type", "item_completed"},
         {"thread_id", thread_id_},
         {"turn_id", turn_id_},
         {"item",
          {{"type", "Plan"}, {"id", plan_id_}, {"text", split.plan.value_or(std::string())}}}}));
  }
  const bool visible = !split.visible.empty() || message_started_;
  if (visible) {
    StartMessage();
    events.push_back(Msg({{"type", "agent_message"},
                          {"message", split.visible},
                          {"phase", message_phase_},
                          {"memory_citation", nullptr}}));
  }
  events.push_back(Item(item));
  if (visible) {
    events.push_back(Msg({{"type", "item_completed"},
                          {"item",
                           {{"type", "agentMessage"},
                            {"id", message_id_},
                            {"text", split.visible},
                            {"phase", message_phase_},
                            {"memoryCitation", nullptr}}}}));
    last_agent_message_ = split.visible;
  }
  message_id_.clear();
  Emit(events);
  if (status_.ok()) history_.Append(item);
}

void ResponseHandler::Done(const json& raw) {
  const std::string type = raw.value("type", "");
  const json item = NormalizeResponseItem(raw);
  std::vector<TurnEvent> events;
  bool is_call = false;
  if (type == "message" && raw.value("role", "") == "assistant" && plan_mode_) {
    if (message_id_.empty()) Started(raw);
    return PlanModeMessageDone(item);
  }
  if (type == "message" && raw.value("role", "") == "assistant") {
    if (message_id_.empty()) Started(raw);
    const std::string text = OutputText(item);
    const json phase = raw.value("phase", json());
    events.push_back(Msg({{"type", "agent_message"},
                          {"message", text},
                          {"phase", phase},
                          {"memory_citation", nullptr}}));
    events.push_back(Item(item));
    const json completed = {{"type", "agentMessage"},
                            {"id", message_id_},
                            {"text", text},
                            {"phase", phase},
                            {"memoryCitation", nullptr}};
    events.push_back(Msg({{"type", "item_completed"}, {"item", completed}}));
    last_agent_message_ = text;
    message_id_.clear();
  } else if (type == "reasoning") {
    if (reasoning_id_.empty()) Started(raw);
    json summary = json::array();
    json content = json::array();
    for (const json& part : item.value("summary", json::array())) {
      summary.push_back(part.value("text", ""));
      events.push_back(Msg({{"type", "agent_reasoning"}, {"text", part.value("text", "")}}));
    }
    if (const json raw_content = item.value("content", json()); raw_content.is_array()) {
      for (const json& part : raw_content) {
        if (!part.is_object()) continue;
        content.push_back(part.value("text", ""));
        events.push_back(
            Msg({{"type", "agent_reasoning_raw_content"}, {"text", part.value("text", "")}}));
      }
    }
    events.push_back(Item(item));
    const json completed = {
        {"type", "reasoning"}, {"id", reasoning_id_}, {"summary", summary}, {"content", content}};
    events.push_back(Msg({{"type", "item_completed"}, {"item", completed}}));
    reasoning_id_.clear();
  } else {
    events.push_back(Item(item));
    is_call = type == "function_call" || type == "custom_tool_call" || type == "local_shell_call";
  }
  Emit(events);
  if (!status_.ok()) return;
  history_.Append(item);
  if (is_call) status_ = begin_call_(item);
}

}  // namespace threadlog::agent
