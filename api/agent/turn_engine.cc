// TurnEngine: the turn lifecycle and the sampling/tool loop, on the thread-write service.
#include "api/agent/turn_engine.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/notification.h"
#include "api/agent/model_family.h"
#include "api/agent/proposed_plan.h"
#include "api/agent/turn_notifier.h"
#include "api/agent/user_input.h"
#include "api/session/thread_events.h"
#include "eventlog/json_parse.h"
#include "projections/model_history.h"
#include "projections/thread_json.h"

namespace threadlog::agent {
namespace {

using nlohmann::json;

// What Codex puts in history when a turn is interrupted, so the model knows on its next turn.
constexpr char kTurnAbortedText[] =
    "<turn_aborted>\nThe user interrupted the previous turn on purpose. Any running unified exec "
    "processes may still be running in the background. If any tools/commands were aborted, they "
    "may have partially executed; verify current state before retrying.\n</turn_aborted>";

// One event of a turn as the rollout would hold it (or a transient one, never stored).
struct TurnEvent {
  EventKind kind;
  json payload;
};

TurnEvent Msg(json payload) { return {EventKind::kEventMsg, std::move(payload)}; }
TurnEvent Item(json payload) { return {EventKind::kResponseItem, std::move(payload)}; }

// The events no persistence mode stores: told to clients, never appended.
bool Transient(const TurnEvent& e) {
  if (e.kind != EventKind::kEventMsg) return false;
  const std::string type = e.payload.value("type", "");
  if (type == "item_completed") {
    // A plan item is the one completed item Codex stores: its text is in no response item.
    const json item = e.payload.value("item", json());
    return !item.is_object() || item.value("type", "") != "Plan";
  }
  return type == "item_started" || type == "agent_message_content_delta" ||
         type == "reasoning_content_delta" || type == "reasoning_raw_content_delta" ||
         type == "agent_reasoning_section_break" || type == "plan_delta" || type == "plan_update" ||
         type == "stream_error";
}

NewEvent ToNewEvent(const TurnEvent& e) {
  if (e.kind == EventKind::kEventMsg) return session::EventMsg(e.payload);
  NewEvent out;
  out.kind = e.kind;
  out.type = e.payload.is_object() ? e.payload.value("type", "") : "";
  out.payload = JsonText::Serialize(e.payload);
  return out;
}

json UsageJson(const TokenUsage& u) {
  return {{"input_tokens", u.input_tokens},
          {"cached_input_tokens", u.cached_input_tokens},
          {"output_tokens", u.output_tokens},
          {"reasoning_output_tokens", u.reasoning_output_tokens},
          {"total_tokens", u.total_tokens}};
}

// `total` with `last` added, field by field: the thread's usage after a response.
TokenUsage Plus(TokenUsage total, const TokenUsage& last) {
  total.input_tokens += last.input_tokens;
  total.cached_input_tokens += last.cached_input_tokens;
  total.output_tokens += last.output_tokens;
  total.reasoning_output_tokens += last.reasoning_output_tokens;
  total.total_tokens += last.total_tokens;
  return total;
}

TokenUsage UsageFrom(const json& j) {
  TokenUsage u;
  if (!j.is_object()) return u;
  u.input_tokens = j.value("input_tokens", int64_t{0});
  u.cached_input_tokens = j.value("cached_input_tokens", int64_t{0});
  u.output_tokens = j.value("output_tokens", int64_t{0});
  u.reasoning_output_tokens = j.value("reasoning_output_tokens", int64_t{0});
  u.total_tokens = j.value("total_tokens", int64_t{0});
  return u;
}

// Codex's rate-limit snapshot when the provider sent no rate-limit headers.
json EmptyRateLimits() {
  return {{"limit_id", "codex"},  {"limit_name", nullptr}, {"primary", nullptr},
          {"secondary", nullptr}, {"credits", nullptr},    {"plan_type", nullptr}};
}

// A token_count event: the thread's usage so far and its last response's (info null before the
// thread has any usage), with the rate limits.
TurnEvent TokenCount(const std::optional<TokenUsage>& total, const std::optional<TokenUsage>& last,
                     int64_t window) {
  json info = nullptr;
  if (total) {
    info = {{"total_token_usage", UsageJson(*total)},
            {"last_token_usage", UsageJson(last.value_or(TokenUsage{}))},
            {"model_context_window", window}};
  }
  return Msg(
      {{"type", "token_count"}, {"info", std::move(info)}, {"rate_limits", EmptyRateLimits()}});
}

// "contextWindowExceeded" -> "context_window_exceeded", object keys too: the rollout spells
// CodexErrorInfo in snake case.
std::string SnakeCase(const std::string& camel) {
  std::string out;
  for (char c : camel) {
    if (c >= 'A' && c <= 'Z') {
      out.push_back('_');
      out.push_back(static_cast<char>(c - 'A' + 'a'));
    } else {
      out.push_back(c);
    }
  }
  return out;
}
json SnakeCaseKeys(const json& value) {
  if (value.is_string()) return SnakeCase(value.get<std::string>());
  if (!value.is_object()) return value;
  json out = json::object();
  for (const auto& [k, v] : value.items()) out[SnakeCase(k)] = SnakeCaseKeys(v);
  return out;
}

// The sandbox policy as turn_context records it.
json SandboxPolicyRollout(const session::ThreadSettings& s) {
  if (s.sandbox_mode == "danger-full-access") return {{"type", "danger-full-access"}};
  if (s.sandbox_mode == "workspace-write") {
    json policy = {{"type", "workspace-write"},
                   {"network_access", s.network_access},
                   {"exclude_tmpdir_env_var", false},
                   {"exclude_slash_tmp", false}};
    // Codex leaves an empty list out.
    if (!s.writable_roots.empty()) policy["writable_roots"] = s.writable_roots;
    return policy;
  }
  return {{"type", "read-only"}};
}

Permissions PermissionsOf(const session::ThreadSettings& s, const std::string& codex_home) {
  Permissions p;
  p.sandbox_mode = s.sandbox_mode;
  // Codex's danger-full-access reaches the network; the other modes only when configured so.
  p.network_access = s.sandbox_mode == "danger-full-access" || s.network_access;
  p.approval_policy = s.approval_policy;
  p.approvals_reviewer = s.approvals_reviewer;
  if (s.sandbox_mode == "workspace-write") {
    p.writable_roots = s.writable_roots;
    // Codex adds its memories folder to a configured sandbox (not to a turn's sandboxPolicy).
    if (!s.sandbox_from_turn && !codex_home.empty()) {
      p.writable_roots.push_back((std::filesystem::path(codex_home) / "memories").string());
    }
    p.writable_roots.push_back(s.cwd);
    p.writable_roots.push_back("/tmp");
  }
  return p;
}

// The personality text a model's template takes; empty for a model without one or for none.
std::string PersonalityText(const ModelFamily& family, const std::optional<std::string>& p) {
  if (!family.instructions_template) return "";
  if (p == "friendly") return family.personality_friendly;
  if (p == "pragmatic") return family.personality_pragmatic;
  return "";
}

std::string OutputText(const json& message) {
  std::string text;
  for (const json& part : message.value("content", json::array())) {
    if (part.is_object() && part.value("type", "") == "output_text") text += part.value("text", "");
  }
  return text;
}

std::string NewItemId() { return ThreadId::NewV7().ToString(); }

json StatusChanged(const std::string& thread, json status) {
  return {{"threadId", thread}, {"status", std::move(status)}};
}

const json& Active() {
  static const json* v = new json{{"type", "active"}, {"activeFlags", json::array()}};
  return *v;
}
const json& Idle() {
  static const json* v = new json{{"type", "idle"}};
  return *v;
}
const json& SystemError() {
  static const json* v = new json{{"type", "systemError"}};
  return *v;
}

// The events recording one user input: the message the model reads, the user_message event,
// and the userMessage item clients see.
absl::StatusOr<std::vector<TurnEvent>> UserInputEvents(const json& input) {
  absl::StatusOr<RecordedInput> recorded = RecordUserInput(input);
  if (!recorded.ok()) return recorded.status();
  const json item = UserMessageItem(NewItemId(), input);
  std::vector<TurnEvent> events = {Item(recorded->response_item)};
  // A skill's instructions follow the message that names it.
  for (json& skill : SkillMessages(input)) events.push_back(Item(std::move(skill)));
  events.push_back(Msg(recorded->user_message));
  events.push_back(Msg({{"type", "item_started"}, {"item", item}}));
  events.push_back(Msg({{"type", "item_completed"}, {"item", item}}));
  return events;
}

// Appends a turn's events (the kinds the thread's mode stores) and tells the thread's
// followers what they mean; transient events are only told. Nothing is told of a batch that
// could not be appended.
class TurnWriter {
 public:
  TurnWriter(session::ThreadService& threads, session::NotificationSink& sink,
             TurnNotifier& notifier, const ThreadId& thread)
      : threads_(threads), sink_(sink), notifier_(notifier), thread_(thread) {}

