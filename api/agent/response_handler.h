// ResponseHandler: one model response's stream turned into the turn's events — items started
// and completed as they arrive (a plan-mode message split into its plan and its visible text),
// deltas told, the history extended, the tool calls the response asks for begun at once.
#ifndef THREADLOG_API_AGENT_RESPONSE_HANDLER_H_
#define THREADLOG_API_AGENT_RESPONSE_HANDLER_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "api/agent/model_client.h"
#include "api/agent/proposed_plan.h"
#include "api/agent/turn_writer.h"
#include "nlohmann/json.hpp"
#include "projections/model_history.h"

namespace threadlog::agent {

// One per response, on the thread that runs the stream (ModelClient's callbacks); not
// thread-safe. Every reference must outlive it. After the first failed append nothing more is
// written and status() says why.
class ResponseHandler {
 public:
  // `token_count` makes the token_count event Codex records as soon as the provider answers;
  // `begin_call` begins a tool call whose item is done (ToolDispatcher::Begin);
  // `between_events` runs before each event (the dispatcher tells answers that arrived).
  ResponseHandler(TurnWriter& writer, ModelHistoryBuilder& history,
                  std::optional<std::string>& last_agent_message,
                  std::function<TurnEvent()> token_count,
                  std::function<absl::Status(const nlohmann::json&)> begin_call,
                  std::function<void()> between_events)
      : writer_(writer),
        history_(history),
        last_agent_message_(last_agent_message),
        token_count_(std::move(token_count)),
        begin_call_(std::move(begin_call)),
        between_events_(std::move(between_events)) {}

  // Plan mode: agent messages are parsed for <proposed_plan> blocks, which make the turn's plan
  // item (id "<turn id>-plan", as Codex names it); its agentMessage starts with its first
  // visible text.
  void EnablePlanMode(std::string thread_id, std::string turn_id);

  void OnEvent(const ResponseEvent& event);

  const absl::Status& status() const { return status_; }

 private:
  void Emit(const std::vector<TurnEvent>& events);
  void Started(const nlohmann::json& item);
  void StartMessage();
  void TellMessageDelta(const std::string& delta);
  void StartPlan();
  void TellPieces(const std::vector<ProposedPlanParser::Piece>& pieces);
  void PlanModeMessageDone(const nlohmann::json& item);
  void Done(const nlohmann::json& raw);

  TurnWriter& writer_;
  ModelHistoryBuilder& history_;
  std::optional<std::string>& last_agent_message_;
  std::function<TurnEvent()> token_count_;
  std::function<absl::Status(const nlohmann::json&)> begin_call_;
  std::function<void()> between_events_;
  bool announced_ = false;
  std::string message_id_;
  nlohmann::json message_phase_ = nullptr;
  bool message_started_ = false;  // its item_started is out
  std::string reasoning_id_;
  bool plan_mode_ = false;
  std::string thread_id_;
  std::string turn_id_;
  std::string plan_id_;
  bool plan_started_ = false;  // the plan item's item_started is out (for this message)
  ProposedPlanParser parser_;
  absl::Status status_;
};

}  // namespace threadlog::agent

#endif  // THREADLOG_API_AGENT_RESPONSE_HANDLER_H_
