// ToolDispatcher: update_plan, the thread's dynamic tools (asked of the client with
// item/tool/call), the outputs the model reads, the order they join the history in.
#include "api/agent/tool_dispatch.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/notification.h"
#include "api/agent/prompt.h"
#include "eventlog/json_parse.h"
#include "projections/thread_json.h"

namespace threadlog::agent {

using nlohmann::json;

// A call of the running response.
struct ToolDispatcher::Call {
  json item;
  std::string name;
  std::string call_id;
  std::optional<json> output;  // known at once (update_plan, an unknown tool)
  // A dynamic tool's request to the client; the answer arrives on another thread.
  struct Answer {
    // Settled once, by the client's answer or by the turn giving up on it: whoever sets
    // `settled` first writes `result`, then notifies.
    std::atomic<bool> settled{false};
    absl::Notification arrived;
    absl::StatusOr<json> result = absl::UnknownError("no answer");

    void Settle(absl::StatusOr<json> value) {
      if (settled.exchange(true)) return;
      result = std::move(value);
      arrived.Notify();
    }
  };
  std::shared_ptr<Answer> answer;
  json arguments;
  std::chrono::steady_clock::time_point started;
  absl::Time asked;     // when item/tool/call went out
  json request_event;   // dynamic_tool_call_request, stored with the output
  json response_event;  // dynamic_tool_call_response, once the answer is in (else null)
};

namespace {

// The dynamic_tool_call_response event for a call whose answer arrived.
template <typename CallT>
json ResponseEventOf(const CallT& call, const std::string& turn_id) {
  const absl::StatusOr<json>& answer = call.answer->result;
  const int64_t nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(
                            std::chrono::steady_clock::now() - call.started)
                            .count();
  json content_items = json::array();
  bool success = false;
  json error = nullptr;
  if (answer.ok() && answer->is_object()) {
    content_items = answer->value("contentItems", json::array());
    if (!content_items.is_array()) content_items = json::array();
    success = answer->value("success", false);
  } else {
    const std::string why = answer.ok() ? std::string("the client's answer is not an object")
                                        : std::string(answer.status().message());
    error = why;
    content_items = json::array({{{"type", "inputText"}, {"text", why}}});
  }
  return {{"type", "dynamic_tool_call_response"},
          {"call_id", call.call_id},
          {"turn_id", turn_id},
          {"tool", call.name},
          {"arguments", call.arguments},
          {"content_items", content_items},
          {"success", success},
          {"error", error},
          {"duration",
           {{"secs", static_cast<uint64_t>(nanos / 1000000000)},
            {"nanos", static_cast<uint64_t>(nanos % 1000000000)}}}};
}

// The output item answering `call`: function_call_output, or custom_tool_call_output for a
// freeform tool.
json CallOutput(const json& call, json output) {
  const bool custom = call.value("type", "") == "custom_tool_call";
  return {{"type", custom ? "custom_tool_call_output" : "function_call_output"},
          {"call_id", call.value("call_id", "")},
          {"output", std::move(output)}};
}

// A dynamic tool's answer as the model reads it: the text alone when every item is text (one
// string, as Codex sends it), else the items as input_text / input_image.
json DynamicToolOutput(const json& content_items) {
  bool text_only = true;
  std::vector<std::string> texts;
  json parts = json::array();
  for (const json& c : content_items) {
    if (!c.is_object()) continue;
    if (c.value("type", "") == "inputText") {
      texts.push_back(c.value("text", ""));
      parts.push_back({{"type", "input_text"}, {"text", c.value("text", "")}});
    } else if (c.value("type", "") == "inputImage") {
      text_only = false;
      parts.push_back({{"type", "input_image"}, {"image_url", c.value("imageUrl", "")}});
    }
  }
  return text_only ? json(absl::StrJoin(texts, "\n")) : parts;
}
}  // namespace

ToolDispatcher::ToolDispatcher(ToolTurn turn, TurnWriter& writer, ClientRequests& requests)
    : turn_(std::move(turn)), writer_(writer), requests_(requests) {
  specs_ = json::array({UpdatePlanToolSpec()});
  for (const json& tool : turn_.dynamic_tools) {
    if (std::optional<json> spec = DynamicToolSpec(tool)) {
      specs_.push_back(*std::move(spec));
      dynamic_names_.push_back(tool.value("name", ""));
    }
  }
}

ToolDispatcher::~ToolDispatcher() = default;

absl::Status ToolDispatcher::Begin(const json& item) {
  auto call = std::make_unique<Call>();
  call->item = item;
  call->name = item.value("name", "");
  call->call_id = item.value("call_id", "");
  absl::Status status;
  const bool function = item.value("type", "") == "function_call";
  if (function && call->name == "update_plan" && turn_.plan_mode) {
    call->output = UpdatePlanRefusedInPlanMode();
  } else if (function && call->name == "update_plan") {
    absl::StatusOr<json> args = ParseJson(item.value("arguments", ""));
    if (!args.ok() || !args->is_object() || !args->contains("plan") ||
        !(*args)["plan"].is_array()) {
      call->output = absl::StrCat(
          "failed to parse function arguments: ",
          args.ok() ? std::string("missing field `plan`") : std::string(args.status().message()));
    } else {
      status = writer_.Emit({Msg({{"type", "plan_update"},
                                  {"explanation", args->value("explanation", json())},
                                  {"plan", (*args)["plan"]}})},
                            Durability::kBuffered);
      call->output = "Plan updated";
    }
  } else if (function && std::find(dynamic_names_.begin(), dynamic_names_.end(), call->name) !=
                             dynamic_names_.end()) {
    absl::StatusOr<json> args = ParseJson(item.value("arguments", "{}"));
    call->arguments = args.ok() ? *args : json(item.value("arguments", ""));
    call->request_event = {{"type", "dynamic_tool_call_request"},
                           {"callId", call->call_id},
                           {"turnId", turn_.turn_id},
                           {"tool", call->name},
                           {"arguments", call->arguments}};
    // Clients see the call start now; its events are stored with its output (Codex's order).
    if (std::optional<json> shown = DynamicToolCallItemOfEvent(call->request_event, false)) {
      writer_.Tell({Msg({{"type", "item_started"}, {"item", *shown}})});
    }
    call->answer = std::make_shared<Call::Answer>();
    call->started = std::chrono::steady_clock::now();
    call->asked = absl::Now();
    requests_.Send(turn_.caller, "item/tool/call",
                   {{"threadId", turn_.thread_id},
                    {"turnId", turn_.turn_id},
                    {"callId", call->call_id},
                    {"tool", call->name},
                    {"arguments", call->arguments}},
                   [answer = call->answer](absl::StatusOr<json> result) {
                     answer->Settle(std::move(result));
                   });
  } else {
    call->output = absl::StrCat("unsupported call: ", call->name);
  }
  pending_.push_back(std::move(call));
  return status;
}

void ToolDispatcher::TellAnswered() {
  for (const std::unique_ptr<Call>& call : pending_) {
    if (!call->answer || !call->response_event.is_null() ||
        !call->answer->arrived.HasBeenNotified()) {
      continue;
    }
    call->response_event = ResponseEventOf(*call, turn_.turn_id);
    if (std::optional<json> shown = DynamicToolCallItemOfEvent(call->response_event, true)) {
      writer_.Tell({Msg({{"type", "item_completed"}, {"item", *shown}})});
    }
  }
}

absl::Status ToolDispatcher::AnswerAll(CancelToken& cancel, ModelHistoryBuilder& history) {
  while (!pending_.empty()) {
    Call& call = *pending_.front();
    std::vector<TurnEvent> events;
    json output;
    if (call.output) {
      output = *call.output;
    } else {
      // Counted from when the client was asked, not from when the response ended.
      const absl::Time give_up = call.asked + turn_.dynamic_tool_timeout;
      while (!call.answer->arrived.WaitForNotificationWithTimeout(absl::Milliseconds(50))) {
        if (cancel.cancelled()) return absl::CancelledError("the turn was interrupted");
        if (absl::Now() >= give_up) {
          // A client that never answers fails the call, not the turn.
          call.answer->Settle(absl::DeadlineExceededError(
              absl::StrCat("the client did not answer item/tool/call within ",
                           absl::FormatDuration(turn_.dynamic_tool_timeout))));
        }
      }
      TellAnswered();
      events.push_back(Msg(call.request_event));
      events.push_back(Msg(call.response_event));
      output = DynamicToolOutput(call.response_event["content_items"]);
    }
    const json output_item = CallOutput(call.item, std::move(output));
    events.push_back(Item(output_item));
    if (absl::Status st = writer_.Emit(events, Durability::kBuffered); !st.ok()) return st;
    history.Append(output_item);
    pending_.erase(pending_.begin());
  }
  return absl::OkStatus();
}

std::vector<TurnEvent> ToolDispatcher::AbortPending() {
  std::vector<TurnEvent> outputs;
  for (const std::unique_ptr<Call>& call : pending_) {
    outputs.push_back(Item(CallOutput(call->item, "aborted")));
  }
  pending_.clear();
  return outputs;
}

}  // namespace threadlog::agent