  // `prelude` is told before what the events mean (a status change Codex sends first).
  absl::Status Emit(const std::vector<TurnEvent>& events, Durability durability,
                    const std::vector<Notification>& prelude = {}) {
    if (absl::Status s = Append(events, durability); !s.ok()) return s;
    Tell(events, prelude);
    return absl::OkStatus();
  }

  absl::Status Append(const std::vector<TurnEvent>& events, Durability durability) {
    std::vector<NewEvent> stored;
    for (const TurnEvent& e : events) {
      if (!Transient(e)) stored.push_back(ToNewEvent(e));
    }
    if (stored.empty()) return absl::OkStatus();
    struct Silent final : session::NotificationSink {
      void Notify(std::span<const session::ClientId>, std::string_view, const json&) override {}
    } silent;
    absl::StatusOr<session::Written> written = threads_.Write(
        thread_,
        [&](const session::ThreadState& state) -> absl::StatusOr<std::vector<NewEvent>> {
          if (!state.summary) return absl::NotFoundError("the thread is gone from the log");
          return stored;
        },
        durability, /*caller=*/0, silent);
    return written.status();
  }

  void Tell(const std::vector<TurnEvent>& events, const std::vector<Notification>& prelude = {}) {
    const std::vector<session::ClientId> audience = threads_.Followers(thread_);
    for (const Notification& n : prelude) sink_.Notify(audience, n.method, n.params);
    for (const TurnEvent& e : events) {
      for (const Notification& n : notifier_.On(e.kind, e.payload)) {
        sink_.Notify(audience, n.method, n.params);
      }
    }
  }

  void Notify(std::string_view method, const json& params) {
    const std::vector<session::ClientId> audience = threads_.Followers(thread_);
    sink_.Notify(audience, method, params);
  }

 private:
  session::ThreadService& threads_;
  session::NotificationSink& sink_;
  TurnNotifier& notifier_;
  const ThreadId& thread_;
};

}  // namespace

// A running turn. Fields without a lock belong to the worker once it started.
struct TurnEngine::Turn {
  ThreadId thread;
  std::string thread_text;
  std::string id;
  session::ClientId caller = 0;  // who started it: dynamic tool calls go to this client
  session::ThreadSettings settings;
  ModelFamily family;
  ProviderSettings provider;
  std::string instructions;  // the thread's, fixed when it started (session_meta)
  json dynamic_tools = json::array();
  json output_schema = nullptr;
  std::string originator;
  std::string user_agent;
  bool compact = false;  // a thread/compact/start turn
  // Plan mode: <proposed_plan> blocks of agent messages become plan items, update_plan refuses.
  bool plan_mode = false;
  // The history was near the context window when the turn started: the worker compacts it
  // first, then records these (the context given again, turn_context, the input).
  bool auto_compact = false;
  std::vector<TurnEvent> pending_opening;

  CancelToken cancel;
  absl::Mutex mu;
  std::vector<json> steered ABSL_GUARDED_BY(mu);  // UserInput[] arrays, in order
  // Steered input is taken only between the turn's start being recorded and its end.
  bool accepting ABSL_GUARDED_BY(mu) = false;

  ModelHistoryBuilder history;
  std::optional<TokenUsage> total;  // the thread's usage so far (token_count's total)
  std::optional<TokenUsage> last;   // its last response's (token_count's last)
  std::optional<std::string> last_agent_message;
  TurnNotifier notifier{"", ""};
  // Set once the turn/start answer (and what was held for it) is out: the worker's first
  // notifications must not overtake it.
  absl::Notification released;
  absl::Notification finished;  // Finish took it off the running turns
  std::thread worker;
};

std::vector<HttpHeader> TurnEngine::Headers(const Turn& turn) {
  std::vector<HttpHeader> headers = {
      {"originator", turn.originator.empty() ? "codex_cli_rs" : turn.originator},
      {"session_id", turn.thread_text},
      {"x-client-request-id", turn.thread_text},
      // Spelled out: Codex's key order (a json object would sort the keys).
      {"x-codex-turn-metadata",
       absl::StrCat("{\"session_id\":", json(turn.thread_text).dump(),
                    ",\"turn_id\":", json(turn.id).dump(), ",\"sandbox\":\"",
                    turn.settings.sandbox_mode == "danger-full-access" ? "none" : "seccomp",
                    "\"}")},
  };
  if (!turn.user_agent.empty()) headers.push_back({"user-agent", turn.user_agent});
  return headers;
}

TurnEngine::TurnEngine(session::ThreadService& threads, session::NotificationSink& clients,
                       ClientRequests& requests, TurnEngineOptions options)
    : threads_(threads), clients_(clients), requests_(requests), options_(std::move(options)) {}

TurnEngine::~TurnEngine() {
  std::vector<std::shared_ptr<Turn>> turns;
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    for (auto& [thread, turn] : running_) turns.push_back(turn);
  }
  for (const std::shared_ptr<Turn>& turn : turns) {
    turn->cancel.Cancel();
    if (!turn->released.HasBeenNotified()) turn->released.Notify();
  }
  for (const std::shared_ptr<Turn>& turn : turns) {
    if (turn->worker.joinable()) turn->worker.join();
  }
}

