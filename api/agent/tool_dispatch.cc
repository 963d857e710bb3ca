// ToolDispatcher: update_plan, the thread's dynamic tools (asked of the client with
// item/tool/call), exec_command/write_stdin and apply_patch with their approvals, the outputs the
// model reads, the order they join the history in.
#include "api/agent/tool_dispatch.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/notification.h"
#include "api/agent/apply_patch.h"
#include "api/agent/prompt.h"
#include "api/agent/shell_command.h"
#include "api/agent/view_image.h"
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
  absl::Time begun = absl::Now();
  // exec_command / write_stdin: the process, and what the output text says of it.
  std::shared_ptr<ExecSession> session;
  std::shared_ptr<ExecTeller> teller;  // the session's (a write_stdin reaches the exec's)
  absl::Time deadline;
  int64_t max_output_tokens = 10000;
  std::optional<std::string> stdin_chars;  // write_stdin
  // exec_command waiting for the user: the request's answer, and what runs once approved.
  std::shared_ptr<Answer> approval;
  std::function<void()> withdraw_approval;  // while it is unanswered
  std::optional<PreparedExec> prepared;
  bool approval_done = false;
  // apply_patch waiting for the user, and whether it came as exec_command (its output form).
  std::optional<PatchToolRun> patch;
  bool patch_exec_form = false;
};

// What clients hear of one unified exec process, from whichever thread: item/started when it
// starts, its output as it comes, item/completed (and exec_command_end, which the Extended
// persistence mode stores) when it ends — also after its turn is over, in that turn's name.
// Thread-safe.
struct ToolDispatcher::ExecTeller {
  ExecTeller(const TurnWriter& turn_writer, const std::string& thread_id, std::string turn)
      : thread(turn_writer.thread()),
        turn_id(std::move(turn)),
        notifier(thread_id, turn_id),
        writer(turn_writer.threads(), turn_writer.sink(), notifier, thread) {}

  void Tell(const std::vector<TurnEvent>& events) {
    absl::MutexLock lock(&mu);
    if (holding) {
      held.push_back({events, false});
      return;
    }
    writer.Tell(events);
  }
  // The exec_command_end and the completed item for a process that ended.
  void Completed(const ExecExit& exit, const std::string& aggregated, absl::Duration ran) {
    absl::MutexLock lock(&mu);
    const int64_t nanos = absl::ToInt64Nanoseconds(ran);
    const char* status = exit.code == 0 ? "completed" : "failed";
    json done = item;
    done["status"] = status;
    done["exitCode"] = exit.code;
    done["durationMs"] = nanos / 1000000;
    // Codex reports no output as null (its exec_command_end keeps "").
    done["aggregatedOutput"] = aggregated.empty() ? json(nullptr) : json(aggregated);
    const json end = {{"type", "exec_command_end"},
                      {"call_id", item.value("id", "")},
                      {"process_id", item.value("processId", "")},
                      {"turn_id", turn_id},
                      {"command", argv},
                      {"cwd", item.value("cwd", "")},
                      {"parsed_cmd", ParsedCommandJson(item["commandActions"])},
                      {"source", "unified_exec_startup"},
                      {"stdout", ""},
                      {"stderr", ""},
                      {"aggregated_output", aggregated},
                      {"exit_code", exit.code},
                      {"duration",
                       {{"secs", static_cast<uint64_t>(nanos / 1000000000)},
                        {"nanos", static_cast<uint64_t>(nanos % 1000000000)}}},
                      {"formatted_output", ""},
                      {"status", status}};
    std::vector<TurnEvent> events = {Msg(end), Msg({{"type", "item_completed"}, {"item", done}})};
    if (holding) {
      held_exit = {exit.code, aggregated, ran};
      held.push_back({std::move(events), true});
      return;
    }
    TellEnd(events);
  }

  // A command started on trial (holding): what it did, until it is told or dropped.
  struct HeldExit {
    int code = 0;
    std::string output;
    absl::Duration ran;
  };
  std::optional<HeldExit> HeldEnd() {
    absl::MutexLock lock(&mu);
    return held_exit;
  }
  // Tells item/started and then all that was held back (the command was not refused by the
  // sandbox, or nobody will ask).
  void Publish() {
    absl::MutexLock lock(&mu);
    holding = false;
    writer.Tell({Msg({{"type", "item_started"}, {"item", item}})});
    for (Held& h : held) {
      if (h.end) {
        TellEnd(h.events);
      } else {
        writer.Tell(h.events);
      }
    }
    held.clear();
  }