void TurnEngine::StopTurn(const ThreadId& thread) {
  std::shared_ptr<Turn> turn;
  {
    absl::MutexLock lock(&mu_);
    auto it = running_.find(thread);
    if (it != running_.end()) turn = it->second;
  }
  if (!turn) return;
  turn->cancel.Cancel();
  // Its followers hear it end before whatever comes next (thread/archive unloads the thread).
  turn->finished.WaitForNotificationWithTimeout(absl::Seconds(10));
}

std::optional<std::string> TurnEngine::ActiveTurn(const ThreadId& thread) const {
  absl::MutexLock lock(&mu_);
  auto it = running_.find(thread);
  if (it == running_.end()) return std::nullopt;
  return it->second->id;
}

absl::StatusOr<StartedTurn> TurnEngine::StartTurn(const ThreadId& thread,
                                                  const TurnStartRequest& request,
                                                  session::ClientId caller,
                                                  session::NotificationSink& sink) {
  const std::string thread_text = thread.ToString();
  if (!threads_.IsLoaded(thread)) {
    return absl::NotFoundError(absl::StrCat("thread not found: ", thread_text));
  }
  if (!request.compact && (!request.input.is_array() || request.input.empty())) {
    return absl::InvalidArgumentError("input must not be empty");
  }
  auto turn = std::make_shared<Turn>();
  turn->compact = request.compact;
  const absl::Time give_up = absl::Now() + absl::Seconds(30);
  while (true) {
    std::shared_ptr<Turn> finishing;
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return absl::UnavailableError("the server is shutting down");
      auto it = running_.find(thread);
      if (it == running_.end()) {
        running_[thread] = turn;  // reserved: a concurrent turn/start sees it
        break;
      }
      std::shared_ptr<Turn> active = it->second;
      absl::MutexLock turn_lock(&active->mu);
      if (active->accepting) {
        if (request.compact) {
          return absl::FailedPreconditionError(absl::StrCat("thread ", thread_text,
                                                            " is running turn ", active->id,
                                                            "; compact it once that is over"));
        }
        // Codex steers the input into the running turn.
        active->steered.push_back(request.input);
        StartedTurn joined;
        joined.turn = json{{"id", active->id},
                           {"items", json::array()},
                           {"status", "inProgress"},
                           {"error", nullptr}};
        joined.release = [] {};
        return joined;
      }
      finishing = active;
    }
    // The running turn is starting (not yet taking input) or ending (a client may hear
    // turn/completed just before it is gone): look again shortly.
    finishing->finished.WaitForNotificationWithTimeout(absl::Milliseconds(20));
    if (absl::Now() > give_up) {
      return absl::UnavailableError(absl::StrCat(
          "thread ", thread_text, " is still busy with turn ", finishing->id, "; try again"));
    }
  }
  // Undoes the reservation of a turn that could not start (and wakes a turn/start waiting on it).
  auto release = [&] {
    {
      absl::MutexLock lock(&mu_);
      running_.erase(thread);
    }
    turn->finished.Notify();
  };

  const TurnOverrides& o = request.overrides;
  std::optional<session::ThreadSettings> settings =
      threads_.UpdateSettings(thread, [&](session::ThreadSettings& s) {
        if (o.cwd) s.cwd = *o.cwd;
        if (o.model) s.model = *o.model;
        if (o.effort) s.reasoning_effort = *o.effort;
        if (o.summary) s.reasoning_summary = *o.summary;
        if (o.personality) s.personality = *o.personality;
        if (o.approval_policy) s.approval_policy = *o.approval_policy;
        if (o.approvals_reviewer) s.approvals_reviewer = *o.approvals_reviewer;
        if (o.sandbox_mode) s.sandbox_mode = *o.sandbox_mode;
        if (o.network_access) s.network_access = *o.network_access;
        if (o.writable_roots) s.writable_roots = *o.writable_roots;
        if (o.sandbox_mode) s.sandbox_from_turn = true;
        if (o.collaboration_mode) {  // its settings win over the turn's own model and effort
          s.model = o.collaboration_mode->model;
          s.reasoning_effort = o.collaboration_mode->reasoning_effort;
        }
      });
  if (!settings) {
    release();
    return absl::NotFoundError(absl::StrCat("thread not found: ", thread_text));
  }
  absl::StatusOr<ProviderCatalog> catalog =
      ProviderCatalog::Load(options_.codex_home, options_.env);
  absl::StatusOr<ProviderSettings> provider =
      catalog.ok() ? catalog->Find(settings->model_provider) : catalog.status();
  if (!provider.ok()) {
    release();
    return absl::FailedPreconditionError(
        absl::StrCat("failed to load configuration: ", provider.status().message()));
  }

  turn->thread = thread;
  turn->thread_text = thread_text;
  turn->id = ThreadId::NewV7().ToString();
  turn->caller = caller;
  turn->settings = *settings;
  turn->family = ModelFamilies::Bundled().Find(settings->model);
  turn->provider = *std::move(provider);
  turn->output_schema = o.output_schema;
  turn->originator = request.originator;
  turn->user_agent = request.user_agent;
  turn->notifier = TurnNotifier(thread_text, turn->id);

  // The thread so far, in one pass: the model's history, its instructions and dynamic tools,
  // its token usage, the settings its last turn ran with.
  std::optional<std::string> thread_instructions;
  json last_context = nullptr;
  bool compacted_since_context = false;  // a compaction replaced the context Codex gave it
  {
    std::unique_ptr<EventIterator> it = threads_.StoreOf(thread).ReadRollout(thread);
    for (; it->Valid(); it->Next()) {
      const EventView& e = it->event();
      if (absl::Status s = turn->history.Add(e.kind, e.type, e.payload); !s.ok()) {
        release();
        return s;
      }
      if (e.kind == EventKind::kCompacted) compacted_since_context = true;
      if (e.kind == EventKind::kTurnContext) compacted_since_context = false;
      const bool wanted = e.kind == EventKind::kSessionMeta || e.kind == EventKind::kTurnContext ||
                          (e.kind == EventKind::kEventMsg && e.type == "token_count");
      if (!wanted) continue;
      absl::StatusOr<json> payload = ParseJson(e.payload);
      if (!payload.ok() || !payload->is_object()) continue;
      if (e.kind == EventKind::kSessionMeta) {
        json tools = payload->value("dynamic_tools", json());
        if (tools.is_array()) turn->dynamic_tools = std::move(tools);
        json base = payload->value("base_instructions", json());
        if (base.is_object() && base.value("text", json()).is_string()) {
          thread_instructions = base["text"].get<std::string>();
        }
      } else if (e.kind == EventKind::kTurnContext) {
        last_context = *std::move(payload);
      } else {
        json info = payload->value("info", json());
        if (info.is_object()) {
          turn->total = UsageFrom(info.value("total_token_usage", json()));
          turn->last = UsageFrom(info.value("last_token_usage", json()));
        }
      }
    }
    if (!it->status().ok()) {
      release();
      return it->status();
    }
  }
  const session::ThreadSettings& s = turn->settings;
  // Codex keeps a thread's instructions from its start; a model switch is told in history.
  turn->instructions = s.base_instructions   ? *s.base_instructions
                       : thread_instructions ? *thread_instructions
                                             : turn->family.Instructions(s.personality);

  // Codex compacts before a turn once the last response used most of the window (as after a
  // context-window failure, which records the window as used up).
  turn->auto_compact = !turn->compact && !turn->history.items().empty() && turn->last &&
                       turn->last->total_tokens >= turn->family.context_window * 9 / 10;
  if (turn->auto_compact) compacted_since_context = true;  // the summary will replace it

  // The collaboration mode in force: the one this turn names, else the last turn's (a mode
  // stays until another is named), else default without instructions.
  std::string mode_kind = "default";
  std::optional<std::string> mode_instructions;
  if (o.collaboration_mode) {
    mode_kind = o.collaboration_mode->mode;
    mode_instructions = o.collaboration_mode->developer_instructions.value_or(
        BuiltinCollaborationInstructions(mode_kind));
  } else if (last_context.is_object() &&
             last_context.value("collaboration_mode", json()).is_object()) {
    const json& last_mode = last_context["collaboration_mode"];
    if (last_mode.value("mode", "") == "plan") mode_kind = "plan";
    const json instructions =
        last_mode.value("settings", json::object()).value("developer_instructions", json());
    if (instructions.is_string()) mode_instructions = instructions.get<std::string>();
  }
  turn->plan_mode = mode_kind == "plan";
  const json collaboration_mode = {
      {"mode", mode_kind},
      {"settings",
       {{"model", s.model},
        {"reasoning_effort", s.reasoning_effort ? json(*s.reasoning_effort) : json(nullptr)},
        {"developer_instructions", mode_instructions ? json(*mode_instructions) : json(nullptr)}}}};

  const std::string current_date = CurrentDate();
  const std::string timezone = LocalTimeZone();
  // AGENTS.md, read once: the first turn's context shows it, every turn_context records it.
  const std::optional<std::string> user_instructions =
      turn->compact ? std::nullopt : UserInstructions(options_.codex_home, s.cwd);
  const json sandbox_policy = SandboxPolicyRollout(s);
  const std::string personality = s.personality.value_or("pragmatic");
  std::vector<TurnEvent> events;
  events.push_back(Msg({{"type", "task_started"},
                        {"turn_id", turn->id},
                        {"model_context_window", turn->family.EffectiveContextWindow()},
                        {"collaboration_mode_kind", mode_kind}}));
  if (turn->compact) {
    // A compaction turn records no context and no input: it runs the model on the history.
  } else if (turn->history.items().empty() || compacted_since_context) {
    // A thread's first turn opens its history with the context Codex gives every thread, and so
    // does the first turn after a compaction (the summary replaced that context).
    InitialContext context;
    context.permissions = PermissionsOf(s, options_.codex_home);
    context.developer_instructions = s.developer_instructions;
    context.collaboration_mode = mode_instructions;
    context.skills = options_.skills(s.cwd);
    if (user_instructions) context.agents_md = AgentsMdText(s.cwd, *user_instructions);
    context.cwd = s.cwd;
    context.shell = ShellName();
    context.current_date = current_date;
    context.timezone = timezone;
    for (json& m : InitialContextMessages(context)) events.push_back(Item(std::move(m)));
  } else if (last_context.is_object()) {
    // What changed since the last turn, told as Codex tells it.
    SettingsChange change;
    if (last_context.value("model", s.model) != s.model) {
      change.new_model_instructions = turn->family.Instructions(s.personality);
    }
    if (last_context.value("approval_policy", json()) != s.approval_policy ||
        last_context.value("sandbox_policy", json()) != sandbox_policy) {
      change.new_permissions = PermissionsOf(s, options_.codex_home);
    }
    // Codex compares the whole mode, settings included, and tells it when it has instructions.
    if (mode_instructions &&
        last_context.value("collaboration_mode", json()) != collaboration_mode) {
      change.new_collaboration_mode = mode_instructions;
    }
    if (last_context.value("personality", personality) != personality) {
      change.new_personality_text = PersonalityText(turn->family, s.personality);
    }
    if (last_context.value("cwd", s.cwd) != s.cwd) {
      change.new_environment = EnvironmentContextText(s.cwd, ShellName(), current_date, timezone);
    }
    for (json& m : SettingsChangeMessages(change)) events.push_back(Item(std::move(m)));
  }
  if (!turn->compact) {
    json turn_context = {
        {"turn_id", turn->id},
        {"cwd", s.cwd},
        {"current_date", current_date},
        {"timezone", timezone},
        {"approval_policy", s.approval_policy},
        {"sandbox_policy", sandbox_policy},
        {"model", s.model},
        {"personality", personality},
        {"collaboration_mode", collaboration_mode},
        {"realtime_active", false},
        {"summary", s.reasoning_summary.value_or(turn->family.default_reasoning_summary)},
        {"truncation_policy",
         {{"mode", turn->family.truncation_mode}, {"limit", turn->family.truncation_limit}}}};
    if (s.reasoning_effort) turn_context["effort"] = *s.reasoning_effort;
    if (user_instructions) turn_context["user_instructions"] = *user_instructions;
    if (!turn->output_schema.is_null())
      turn_context["final_output_json_schema"] = turn->output_schema;
    events.push_back({EventKind::kTurnContext, std::move(turn_context)});
    absl::StatusOr<std::vector<TurnEvent>> input = UserInputEvents(request.input);
    if (!input.ok()) {
      release();
      return input.status();
    }
    for (TurnEvent& e : *input) events.push_back(std::move(e));
  }

  if (turn->auto_compact) {
    // Only task_started now; the rest once the history is compacted.
    turn->pending_opening.assign(std::make_move_iterator(events.begin() + 1),
                                 std::make_move_iterator(events.end()));
    events.resize(1);
  }
  TurnWriter writer(threads_, sink, turn->notifier, thread);
  // Active from now on: reads show it, and the thread stays loaded should its clients leave.
  threads_.SetStatus(thread, Active());
  if (absl::Status st =
          writer.Emit(events, Durability::kSync,
                      {{"thread/status/changed", StatusChanged(thread_text, Active())}});
      !st.ok()) {
    threads_.SetStatus(thread, Idle());
    release();
    return st;
  }
  for (const TurnEvent& e : events) {
    if (e.kind == EventKind::kResponseItem) turn->history.Append(e.payload);
  }

  // The worker waits for `release` (the caller's answer and the notifications held for it are
  // out), or a few seconds at most should nobody call it.
  {
    absl::MutexLock lock(&turn->mu);
    turn->accepting = true;
  }
  {
    // Under the lock Finish takes, so the worker cannot detach itself before it is assigned.
    absl::MutexLock lock(&mu_);
    turn->worker = std::thread([this, turn] {
      turn->released.WaitForNotificationWithTimeout(absl::Seconds(5));
      Run(turn);
    });
  }
  StartedTurn started;
  started.turn = json{
      {"id", turn->id}, {"items", json::array()}, {"status", "inProgress"}, {"error", nullptr}};
  started.release = [turn] {
    if (!turn->released.HasBeenNotified()) turn->released.Notify();
  };
  return started;
}

absl::StatusOr<std::string> TurnEngine::SteerTurn(const ThreadId& thread,
                                                  const std::string& expected_turn_id,
                                                  const json& input) {
  std::shared_ptr<Turn> turn;
  {
    absl::MutexLock lock(&mu_);
    auto it = running_.find(thread);
    if (it != running_.end()) turn = it->second;
  }
  if (!turn) return absl::InvalidArgumentError("no active turn to steer");
  if (turn->id != expected_turn_id) {
    return absl::InvalidArgumentError(absl::StrCat("expected active turn id `", expected_turn_id,
                                                   "` but found `", turn->id, "`"));
  }
  if (!input.is_array() || input.empty()) {
    return absl::InvalidArgumentError("input must not be empty");
  }
  absl::MutexLock lock(&turn->mu);
  if (!turn->accepting) return absl::InvalidArgumentError("no active turn to steer");
  turn->steered.push_back(input);
  return turn->id;
}

absl::Status TurnEngine::InterruptTurn(const ThreadId& thread, const std::string& turn_id) {
  std::shared_ptr<Turn> turn;
  {
    absl::MutexLock lock(&mu_);
    auto it = running_.find(thread);
    if (it != running_.end()) turn = it->second;
  }
  // Codex never answers an interrupt of a thread with no running turn (the client waits
  // forever) and interrupts the running turn whatever id it is given; threadlog answers at once
  // and stops only the turn named.
  if (!turn) {
    return absl::InvalidArgumentError(
        absl::StrCat("no active turn to interrupt: turn ", turn_id, " is not running"));
  }
  if (turn->id != turn_id) {
    return absl::InvalidArgumentError(
        absl::StrCat("turn ", turn_id, " is not running; the running turn is ", turn->id));
  }
  turn->cancel.Cancel();
  return absl::OkStatus();
}