  absl::Mutex mu;
  const ThreadId thread;
  const std::string turn_id;
  TurnNotifier notifier ABSL_GUARDED_BY(mu);
  TurnWriter writer ABSL_GUARDED_BY(mu);
  json item;                      // the commandExecution item as started; set before any event
  std::vector<std::string> argv;  // the command as run (without the sandbox)
  // On trial: nothing is told (nor stored) until Publish; a trial that is dropped leaves no
  // trace.
  struct Held {
    std::vector<TurnEvent> events;
    bool end = false;  // exec_command_end (stored) and item/completed
  };
  bool holding ABSL_GUARDED_BY(mu) = false;
  std::vector<Held> held ABSL_GUARDED_BY(mu);
  std::optional<HeldExit> held_exit ABSL_GUARDED_BY(mu);

 private:
  void TellEnd(const std::vector<TurnEvent>& events) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    if (absl::Status st = writer.Append({events[0]}, Durability::kBuffered); !st.ok()) {
      // The thread may be gone from the log (archived, deleted); clients still hear the end.
      (void)st;
    }
    writer.Tell(events);
  }
};

namespace {

// An answer to item/commandExecution/requestApproval: {"decision": one of the
// CommandExecutionApprovalDecision forms}. Anything else is refused (the request stays pending).
absl::Status CheckCommandApprovalAnswer(const json& answer) {
  if (!answer.is_object() || !answer.contains("decision")) {
    return absl::InvalidArgumentError("the answer has no `decision`");
  }
  const json& d = answer["decision"];
  if (d.is_string()) {
    const std::string v = d.get<std::string>();
    if (v == "accept" || v == "acceptForSession" || v == "decline" || v == "cancel") {
      return absl::OkStatus();
    }
    return absl::InvalidArgumentError(absl::StrCat("unknown decision `", v, "`"));
  }
  if (d.is_object() && d.size() == 1 && d.contains("acceptWithExecpolicyAmendment")) {
    const json& a = d["acceptWithExecpolicyAmendment"];
    const json words = a.is_object() ? a.value("execpolicy_amendment", json()) : json();
    bool ok = words.is_array() && !words.empty();
    for (const json& w : words) ok = ok && w.is_string();
    if (ok) return absl::OkStatus();
    return absl::InvalidArgumentError(
        "acceptWithExecpolicyAmendment needs a non-empty execpolicy_amendment of strings");
  }
  return absl::InvalidArgumentError(absl::StrCat("not a decision: ", d.dump()));
}

// An answer to item/fileChange/requestApproval: {"decision": accept | acceptForSession | decline
// | cancel}.
absl::Status CheckFileChangeApprovalAnswer(const json& answer) {
  const json d = answer.is_object() ? answer.value("decision", json()) : json();
  if (d == "accept" || d == "acceptForSession" || d == "decline" || d == "cancel") {
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(absl::StrCat("not a file change decision: ", d.dump()));
}

// Codex 0.117.0's output for a command refused before it ran.
std::string RejectedOutput(const std::string& command, absl::string_view why) {
  return absl::StrCat("exec_command failed for `", command,
                      "`: CreateProcess { message: \"Rejected(\\\"", why, "\\\")\" }");
}

// Codex's words: a granular policy that lets no one approve running outside the sandbox.
constexpr absl::string_view kGranularSandboxRefusal =
    "approval required by policy, but AskForApproval::Granular.sandbox_approval is false";
// The approval request's reason when the sandbox refused a command.
constexpr absl::string_view kSandboxRetryReason = "command failed; retry without sandbox?";
// How long a command on trial is watched for the sandbox's refusal (Codex's 150 ms).
constexpr absl::Duration kTrialWait = absl::Milliseconds(150);

// Whether a command the sandbox refused may run again outside it once the user approves: under
// on-failure and untrusted, and granular with sandbox_approval (Codex 0.117.0).
bool RetriesOutsideSandbox(const ToolTurn::Exec& exec) {
  return exec.approval_policy == "on-failure" || exec.approval_policy == "untrusted" ||
         (exec.approval_policy == "granular" && exec.sandbox_approval);
}

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
  specs_ = json::array();
  if (turn_.exec) {
    specs_.push_back(ExecCommandToolSpec());
    specs_.push_back(WriteStdinToolSpec());
  }
  specs_.push_back(UpdatePlanToolSpec());
  if (turn_.exec && turn_.exec->apply_patch) specs_.push_back(ApplyPatchToolSpec());
  if (turn_.view_image) specs_.push_back(ViewImageToolSpec());
  for (const json& tool : turn_.dynamic_tools) {
    if (std::optional<json> spec = DynamicToolSpec(tool)) {
      specs_.push_back(*std::move(spec));
      dynamic_names_.push_back(tool.value("name", ""));
    }
  }
}

ToolDispatcher::~ToolDispatcher() {
  for (const std::function<void()>& withdraw : withdrawals_) withdraw();
}

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
  } else if (turn_.exec && turn_.exec->apply_patch && call->name == "apply_patch" &&
             (item.value("type", "") == "custom_tool_call" || function)) {
    // The freeform tool's input, or the function form's {"input": ...}.
    std::string text;
    if (function) {
      absl::StatusOr<json> args = ParseJson(item.value("arguments", ""));
      if (args.ok() && args->is_object() && (*args)["input"].is_string()) {
        text = (*args)["input"].get<std::string>();
      } else {
        call->output = "failed to parse function arguments: missing field `input`";
      }
    } else {
      text = item.value("input", "");
    }
    if (!call->output) BeginPatch(*call, text, turn_.exec->cwd, /*exec_form=*/false);
  } else if (function && turn_.view_image && call->name == "view_image") {
    ViewImageResult viewed = RunViewImage(item.value("arguments", ""), turn_.cwd);
    if (viewed.path) {
      // Clients see the image item at once; Extended history keeps view_image_tool_call.
      const json shown = {{"type", "imageView"}, {"id", call->call_id}, {"path", *viewed.path}};
      writer_.Tell({Msg({{"type", "item_started"}, {"item", shown}}),
                    Msg({{"type", "item_completed"}, {"item", shown}})});
      status = writer_.Append({Msg({{"type", "view_image_tool_call"},
                                    {"call_id", call->call_id},
                                    {"path", *viewed.path}})},
                              Durability::kBuffered);
    }
    call->output = std::move(viewed.output);
  } else if (function && turn_.exec && call->name == "exec_command") {
    BeginExec(*call, item);
  } else if (function && turn_.exec && call->name == "write_stdin") {
    BeginWriteStdin(*call, item);
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
    if (call.approval && !call.approval_done) {
      absl::Status st = call.patch ? AwaitPatchApproval(call, cancel) : AwaitApproval(call, cancel);
      if (!st.ok()) return st;
    }
    if (call.output) {
      output = *call.output;
    } else if (call.session) {
      bool cancelled = false;
      output = AnswerExec(call, cancel, cancelled);
      if (cancelled) return absl::CancelledError("the turn was interrupted");
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

namespace {

// The fileChange item of a planned patch (v2 FileUpdateChange per path).
json FileChangeItem(const std::string& id, const std::vector<FileChange>& changes,
                    const char* status) {
  json out = json::array();
  for (const FileChange& c : changes) {
    json kind;
    if (c.kind == FileChange::Kind::kAdd) {
      kind = {{"type", "add"}};
    } else if (c.kind == FileChange::Kind::kDelete) {
      kind = {{"type", "delete"}};
    } else {
      kind = {{"type", "update"}, {"move_path", c.move_path ? json(*c.move_path) : json()}};
    }
    out.push_back({{"path", c.path}, {"kind", kind}, {"diff", c.diff}});
  }
  return {{"type", "fileChange"}, {"id", id}, {"changes", out}, {"status", status}};
}

// The same changes as patch_apply_end records them (Codex's FileChange map by path).
json CoreChanges(const std::vector<FileChange>& changes) {
  json out = json::object();
  for (const FileChange& c : changes) {
    if (c.kind == FileChange::Kind::kAdd) {
      out[c.path] = {{"type", "add"}, {"content", c.diff}};
    } else if (c.kind == FileChange::Kind::kDelete) {
      out[c.path] = {{"type", "delete"}, {"content", c.diff}};
    } else {
      std::string diff = c.diff;
      if (c.move_path) diff = diff.substr(0, diff.rfind("\n\nMoved to: "));
      out[c.path] = {{"type", "update"},
                     {"unified_diff", diff},
                     {"move_path", c.move_path ? json(*c.move_path) : json()}};
    }
  }
  return out;
}

// Whether every file the plan writes lies under one of the policy's writable roots.
bool PatchWritable(const PatchPlan& plan, const SandboxPolicy& policy) {
  if (!policy.restricted()) return true;
  std::vector<std::filesystem::path> roots;
  for (const std::string& r : policy.writable_roots) {
    std::error_code ec;
    roots.push_back(std::filesystem::weakly_canonical(r, ec));
  }
  for (const PatchPlan::Write& w : plan.writes) {
    std::error_code ec;
    const std::filesystem::path target =
        std::filesystem::weakly_canonical(std::filesystem::path(w.path).lexically_normal(), ec);
    bool inside = false;
    for (const std::filesystem::path& root : roots) {
      auto [r, t] = std::mismatch(root.begin(), root.end(), target.begin(), target.end());
      inside = inside || r == root.end();
    }
    if (!inside) return false;
  }
  return true;
}

// The seconds a patch took, in tenths, as Rust displays an f32: "0", "0.1", "2".
double PatchSecondsValue(absl::Duration took) {
  return std::round(absl::ToDoubleSeconds(took) * 10) / 10;
}
std::string PatchSeconds(absl::Duration took) {
  const double v = PatchSecondsValue(took);
  return v == std::floor(v) ? absl::StrCat(static_cast<int64_t>(v)) : absl::StrFormat("%.1f", v);
}

}  // namespace

void ToolDispatcher::BeginPatch(Call& call, std::string_view text, const std::string& cwd,
                                bool exec_form) {
  const ToolTurn::Exec& exec = *turn_.exec;
  PatchToolRun run = PlanPatchTool(text, cwd);
  if (run.refusal) {
    call.output = *run.refusal;
    return;
  }
  call.patch_exec_form = exec_form;
  const bool writable = PatchWritable(run.plan, exec.policy);
  // Codex shows the change, then asks: under untrusted whatever the paths; under on-request,
  // on-failure and granular (with sandbox_approval) when it writes outside the sandbox's
  // writable roots. Otherwise such a patch is refused.
  const bool asks_outside = exec.approval_policy == "on-request" ||
                            exec.approval_policy == "on-failure" ||
                            (exec.approval_policy == "granular" && exec.sandbox_approval);
  if (exec.approval_policy == "untrusted" || (asks_outside && !writable)) {
    writer_.Tell({Msg({{"type", "item_started"},
                       {"item", FileChangeItem(call.call_id, run.plan.changes, "inProgress")}})});
    call.approval = std::make_shared<Call::Answer>();
    call.patch = std::move(run);
    if (exec.waiting_on_approval) exec.waiting_on_approval(true);
    call.withdraw_approval = requests_.Ask(turn_.caller, "item/fileChange/requestApproval",
                                           {{"threadId", turn_.thread_id},
                                            {"turnId", turn_.turn_id},
                                            {"itemId", call.call_id},
                                            {"reason", nullptr},
                                            {"grantRoot", nullptr}},
                                           turn_.thread_id, &CheckFileChangeApprovalAnswer,
                                           [answer = call.approval](absl::StatusOr<json> result) {
                                             answer->Settle(std::move(result));
                                           });
    return;
  }
  if (!writable) {
    call.output =
        "patch rejected: writing outside of the project; rejected by user approval settings";
    return;
  }
  writer_.Tell({Msg({{"type", "item_started"},
                     {"item", FileChangeItem(call.call_id, run.plan.changes, "inProgress")}})});
  call.output = FinishPatch(call, run);
}

std::string ToolDispatcher::FinishPatch(Call& call, const PatchToolRun& run) {
  const absl::Time start = absl::Now();
  turn_diff_.Before(run.plan);
  const PatchToolResult result = WritePatchTool(run);
  const char* status = result.failed ? "failed" : "completed";
  writer_.Tell({Msg(
      {{"type", "file_change_output_delta"}, {"call_id", call.call_id}, {"delta", result.text}})});
  const json end = {{"type", "patch_apply_end"},
                    {"call_id", call.call_id},
                    {"turn_id", turn_.turn_id},
                    {"stdout", result.failed ? "" : result.text},
                    {"stderr", result.failed ? result.text : ""},
                    {"success", !result.failed},
                    {"changes", CoreChanges(run.plan.changes)},
                    {"status", status}};
  // Stored in Extended mode; a log that refuses it fails nothing the model sees.
  (void)writer_.Append({Msg(end)}, Durability::kBuffered);
  writer_.Tell({Msg({{"type", "item_completed"},
                     {"item", FileChangeItem(call.call_id, run.plan.changes, status)}})});
  const std::string diff = turn_diff_.Diff();
  if (!diff.empty()) writer_.Tell({Msg({{"type", "turn_diff"}, {"unified_diff", diff}})});
  const int exit_code = result.failed ? 1 : 0;
  const absl::Duration took = (absl::Now() - start) + (start - call.begun);
  if (call.patch_exec_form) {
    // exec_command's apply_patch: its output as Codex's exec tool prints a patch run.
    nlohmann::ordered_json body;
    body["output"] = result.text;
    body["metadata"]["exit_code"] = exit_code;
    body["metadata"]["duration_seconds"] = PatchSecondsValue(took);
    return absl::StrCat("Wall time: ", PatchSeconds(took), " seconds\nOutput:\n", body.dump());
  }
  return absl::StrCat("Exit code: ", exit_code, "\nWall time: ", PatchSeconds(took),
                      " seconds\nOutput:\n", result.text);
}

absl::Status ToolDispatcher::AwaitPatchApproval(Call& call, CancelToken& cancel) {
  absl::StatusOr<json> answered = AwaitDecision(call, cancel);
  if (!answered.ok()) return answered.status();
  const json& decision = *answered;
  const ToolTurn::Exec& exec = *turn_.exec;
  PatchToolRun run = *std::move(call.patch);
  call.patch.reset();
  if (decision == "accept" || decision == "acceptForSession") {
    if (exec.waiting_on_approval) exec.waiting_on_approval(false);
    call.output = FinishPatch(call, run);
    return absl::OkStatus();
  }
  // Declined or cancelled: nothing is written.
  writer_.Tell({Msg({{"type", "item_completed"},
                     {"item", FileChangeItem(call.call_id, run.plan.changes, "declined")}})});
  if (exec.waiting_on_approval) exec.waiting_on_approval(false);
  if (decision == "cancel") {
    cancel.Cancel();
    return absl::CancelledError("the user cancelled the patch");
  }
  call.output = "patch rejected by user";
  return absl::OkStatus();
}

void ToolDispatcher::BeginExec(Call& call, const json& item) {
  const ToolTurn::Exec& exec = *turn_.exec;
  absl::StatusOr<ExecCommandArgs> args = ParseExecCommandArgs(item.value("arguments", ""));
  if (!args.ok()) {
    call.output = std::string(args.status().message());
    return;
  }
  PreparedExec p;
  p.argv = {args->shell.value_or(exec.shell), args->login ? "-lc" : "-c", args->cmd};
  p.run_argv = p.argv;
  // The login shell's profile ran once already (its environment is at hand) for the default
  // shell: the command runs with that environment, as `-c` (Codex's shell snapshot).
  if (args->login && exec.login_env && !args->shell) p.run_argv[1] = "-c";
  p.command = ShlexJoin(p.argv);
  std::filesystem::path cwd(exec.cwd);
  if (args->workdir && !args->workdir->empty()) cwd = cwd / *args->workdir;
  cwd = cwd.lexically_normal();
  p.cwd = cwd.string();
  if (p.cwd.size() > 1 && p.cwd.back() == '/') p.cwd.pop_back();
  // A command that is only an apply_patch heredoc is a patch (Codex intercepts it).
  absl::StatusOr<std::optional<ShellPatch>> shell_patch = ExtractShellPatch(p.argv);
  if (!shell_patch.ok()) {
    call.output =
        std::string(kVerificationFailedPrefix) + std::string(shell_patch.status().message());
    return;
  }
  if (shell_patch->has_value()) {
    std::string patch_cwd = p.cwd;
    if ((*shell_patch)->workdir) {
      patch_cwd = (std::filesystem::path(p.cwd) / *(*shell_patch)->workdir).string();
    }
    BeginPatch(call, (*shell_patch)->patch, patch_cwd, /*exec_form=*/true);
    return;
  }
  std::error_code ec;
  if (!std::filesystem::is_directory(cwd, ec)) {
    // Codex's words for a working directory that is not there.
    call.output = absl::StrCat(
        "exec_command failed for `", p.command,
        "`: CreateProcess { message: \"Rejected(\\\"Failed to create unified exec process: "
        "No such file or directory (os error 2)\\\")\" }");
    return;
  }
  p.tty = args->tty;
  p.login = args->login;
  p.yield = ExecYield(args->yield_time_ms);
  if (args->max_output_tokens) {
    p.max_output_tokens = static_cast<int64_t>(std::max(0.0, *args->max_output_tokens));
  }
  p.actions = CommandActionsJson(ParseCommandActions(p.argv));
  // untrusted: every command that is not known safe is asked about; on-request (and granular):
  // only those the model asks to run outside the sandbox (sandbox_permissions
  // "require_escalated"); on-failure: none before it ran.
  const bool escalated = args->sandbox_permissions == "require_escalated";
  const bool asks_escalations =
      exec.approval_policy == "on-request" || exec.approval_policy == "granular";
  // The amendment an approval offers: the model's own prefix rule when it proposes one, else
  // the judge's (judged only when someone is to be asked: not for every command).
  auto amendment = [&args](const UntrustedVerdict& verdict) {
    return args->prefix_rule && !args->prefix_rule->empty() ? args->prefix_rule
                                                            : verdict.proposed_amendment;
  };
  // What the user's rules allow runs without asking and outside the sandbox, whatever the
  // policy (Codex: a matching allow rule bypasses the sandbox).
  if (AllowedByRules(p.argv)) {
    StartExec(call, p, /*sandboxed=*/false);
    return;
  }
  if (exec.approval_policy == "untrusted" || (asks_escalations && escalated)) {
    // What the user approved for the session runs without asking and without the sandbox (as
    // it ran once approved); a known-safe command runs in the sandbox.
    if (exec.sessions->ApprovedForSession(p.argv)) {
      StartExec(call, p, /*sandboxed=*/false);
      return;
    }
    const UntrustedVerdict verdict = JudgeUntrusted(p.argv);
    if (verdict.ask && exec.approval_policy == "granular" && !exec.sandbox_approval) {
      call.output = RejectedOutput(p.command, kGranularSandboxRefusal);
      return;
    }
    if (verdict.ask) {
      std::optional<std::vector<std::string>> offered = amendment(verdict);
      AskApproval(call, std::move(p), std::move(offered), args->justification);
      return;
    }
  }
  if (!RetriesOutsideSandbox(exec) || !exec.policy.restricted()) {
    StartExec(call, p, /*sandboxed=*/true);
    return;
  }
  // Codex's sandbox retry: the command runs in the sandbox on trial; one that ends within
  // 150 ms refused by it (Sandbox::LikelyDenied) leaves no trace, and the user is asked to run
  // it outside (unless they approved it for the session already).
  StartExec(call, p, /*sandboxed=*/true, /*on_trial=*/true);
  if (!call.session) return;  // it could not start: call.output says why
  std::optional<ExecExit> exit = call.session->WaitForExit(call.session->started() + kTrialWait);
  std::optional<ExecTeller::HeldExit> end = call.teller->HeldEnd();
  if (!exit || !end || end->ran > kTrialWait || !Sandbox::LikelyDenied(end->code, end->output)) {
    call.teller->Publish();
    return;
  }
  exec.sessions->Forget(call.session->id());
  call.session.reset();
  call.teller.reset();
  if (exec.sessions->ApprovedForSession(p.argv)) {
    StartExec(call, p, /*sandboxed=*/false);
    return;
  }
  std::optional<std::vector<std::string>> offered = amendment(JudgeUntrusted(p.argv));
  AskApproval(call, std::move(p), std::move(offered), std::string(kSandboxRetryReason));
}

bool ToolDispatcher::AllowedByRules(const std::vector<std::string>& argv) const {
  const ToolTurn::Exec& exec = *turn_.exec;
  if (!exec.rules) return false;
  std::optional<std::vector<std::vector<std::string>>> commands =
      ParseShellWrappedPlainCommands(argv);
  if (!commands) return exec.rules->Allows(argv);
  // Each part of a compound command on its own: allowed by a rule, or known safe.
  bool any_rule = false;
  for (const std::vector<std::string>& command : *commands) {
    if (exec.rules->Allows(command)) {
      any_rule = true;
    } else if (!IsKnownSafeCommand(command)) {
      return false;
    }
  }
  return any_rule;
}

void ToolDispatcher::AskApproval(Call& call, PreparedExec p,
                                 std::optional<std::vector<std::string>> amendment,
                                 std::optional<std::string> reason) {
  json params = {{"threadId", turn_.thread_id},
                 {"turnId", turn_.turn_id},
                 {"itemId", call.call_id},
                 {"command", p.command},
                 {"cwd", p.cwd},
                 {"commandActions", p.actions},
                 {"availableDecisions", ApprovalAvailableDecisions(amendment)}};
  if (amendment) params["proposedExecpolicyAmendment"] = *amendment;
  if (reason) params["reason"] = *reason;
  call.approval = std::make_shared<Call::Answer>();
  call.prepared = std::move(p);
  if (turn_.exec->waiting_on_approval) turn_.exec->waiting_on_approval(true);
  call.withdraw_approval = requests_.Ask(
      turn_.caller, "item/commandExecution/requestApproval", std::move(params), turn_.thread_id,
      &CheckCommandApprovalAnswer,
      [answer = call.approval](absl::StatusOr<json> result) { answer->Settle(std::move(result)); });
}

void ToolDispatcher::StartExec(Call& call, const PreparedExec& p, bool sandboxed, bool on_trial) {
  const ToolTurn::Exec& exec = *turn_.exec;
  const SandboxPolicy full = SandboxPolicy::Of("danger-full-access", {}, true);
  const SandboxPolicy& policy = sandboxed ? exec.policy : full;
  ExecSpec spec;
  spec.argv = p.run_argv;
  spec.cwd = p.cwd;
  spec.tty = p.tty;
  const bool from_snapshot = p.run_argv[1] != p.argv[1];
  spec.env = ExecEnvironment(from_snapshot ? *exec.login_env : exec.env, p.login, turn_.thread_id);
  if (absl::Status st = exec.sandbox->Apply(policy, spec); !st.ok()) {
    call.output = absl::StrCat("exec_command failed for `", p.command,
                               "`: the sandbox cannot run it: ", st.message());
    return;
  }

  auto teller = std::make_shared<ExecTeller>(writer_, turn_.thread_id, turn_.turn_id);
  teller->argv = p.argv;
  ExecSession::Observer observer;
  const std::string item_id = call.call_id;
  observer.on_output = [teller, item_id](std::string_view text) {
    teller->Tell({Msg({{"type", "exec_command_output_delta"},
                       {"call_id", item_id},
                       {"delta", std::string(text)}})});
  };
  observer.on_exit = [teller](const ExecExit& exit, const std::string& aggregated,
                              absl::Duration ran) { teller->Completed(exit, aggregated, ran); };
  // The teller's lock is held until item/started is out (or, on trial, until it holds): the
  // process's first output and its end come after it.
  absl::MutexLock lock(&teller->mu);
  teller->holding = on_trial;
  absl::StatusOr<std::shared_ptr<ExecSession>> session =
      exec.sessions->Start(spec, std::move(observer), teller);
  if (!session.ok()) {
    call.output =
        absl::StrCat("exec_command failed for `", p.command, "`: ", session.status().message());
    return;
  }
  teller->item = {{"type", "commandExecution"},
                  {"id", call.call_id},
                  {"command", p.command},
                  {"cwd", p.cwd},
                  {"processId", absl::StrCat((*session)->id())},
                  {"source", "unifiedExecStartup"},
                  {"status", "inProgress"},
                  {"commandActions", p.actions},
                  {"aggregatedOutput", nullptr},
                  {"exitCode", nullptr},
                  {"durationMs", nullptr}};
  if (!on_trial) teller->writer.Tell({Msg({{"type", "item_started"}, {"item", teller->item}})});
  call.session = *std::move(session);
  call.teller = std::move(teller);
  call.deadline = absl::Now() + p.yield;
  call.max_output_tokens = p.max_output_tokens;
}

absl::StatusOr<json> ToolDispatcher::AwaitDecision(Call& call, CancelToken& cancel) {
  while (!call.approval->arrived.WaitForNotificationWithTimeout(absl::Milliseconds(50))) {
    if (cancel.cancelled()) return absl::CancelledError("the turn was interrupted");
  }
  call.approval_done = true;
  // A client gone before it answered (or one that answered with an error) approved nothing.
  return call.approval->result.ok() ? call.approval->result->value("decision", json("decline"))
                                    : json("decline");
}

absl::Status ToolDispatcher::AwaitApproval(Call& call, CancelToken& cancel) {
  absl::StatusOr<json> answered = AwaitDecision(call, cancel);
  if (!answered.ok()) return answered.status();
  const json& decision = *answered;
  const ToolTurn::Exec& exec = *turn_.exec;
  PreparedExec p = *std::move(call.prepared);
  call.prepared.reset();
  const json declined = {{"type", "commandExecution"},  {"id", call.call_id},
                         {"command", p.command},        {"cwd", p.cwd},
                         {"processId", nullptr},        {"source", "agent"},
                         {"status", "declined"},        {"commandActions", p.actions},
                         {"aggregatedOutput", nullptr}, {"exitCode", nullptr},
                         {"durationMs", nullptr}};
  if (decision == "cancel") {
    // Codex's order: the declined item, then the flag cleared, then the turn interrupted.
    writer_.Tell({Msg({{"type", "item_completed"}, {"item", declined}})});
    if (exec.waiting_on_approval) exec.waiting_on_approval(false);
    cancel.Cancel();
    return absl::CancelledError("the user cancelled the command");
  }
  if (exec.waiting_on_approval) exec.waiting_on_approval(false);
  if (decision == "decline" || (!decision.is_string() && !decision.is_object())) {
    writer_.Tell({Msg({{"type", "item_completed"}, {"item", declined}})});
    call.output = RejectedOutput(p.command, "rejected by user");
    return absl::OkStatus();
  }
  if (decision == "acceptForSession") exec.sessions->ApproveForSession(p.argv);
  if (decision.is_object() && decision.contains("acceptWithExecpolicyAmendment")) {
    const json amendment =
        decision["acceptWithExecpolicyAmendment"].value("execpolicy_amendment", json::array());
    std::vector<std::string> prefix;
    for (const json& w : amendment) prefix.push_back(w.get<std::string>());
    if (exec.rules) {
      if (absl::Status st = exec.rules->AddAllow(prefix); !st.ok()) {
        std::cerr << "threadlog serve: the approved rule was not kept: " << st << std::endl;
      }
    }
  }
  // Approved: it runs as the user saw it, outside the sandbox (Codex runs it so).
  StartExec(call, p, /*sandboxed=*/false);
  return absl::OkStatus();
}

void ToolDispatcher::BeginWriteStdin(Call& call, const json& item) {
  absl::StatusOr<WriteStdinArgs> args = ParseWriteStdinArgs(item.value("arguments", ""));
  if (!args.ok()) {
    call.output = std::string(args.status().message());
    return;
  }
  std::shared_ptr<ExecSession> session = turn_.exec->sessions->Find(args->session_id);
  std::shared_ptr<ExecTeller> teller =
      session ? std::static_pointer_cast<ExecTeller>(session->attachment()) : nullptr;
  if (!session || !teller) {
    call.output = absl::StrCat("write_stdin failed: Unknown process id ", args->session_id);
    return;
  }
  // A process that ended meanwhile takes no input; its output and exit are still read.
  if (!args->chars.empty()) (void)session->Write(args->chars);
  call.session = std::move(session);
  call.teller = std::move(teller);
  call.stdin_chars = args->chars;
  call.deadline = absl::Now() + WriteStdinYield(args->yield_time_ms, args->chars.empty());
  if (args->max_output_tokens) {
    call.max_output_tokens = static_cast<int64_t>(std::max(0.0, *args->max_output_tokens));
  }
}

json ToolDispatcher::AnswerExec(Call& call, CancelToken& cancel, bool& cancelled) {
  ExecSession::Read read = call.session->ReadUntil(call.deadline, &cancel);
  if (!read.exit && cancel.cancelled()) {
    cancelled = true;
    return nullptr;
  }
  ExecOutputReport report;
  {
    absl::MutexLock lock(&call.teller->mu);
    report.command = call.teller->item.value("command", "");
  }
  // From the start of the call, as Codex counts (its wait begins as the call arrives).
  report.wall = absl::Now() - call.begun;
  if (read.exit) {
    report.exit_code = read.exit->code;
    turn_.exec->sessions->Forget(call.session->id());
  } else {
    report.session_id = call.session->id();
  }
  report.output = std::move(read.output);
  report.max_output_tokens = call.max_output_tokens;
  if (call.stdin_chars) {
    std::string process_id;
    {
      absl::MutexLock lock(&call.teller->mu);
      process_id = call.teller->item.value("processId", "");
    }
    call.teller->Tell({Msg({{"type", "terminal_interaction"},
                            {"call_id", call.teller->item.value("id", "")},
                            {"process_id", process_id},
                            {"stdin", *call.stdin_chars}})});
  }
  return FormatExecOutput(report);
}

std::vector<TurnEvent> ToolDispatcher::AbortPending() {
  std::vector<TurnEvent> outputs;
  for (const std::unique_ptr<Call>& call : pending_) {
    if (call->approval && !call->approval->arrived.HasBeenNotified() && call->withdraw_approval) {
      withdrawals_.push_back(std::move(call->withdraw_approval));
    }
    // Codex counts from the start of the call, in tenths of a second.
    const bool command = call->session || call->approval;
    const std::string why = command
                                ? absl::StrFormat("aborted by user after %.1fs",
                                                  absl::ToDoubleSeconds(absl::Now() - call->begun))
                                : "aborted";
    outputs.push_back(Item(CallOutput(call->item, why)));
  }
  pending_.clear();
  return outputs;
}

}  // namespace threadlog::agent