namespace {

// A tool call of the running response, begun as soon as its item is done (as Codex does: the
// plan update or the client's tool call goes out while the response is still streaming), and
// finished — its output recorded — once the response is complete.
struct ToolCall {
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
  json request_event;   // dynamic_tool_call_request, stored with the output
  json response_event;  // dynamic_tool_call_response, once the answer is in (else null)
};

// The dynamic_tool_call_response event for a call whose answer arrived.
json ResponseEventOf(const ToolCall& call, const std::string& turn_id) {
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

// One response's events: items as they arrive, the tool calls it asks for.
class ResponseHandler {
 public:
  ResponseHandler(TurnWriter& writer, ModelHistoryBuilder& history,
                  std::optional<std::string>& last_agent_message,
                  std::function<TurnEvent()> token_count,
                  std::function<void(const json&)> begin_call, std::function<void()> between_events)
      : writer_(writer),
        history_(history),
        last_agent_message_(last_agent_message),
        token_count_(std::move(token_count)),
        begin_call_(std::move(begin_call)),
        between_events_(std::move(between_events)) {}

  // Plan mode: agent messages are parsed for <proposed_plan> blocks, which make the turn's plan
  // item (id "<turn id>-plan", as Codex names it).
  void EnablePlanMode(std::string thread_id, std::string turn_id) {
    plan_mode_ = true;
    thread_id_ = std::move(thread_id);
    turn_id_ = std::move(turn_id);
    plan_id_ = absl::StrCat(turn_id_, "-plan");
  }

  void OnEvent(const ResponseEvent& event) {
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

  const absl::Status& status() const { return status_; }

 private:
  void Emit(const std::vector<TurnEvent>& events) {
    if (!status_.ok()) return;
    status_ = writer_.Emit(events, Durability::kBuffered);
  }

  // The item id clients see: the provider's, else one of ours.
  static std::string IdOf(const json& item) {
    const json id = item.value("id", json());
    return id.is_string() && !id.get<std::string>().empty() ? id.get<std::string>() : NewItemId();
  }

  void Started(const json& item) {
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

  void StartMessage() {
    if (message_started_) return;
    message_started_ = true;
    const json started = {{"type", "agentMessage"},
                          {"id", message_id_},
                          {"text", ""},
                          {"phase", message_phase_},
                          {"memoryCitation", nullptr}};
    Emit({Msg({{"type", "item_started"}, {"item", started}})});
  }

  void TellMessageDelta(const std::string& delta) {
    StartMessage();
    Emit({Msg(
        {{"type", "agent_message_content_delta"}, {"item_id", message_id_}, {"delta", delta}})});
  }

  void StartPlan() {
    if (plan_started_) return;
    plan_started_ = true;
    Emit({Msg({{"type", "item_started"},
               {"thread_id", thread_id_},
               {"turn_id", turn_id_},
               {"item", {{"type", "Plan"}, {"id", plan_id_}, {"text", ""}}}})});
  }

  void TellPieces(const std::vector<ProposedPlanParser::Piece>& pieces) {
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
  void PlanModeMessageDone(const json& item) {
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

  void Done(const json& raw) {
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
    if (is_call) begin_call_(item);
  }

  TurnWriter& writer_;
  ModelHistoryBuilder& history_;
  std::optional<std::string>& last_agent_message_;
  std::function<TurnEvent()> token_count_;
  std::function<void(const json&)> begin_call_;
  std::function<void()> between_events_;
  bool announced_ = false;
  std::string message_id_;
  json message_phase_ = nullptr;
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

void TurnEngine::Run(const std::shared_ptr<Turn>& turn) {
  if (turn->compact) return RunCompaction(turn);
  TurnWriter writer(threads_, clients_, turn->notifier, turn->thread);
  ModelClient::Options client_options = options_.client;
  if (!client_options.env) client_options.env = options_.env;
  const ModelClient client(turn->provider, client_options);
  const session::ThreadSettings& s = turn->settings;
  std::vector<std::string> dynamic_names;
  json tools = json::array({UpdatePlanToolSpec()});
  for (const json& tool : turn->dynamic_tools) {
    if (std::optional<json> spec = DynamicToolSpec(tool)) {
      tools.push_back(*std::move(spec));
      dynamic_names.push_back(tool.value("name", ""));
    }
  }
  const std::vector<HttpHeader> headers = Headers(*turn);

  enum class End { kCompleted, kInterrupted, kFailed, kStoreFailed };
  End end = End::kCompleted;
  ModelError failure;
  absl::Status store_error;
  std::vector<ToolCall> calls;  // begun, not yet answered in history

  const int64_t window = turn->family.EffectiveContextWindow();
  auto token_count = [&] { return TokenCount(turn->total, turn->last, window); };
  auto store_failed = [&](absl::Status st) {
    end = End::kStoreFailed;
    store_error = std::move(st);
  };
  if (turn->auto_compact) {
    const CompactOutcome compacted = CompactHistory(turn);
    if (compacted.end == CompactOutcome::kDone) {
      if (absl::Status st = writer.Emit(turn->pending_opening, Durability::kSync); !st.ok()) {
        store_failed(st);
      }
      for (const TurnEvent& e : turn->pending_opening) {
        if (e.kind == EventKind::kResponseItem) turn->history.Append(e.payload);
      }
    } else if (compacted.end == CompactOutcome::kInterrupted) {
      end = End::kInterrupted;
    } else if (!compacted.store.ok()) {
      store_failed(compacted.store);
    } else {
      end = End::kFailed;
      failure = compacted.error;
    }
  }
  auto begin_call = [&](const json& item) {
    ToolCall call;
    call.item = item;
    call.name = item.value("name", "");
    call.call_id = item.value("call_id", "");
    const bool function = item.value("type", "") == "function_call";
    if (function && call.name == "update_plan" && turn->plan_mode) {
      call.output = UpdatePlanRefusedInPlanMode();
    } else if (function && call.name == "update_plan") {
      absl::StatusOr<json> args = ParseJson(item.value("arguments", ""));
      if (!args.ok() || !args->is_object() || !args->contains("plan") ||
          !(*args)["plan"].is_array()) {
        call.output = absl::StrCat(
            "failed to parse function arguments: ",
            args.ok() ? std::string("missing field `plan`") : std::string(args.status().message()));
      } else {
        if (absl::Status st = writer.Emit({Msg({{"type", "plan_update"},
                                                {"explanation", args->value("explanation", json())},
                                                {"plan", (*args)["plan"]}})},
                                          Durability::kBuffered);
            !st.ok()) {
          store_failed(st);
        }
        call.output = "Plan updated";
      }
    } else if (function && std::find(dynamic_names.begin(), dynamic_names.end(), call.name) !=
                               dynamic_names.end()) {
      absl::StatusOr<json> args = ParseJson(item.value("arguments", "{}"));
      call.arguments = args.ok() ? *args : json(item.value("arguments", ""));
      call.request_event = {{"type", "dynamic_tool_call_request"},
                            {"callId", call.call_id},
                            {"turnId", turn->id},
                            {"tool", call.name},
                            {"arguments", call.arguments}};
      // Clients see the call start now; its events are stored with its output (Codex's order).
      if (std::optional<json> shown = DynamicToolCallItemOfEvent(call.request_event, false)) {
        writer.Tell({Msg({{"type", "item_started"}, {"item", *shown}})});
      }
      call.answer = std::make_shared<ToolCall::Answer>();
      call.started = std::chrono::steady_clock::now();
      requests_.Send(turn->caller, "item/tool/call",
                     {{"threadId", turn->thread_text},
                      {"turnId", turn->id},
                      {"callId", call.call_id},
                      {"tool", call.name},
                      {"arguments", call.arguments}},
                     [answer = call.answer](absl::StatusOr<json> result) {
                       answer->Settle(std::move(result));
                     });
    } else {
      call.output = absl::StrCat("unsupported call: ", call.name);
    }
    calls.push_back(std::move(call));
  };

  // A client's answer is told as soon as it is in (between stream events, or once the stream
  // ended), as Codex tells it.
  auto tell_answered = [&] {
    for (ToolCall& call : calls) {
      if (!call.answer || !call.response_event.is_null() ||
          !call.answer->arrived.HasBeenNotified()) {
        continue;
      }
      call.response_event = ResponseEventOf(call, turn->id);
      if (std::optional<json> shown = DynamicToolCallItemOfEvent(call.response_event, true)) {
        writer.Tell({Msg({{"type", "item_completed"}, {"item", *shown}})});
      }
    }
  };

  bool rerouted = false;  // model_reroute told for this turn
  while (end == End::kCompleted) {
    // Input that arrived by turn/steer joins the history before the next request.
    std::vector<json> steered;
    {
      absl::MutexLock lock(&turn->mu);
      steered.swap(turn->steered);
    }
    for (const json& input : steered) {
      absl::StatusOr<std::vector<TurnEvent>> events = UserInputEvents(input);
      if (!events.ok()) continue;  // an image checked when steered may have gone since
      if (absl::Status st = writer.Emit(*events, Durability::kBuffered); !st.ok()) {
        store_failed(st);
        break;
      }
      for (const TurnEvent& e : *events) {
        if (e.kind == EventKind::kResponseItem) turn->history.Append(e.payload);
      }
    }
    if (end != End::kCompleted) break;

    RequestSpec spec;
    spec.model = s.model;
    spec.instructions = turn->instructions;
    spec.input = turn->history.items();
    spec.tools = tools;
    spec.parallel_tool_calls = turn->family.supports_parallel_tool_calls;
    spec.family = turn->family;
    spec.reasoning_effort = s.reasoning_effort;
    spec.reasoning_summary = s.reasoning_summary;
    spec.prompt_cache_key = turn->thread_text;
    spec.output_schema = turn->output_schema;
    StreamRequest request;
    request.body = BuildRequestBody(spec).dump();
    request.headers = headers;
    request.account = options_.credentials();

    ResponseHandler handler(writer, turn->history, turn->last_agent_message, token_count,
                            begin_call, tell_answered);
    if (turn->plan_mode) handler.EnablePlanMode(turn->thread_text, turn->id);
    StreamCallbacks callbacks;
    callbacks.on_event = [&](const ResponseEvent& event) {
      if (const auto* server = std::get_if<ServerModelEvent>(&event)) {
        // Codex tells a reroute once per turn: the event, and a warning in the history that
        // the model reads from the next request on.
        if (rerouted || absl::EqualsIgnoreCase(server->model, s.model)) return;
        rerouted = true;
        tell_answered();
        const json warning = ModelRerouteWarningMessage();
        if (absl::Status st = writer.Emit({Msg({{"type", "model_reroute"},
                                                {"from_model", s.model},
                                                {"to_model", server->model},
                                                {"reason", "high_risk_cyber_activity"}}),
                                           Item(warning)},
                                          Durability::kBuffered);
            !st.ok()) {
          store_failed(st);
          return;
        }
        turn->history.Append(warning);
        return;
      }
      handler.OnEvent(event);
    };
    callbacks.on_retry = [&](const RetryNotice& notice) {
      (void)writer.Emit({Msg({{"type", "stream_error"}, {"error", notice.TurnErrorJson()}})},
                        Durability::kBuffered);
    };
    StreamOutcome outcome = client.Stream(request, callbacks, &turn->cancel);
    if (!handler.status().ok()) {
      store_failed(handler.status());
      break;
    }
    if (end != End::kCompleted) break;
    if (turn->cancel.cancelled() || outcome.error.kind == ModelErrorKind::kInterrupted) {
      end = End::kInterrupted;
      break;
    }
    if (!outcome.status.ok()) {
      end = End::kFailed;
      failure = outcome.error;
      break;
    }
    tell_answered();
    if (outcome.completed.usage) {
      turn->last = *outcome.completed.usage;
      turn->total = Plus(turn->total.value_or(TokenUsage{}), *turn->last);
      if (absl::Status st = writer.Emit({token_count()}, Durability::kBuffered); !st.ok()) {
        store_failed(st);
        break;
      }
    }

    // The calls this response asked for, in order, each answered in history.
    const bool had_calls = !calls.empty();
    while (!calls.empty() && end == End::kCompleted) {
      ToolCall& call = calls.front();
      std::vector<TurnEvent> events;
      json output;
      if (call.output) {
        output = *call.output;
      } else {
        const absl::Time give_up = absl::Now() + options_.dynamic_tool_timeout;
        while (!call.answer->arrived.WaitForNotificationWithTimeout(absl::Milliseconds(50))) {
          if (turn->cancel.cancelled()) break;
          if (absl::Now() >= give_up) {
            // A client that never answers fails the call, not the turn.
            call.answer->Settle(absl::DeadlineExceededError(
                absl::StrCat("the client did not answer item/tool/call within ",
                             absl::FormatDuration(options_.dynamic_tool_timeout))));
          }
        }
        if (!call.answer->arrived.HasBeenNotified()) {
          end = End::kInterrupted;
          break;
        }
        tell_answered();
        events.push_back(Msg(call.request_event));
        events.push_back(Msg(call.response_event));
        output = DynamicToolOutput(call.response_event["content_items"]);
      }
      const json output_item = CallOutput(call.item, std::move(output));
      events.push_back(Item(output_item));
      if (absl::Status st = writer.Emit(events, Durability::kBuffered); !st.ok()) {
        store_failed(st);
        break;
      }
      turn->history.Append(output_item);
      calls.erase(calls.begin());
    }
    if (end != End::kCompleted) break;
    bool more_input;
    {
      absl::MutexLock lock(&turn->mu);
      more_input = !turn->steered.empty();
      if (!had_calls && !more_input) turn->accepting = false;
    }
    if (!had_calls && !more_input) break;
  }

  {
    absl::MutexLock lock(&turn->mu);
    turn->accepting = false;
  }
  // Every call gets an output, so the history stays valid for the next request.
  std::vector<TurnEvent> closing;
  for (const ToolCall& call : calls) closing.push_back(Item(CallOutput(call.item, "aborted")));
  std::vector<Notification> prelude;
  if (end == End::kInterrupted) {
    closing.push_back(
        Item({{"type", "message"},
              {"role", "user"},
              {"content", json::array({{{"type", "input_text"}, {"text", kTurnAbortedText}}})}}));
    closing.push_back(
        Msg({{"type", "turn_aborted"}, {"turn_id", turn->id}, {"reason", "interrupted"}}));
    prelude.push_back({"thread/status/changed", StatusChanged(turn->thread_text, Idle())});
  } else if (end == End::kFailed || end == End::kStoreFailed) {
    if (end == End::kStoreFailed) {
      std::cerr << "threadlog serve: turn " << turn->id << " of thread " << turn->thread_text
                << " stopped: " << store_error << std::endl;
      failure.kind = ModelErrorKind::kOther;
      failure.message =
          absl::StrCat("threadlog could not record the turn: ", store_error.message());
    }
    if (failure.kind == ModelErrorKind::kContextWindowExceeded) {
      // Codex reports the window as used up before the error.
      TokenUsage full;
      full.total_tokens = window;
      closing.push_back(TokenCount(full, full, window));
    }
    closing.push_back(Msg({{"type", "error"},
                           {"message", failure.message},
                           {"codex_error_info", SnakeCaseKeys(failure.CodexErrorInfo())}}));
    closing.push_back(
        Msg({{"type", "task_complete"}, {"turn_id", turn->id}, {"last_agent_message", nullptr}}));
  } else {
    closing.push_back(
        Msg({{"type", "task_complete"},
             {"turn_id", turn->id},
             {"last_agent_message",
              turn->last_agent_message ? json(*turn->last_agent_message) : json(nullptr)}}));
    prelude.push_back({"thread/status/changed", StatusChanged(turn->thread_text, Idle())});
  }
  if (absl::Status st = writer.Append(closing, Durability::kSync); !st.ok()) {
    // The log refuses the end of the turn (a full disk): clients still hear that it ended.
    std::cerr << "threadlog serve: the end of turn " << turn->id << " could not be recorded: " << st
              << std::endl;
  }
  threads_.SetStatus(turn->thread,
                     end == End::kFailed || end == End::kStoreFailed ? SystemError() : Idle());
  if (end == End::kFailed || end == End::kStoreFailed) {
    // Codex: systemError, then the error, then turn/completed failed (no idle after).
    std::vector<TurnEvent> usage;
    std::vector<TurnEvent> rest;
    for (TurnEvent& e : closing) {
      (e.payload.value("type", "") == "token_count" ? usage : rest).push_back(std::move(e));
    }
    writer.Tell(usage);
    writer.Tell(rest, {{"thread/status/changed", StatusChanged(turn->thread_text, SystemError())}});
  } else {
    // The status changes first, then turn/completed.
    std::vector<TurnEvent> outputs;
    std::vector<TurnEvent> ending;
    for (TurnEvent& e : closing) {
      (e.kind == EventKind::kResponseItem ? outputs : ending).push_back(std::move(e));
    }
    writer.Tell(outputs);
    writer.Tell(ending, prelude);
  }
  Finish(turn);
}

TurnEngine::CompactOutcome TurnEngine::CompactHistory(const std::shared_ptr<Turn>& turn) {
  TurnWriter writer(threads_, clients_, turn->notifier, turn->thread);
  ModelClient::Options client_options = options_.client;
  if (!client_options.env) client_options.env = options_.env;
  const ModelClient client(turn->provider, client_options);
  const session::ThreadSettings& s = turn->settings;
  const json item = {{"type", "contextCompaction"}, {"id", NewItemId()}};
  writer.Tell({Msg({{"type", "item_started"}, {"item", item}})});

  // The model summarizes the history; no tools are offered.
  RequestSpec spec;
  spec.model = s.model;
  spec.instructions = turn->instructions;
  spec.input = turn->history.items();
  spec.input.push_back(CompactionRequestMessage());
  spec.tools = json::array();
  spec.parallel_tool_calls = turn->family.supports_parallel_tool_calls;
  spec.family = turn->family;
  spec.reasoning_effort = s.reasoning_effort;
  spec.reasoning_summary = s.reasoning_summary;
  spec.prompt_cache_key = turn->thread_text;
  StreamRequest request;
  request.body = BuildRequestBody(spec).dump();
  request.headers = Headers(*turn);
  request.account = options_.credentials();

  const int64_t window = turn->family.EffectiveContextWindow();
  auto token_count = [&] { return TokenCount(turn->total, turn->last, window); };
  bool announced = false;
  std::string summary;
  CompactOutcome outcome;
  StreamCallbacks callbacks;
  callbacks.on_event = [&](const ResponseEvent& event) {
    if (!announced) {
      announced = true;
      outcome.store.Update(writer.Emit({token_count()}, Durability::kBuffered));
    }
    if (const auto* done = std::get_if<OutputItemDoneEvent>(&event)) {
      if (done->item.value("type", "") == "message" &&
          done->item.value("role", "") == "assistant") {
        summary = OutputText(done->item);
      }
    }
  };
  callbacks.on_retry = [&](const RetryNotice& notice) {
    (void)writer.Emit({Msg({{"type", "stream_error"}, {"error", notice.TurnErrorJson()}})},
                      Durability::kBuffered);
  };
  StreamOutcome streamed = client.Stream(request, callbacks, &turn->cancel);
  if (turn->cancel.cancelled() || streamed.error.kind == ModelErrorKind::kInterrupted) {
    outcome.end = CompactOutcome::kInterrupted;
    return outcome;
  }
  if (!outcome.store.ok()) {
    outcome.end = CompactOutcome::kFailed;
    return outcome;
  }
  if (!streamed.status.ok()) {
    outcome.end = CompactOutcome::kFailed;
    outcome.error = streamed.error;
    return outcome;
  }
  std::vector<TurnEvent> events;
  if (streamed.completed.usage) {
    turn->total = Plus(turn->total.value_or(TokenUsage{}), *streamed.completed.usage);
    turn->last = *streamed.completed.usage;
    events.push_back(token_count());
  }
  // What the users wrote, then the summary: the history from now on.
  const std::string text = CompactedSummaryText(summary);
  json replacement = json::array();
  for (const json& h : turn->history.items()) {
    if (IsUserTurnMessage(h)) replacement.push_back(h);
  }
  replacement.push_back({{"type", "message"},
                         {"role", "user"},
                         {"content", json::array({{{"type", "input_text"}, {"text", text}}})}});
  const json compacted = {{"message", text}, {"replacement_history", replacement}};
  events.push_back({EventKind::kCompacted, compacted});
  // Codex then records what the new history will cost, estimated as it estimates it: a token
  // per four bytes of the instructions and the history's JSON.
  TokenUsage estimate;
  estimate.total_tokens =
      static_cast<int64_t>((replacement.dump().size() + turn->instructions.size() + 3) / 4);
  turn->last = estimate;
  if (turn->total) {
    events.push_back(token_count());
  }
  events.push_back(Msg({{"type", "item_completed"}, {"item", item}}));
  events.push_back(Msg({{"type", "context_compacted"}}));
  outcome.store = writer.Emit(events, Durability::kSync);
  if (!outcome.store.ok()) {
    outcome.end = CompactOutcome::kFailed;
    return outcome;
  }
  ModelHistoryBuilder replaced;
  (void)replaced.Add(EventKind::kCompacted, "", compacted.dump());
  turn->history = std::move(replaced);
  outcome.end = CompactOutcome::kDone;
  return outcome;
}

void TurnEngine::RunCompaction(const std::shared_ptr<Turn>& turn) {
  TurnWriter writer(threads_, clients_, turn->notifier, turn->thread);
  const CompactOutcome outcome = CompactHistory(turn);
  {
    absl::MutexLock lock(&turn->mu);
    turn->accepting = false;
  }
  std::vector<TurnEvent> closing;
  const bool failed = outcome.end == CompactOutcome::kFailed;
  if (outcome.end == CompactOutcome::kInterrupted) {
    closing.push_back(
        Msg({{"type", "turn_aborted"}, {"turn_id", turn->id}, {"reason", "interrupted"}}));
  } else {
    if (failed) {
      const std::string message =
          !outcome.store.ok()
              ? absl::StrCat("threadlog could not record the compaction: ", outcome.store.message())
              : outcome.error.message;
      const json info =
          !outcome.store.ok() ? json("other") : SnakeCaseKeys(outcome.error.CodexErrorInfo());
      closing.push_back(Msg({{"type", "error"}, {"message", message}, {"codex_error_info", info}}));
    }
    closing.push_back(
        Msg({{"type", "task_complete"}, {"turn_id", turn->id}, {"last_agent_message", nullptr}}));
  }
  if (absl::Status st = writer.Append(closing, Durability::kSync); !st.ok()) {
    std::cerr << "threadlog serve: the end of compaction " << turn->id
              << " could not be recorded: " << st << std::endl;
  }
  threads_.SetStatus(turn->thread, failed ? SystemError() : Idle());
  // Codex: systemError, then the error, then turn/completed failed; else idle, then completed.
  writer.Tell(closing, {{"thread/status/changed",
                         StatusChanged(turn->thread_text, failed ? SystemError() : Idle())}});
  Finish(turn);
}

void TurnEngine::Finish(const std::shared_ptr<Turn>& turn) {
  absl::MutexLock lock(&mu_);
  auto it = running_.find(turn->thread);
  if (it != running_.end() && it->second == turn) {
    if (stopping_) return;  // the destructor joins the worker
    if (turn->worker.joinable()) turn->worker.detach();
    running_.erase(it);
  }
  turn->finished.Notify();
}

}  // namespace threadlog::agent
