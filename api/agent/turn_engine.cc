// TurnEngine: the turn lifecycle and the sampling/tool loop, on the thread-write service.
#include "api/agent/turn_engine.h"

#include <sys/stat.h>
#include <unistd.h>

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
#include "api/agent/response_handler.h"
#include "api/agent/thread_memory.h"
#include "api/agent/tool_dispatch.h"
#include "api/agent/turn_notifier.h"
#include "api/agent/turn_writer.h"
#include "api/agent/user_input.h"
#include "eventlog/json_parse.h"
#include "projections/model_history.h"

namespace threadlog::agent {
namespace {

using nlohmann::json;

// What Codex puts in history when a turn is interrupted, so the model knows on its next turn.
constexpr char kTurnAbortedText[] =
    "<turn_aborted>\nThe user interrupted the previous turn on purpose. Any running unified exec "
    "processes may still be running in the background. If any tools/commands were aborted, they "
    "may have partially executed; verify current state before retrying.\n</turn_aborted>";

// How an interrupted turn ends in the log: the <turn_aborted> message the model reads next time,
// then turn_aborted.
std::vector<TurnEvent> InterruptedEnd(const std::string& turn_id) {
  return {Item({{"type", "message"},
                {"role", "user"},
                {"content", json::array({{{"type", "input_text"}, {"text", kTurnAbortedText}}})}}),
          Msg({{"type", "turn_aborted"}, {"turn_id", turn_id}, {"reason", "interrupted"}})};
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
  bool compact = false;              // a thread/compact/start turn
  std::optional<std::string> shell;  // a thread/shellCommand turn: the command
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
  // thread/shellCommand commands run while the turn runs (AttachShellCommand): how many still
  // run, their threads (joined before the turn ends), and the records of those that ended, for
  // the next request.
  int shells_running ABSL_GUARDED_BY(mu) = 0;
  std::vector<std::thread> shell_jobs ABSL_GUARDED_BY(mu);
  std::vector<json> shell_records ABSL_GUARDED_BY(mu);

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

namespace {

// The environment commands start from: `base`, or the server's own when empty.
std::vector<std::string> BaseEnvironment(std::vector<std::string> base) {
  if (base.empty()) {
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) base.emplace_back(*e);
  }
  return base;
}

// The shell commands run with: $SHELL when it names a program, else bash.
std::string CommandShell(const std::vector<std::string>& env) {
  for (const std::string& e : env) {
    if (absl::StartsWith(e, "SHELL=/") && ::access(e.c_str() + 6, X_OK) == 0) return e.substr(6);
  }
  return "/bin/bash";
}

}  // namespace

TurnEngine::TurnEngine(session::ThreadService& threads, session::NotificationSink& clients,
                       ClientRequests& requests, TurnEngineOptions options)
    : threads_(threads),
      clients_(clients),
      requests_(requests),
      options_(std::move(options)),
      sandbox_(options_.sandbox ? options_.sandbox
                                : std::make_shared<const Sandbox>(Sandbox::Probe())),
      command_env_(options_.shell_environment.Apply(BaseEnvironment(options_.command_env))),
      rules_(std::make_shared<ExecPolicyRules>(options_.codex_home)) {
  // A thread that unloads takes its processes with it (no turn runs on it: a running turn
  // keeps its thread loaded).
  threads_.SetUnloadListener(
      [this](const ThreadId& thread) { (void)EndSessions(thread, /*forget=*/true); });
}

std::shared_ptr<ExecSessions> TurnEngine::SessionsOf(const ThreadId& thread) {
  absl::MutexLock lock(&mu_);
  std::shared_ptr<ExecSessions>& sessions = exec_sessions_[thread];
  if (!sessions) sessions = std::make_shared<ExecSessions>();
  return sessions;
}

std::optional<std::vector<std::string>> TurnEngine::LoginEnvironment(const std::string& shell) {
  absl::MutexLock lock(&login_env_mu_);
  auto it = login_envs_.find(shell);
  if (it == login_envs_.end()) {
    absl::StatusOr<std::vector<std::string>> env = LoginShellEnvironment(shell, command_env_);
    if (!env.ok()) {
      // Commands then run `shell -lc` each, their profile with them.
      std::cerr << "threadlog serve: no login environment of " << shell << ": " << env.status()
                << std::endl;
    }
    it = login_envs_.emplace(shell, env.ok() ? std::optional(*std::move(env)) : std::nullopt).first;
  }
  return it->second;
}

int TurnEngine::CleanBackgroundTerminals(const ThreadId& thread) {
  return EndSessions(thread, /*forget=*/false);
}

int TurnEngine::EndSessions(const ThreadId& thread, bool forget) {
  std::shared_ptr<ExecSessions> sessions;
  {
    absl::MutexLock lock(&mu_);
    auto it = exec_sessions_.find(thread);
    if (it == exec_sessions_.end()) return 0;
    sessions = it->second;
    if (forget) exec_sessions_.erase(it);
  }
  return sessions->KillAll();
}

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
  // No command outlives the server.
  threads_.SetUnloadListener(nullptr);
  std::map<ThreadId, std::shared_ptr<ExecSessions>> sessions;
  {
    absl::MutexLock lock(&mu_);
    sessions.swap(exec_sessions_);
  }
  for (auto& [thread, s] : sessions) s->KillAll();
}

absl::StatusOr<ProviderCatalog> TurnEngine::Providers() {
  // config.toml is read again only when it changed (another file, size or time): a turn sees
  // an edit without a restart, and does not parse the file each time.
  std::string identity = "missing";
  struct stat st {};
  if (!options_.codex_home.empty() &&
      ::stat((std::filesystem::path(options_.codex_home) / "config.toml").c_str(), &st) == 0) {
    identity = absl::StrCat(st.st_dev, ":", st.st_ino, ":", st.st_size, ":", st.st_mtim.tv_sec, ".",
                            st.st_mtim.tv_nsec, ":", st.st_ctim.tv_sec, ".", st.st_ctim.tv_nsec);
  }
  absl::MutexLock lock(&catalog_mu_);
  if (!catalog_ || catalog_identity_ != identity) {
    catalog_ = ProviderCatalog::Load(options_.codex_home, options_.env);
    catalog_identity_ = identity;
  }
  return *catalog_;
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
  if (request.shell_command) {
    if (request.shell_command->empty()) {
      return absl::InvalidArgumentError("command must not be empty");
    }
  } else if (!request.compact && (!request.input.is_array() || request.input.empty())) {
    return absl::InvalidArgumentError("input must not be empty");
  }
  auto turn = std::make_shared<Turn>();
  turn->compact = request.compact;
  turn->shell = request.shell_command;
  // A turn that records no context and no input: it asks the model nothing of it.
  const bool bare = turn->compact || turn->shell;
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
      if (active->accepting && request.shell_command && !active->compact) {
        // The user's command joins the running model turn (Codex's order).
        // Its notifications wait for the answer, as a turn's do.
        auto answered = std::make_shared<absl::Notification>();
        ++active->shells_running;
        active->shell_jobs.emplace_back([this, active, answered, command = *request.shell_command] {
          AttachShellCommand(active, command, answered.get());
        });
        StartedTurn joined;
        joined.turn = json{{"id", active->id},
                           {"items", json::array()},
                           {"status", "inProgress"},
                           {"error", nullptr}};
        joined.release = [answered] {
          if (!answered->HasBeenNotified()) answered->Notify();
        };
        return joined;
      }
      if (active->accepting && !request.shell_command) {
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
  absl::StatusOr<ProviderCatalog> catalog = Providers();
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

  // The thread so far: the model's history, its instructions and dynamic tools, its token
  // usage, the settings its last turn ran with (remembered from its last turn, read on from
  // there).
  absl::StatusOr<ThreadMemory> memory = memories_.Recall(threads_.StoreOf(thread), thread);
  if (!memory.ok()) {
    release();
    return memory.status();
  }
  turn->history = std::move(memory->history);
  turn->dynamic_tools = std::move(memory->dynamic_tools);
  turn->total = memory->total;
  turn->last = memory->last;
  const std::optional<std::string>& thread_instructions = memory->instructions;
  const json& last_context = memory->last_context;
  bool compacted_since_context = memory->compacted_since_context;
  const session::ThreadSettings& s = turn->settings;
  // Codex keeps a thread's instructions from its start; a model switch is told in history.
  turn->instructions = s.base_instructions   ? *s.base_instructions
                       : thread_instructions ? *thread_instructions
                                             : turn->family.Instructions(s.personality);

  // Codex compacts before a turn once the last response used most of the window (as after a
  // context-window failure, which records the window as used up).
  turn->auto_compact = !bare && !turn->history.items().empty() && turn->last &&
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
      bare ? std::nullopt : UserInstructions(options_.codex_home, s.cwd);
  const json sandbox_policy = SandboxPolicyRollout(s);
  const std::string personality = s.personality.value_or("pragmatic");
  std::vector<TurnEvent> events;
  events.push_back(Msg({{"type", "task_started"},
                        {"turn_id", turn->id},
                        {"model_context_window", turn->family.EffectiveContextWindow()},
                        {"collaboration_mode_kind", mode_kind}}));
  if (bare) {
    // A compaction turn records no context and no input: it runs the model on the history. A
    // shell command's turn records only what the command did.
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
  if (!bare) {
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
    if (s.developer_instructions)
      turn_context["developer_instructions"] = *s.developer_instructions;
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

  // The worker tells nothing before `release` (the caller's answer and the notifications held
  // for it are out), or a few seconds at most should nobody call it.
  {
    // (A shell command's turn takes no input and no other command: those wait for its end.)
    absl::MutexLock lock(&turn->mu);
    turn->accepting = !turn->shell;
  }
  {
    // Under the lock Finish takes, so the worker cannot detach itself before it is assigned.
    absl::MutexLock lock(&mu_);
    // It prepares and sends the first model request at once; its writer tells nothing before
    // `released`.
    turn->worker = std::thread([this, turn] { Run(turn); });
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

void TurnEngine::Run(const std::shared_ptr<Turn>& turn) {
  if (turn->compact) return RunCompaction(turn);
  if (turn->shell) return RunShellTurn(turn);
  TurnWriter writer(threads_, clients_, turn->notifier, turn->thread);
  writer.TellAfter(&turn->released);
  ModelClient::Options client_options = options_.client;
  if (!client_options.env) client_options.env = options_.env;
  const ModelClient client(turn->provider, client_options);
  const session::ThreadSettings& s = turn->settings;
  ToolTurn tool_turn;
  tool_turn.thread_id = turn->thread_text;
  tool_turn.turn_id = turn->id;
  tool_turn.caller = turn->caller;
  tool_turn.plan_mode = turn->plan_mode;
  tool_turn.dynamic_tools = turn->dynamic_tools;
  tool_turn.dynamic_tool_timeout = options_.dynamic_tool_timeout;
  // view_image for every model, as Codex 0.117.0 offers it (gpt-oss, text only, included).
  tool_turn.view_image = true;
  tool_turn.cwd = turn->settings.cwd;
  // Unified exec: Codex 0.117.0 (its unified_exec feature on by default) gives exec_command and
  // write_stdin to every model, whatever its metadata's shell type (gpt-5 and gpt-oss too),
  // under every approval policy (ToolTurn::Exec::approval_policy says what each asks).
  const bool granular = s.approval_policy.is_object() && s.approval_policy.contains("granular");
  if (s.approval_policy.is_string() || granular) {
    ToolTurn::Exec exec;
    exec.sessions = SessionsOf(turn->thread);
    exec.sandbox = sandbox_.get();
    exec.policy = SandboxPolicy::Of(
        s.sandbox_mode, PermissionsOf(s, options_.codex_home).writable_roots, s.network_access);
    exec.cwd = s.cwd;
    exec.env = command_env_;
    exec.shell = CommandShell(command_env_);
    exec.login_env = LoginEnvironment(exec.shell);
    exec.approval_policy = granular ? "granular" : s.approval_policy.get<std::string>();
    if (granular) {
      const json& flags = s.approval_policy["granular"];
      exec.sandbox_approval = flags.is_object() && flags.value("sandbox_approval", false);
    }
    exec.apply_patch = turn->family.apply_patch_tool_type == "freeform";
    exec.rules = rules_;
    exec.waiting_on_approval = [this, &writer, thread = turn->thread,
                                thread_text = turn->thread_text](bool waiting) {
      const json status = {
          {"type", "active"},
          {"activeFlags", waiting ? json::array({"waitingOnApproval"}) : json::array()}};
      threads_.SetStatus(thread, status);
      writer.Tell({}, {{"thread/status/changed", StatusChanged(thread_text, status)}});
    };
    tool_turn.exec = std::move(exec);
  }
  ToolDispatcher tools(std::move(tool_turn), writer, requests_);
  const std::vector<HttpHeader> headers = Headers(*turn);

  enum class End { kCompleted, kInterrupted, kFailed, kStoreFailed };
  End end = End::kCompleted;
  ModelError failure;
  absl::Status store_error;

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
  bool rerouted = false;                 // model_reroute told for this turn
  std::optional<TurnEvent> final_usage;  // the last response's, stored with the turn's end
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
    // So do the records of the commands the user ran meanwhile (thread/shellCommand).
    if (absl::Status st = TakeShellRecords(*turn, writer); !st.ok()) {
      store_failed(st);
      break;
    }

    RequestSpec spec;
    spec.model = s.model;
    spec.instructions = turn->instructions;
    spec.input = turn->history.items();
    spec.tools = tools.Specs();
    spec.parallel_tool_calls = turn->family.supports_parallel_tool_calls;
    spec.family = turn->family;
    spec.reasoning_effort = s.reasoning_effort;
    spec.reasoning_summary = s.reasoning_summary;
    spec.prompt_cache_key = turn->thread_text;
    spec.output_schema = turn->output_schema;
    StreamRequest request;
    request.body = RequestBodyText(spec);
    request.headers = headers;
    request.account = options_.credentials();

    ResponseHandler handler(
        writer, turn->history, turn->last_agent_message, token_count,
        [&tools](const json& item) { return tools.Begin(item); },
        [&tools] { tools.TellAnswered(); });
    if (turn->plan_mode) handler.EnablePlanMode(turn->thread_text, turn->id);
    StreamCallbacks callbacks;
    callbacks.on_event = [&](const ResponseEvent& event) {
      if (const auto* server = std::get_if<ServerModelEvent>(&event)) {
        // Codex tells a reroute once per turn: the event, and a warning in the history that
        // the model reads from the next request on.
        if (rerouted || absl::EqualsIgnoreCase(server->model, s.model)) return;
        rerouted = true;
        tools.TellAnswered();
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
    tools.TellAnswered();
    std::optional<TurnEvent> usage;
    if (outcome.completed.usage) {
      turn->last = *outcome.completed.usage;
      turn->total = Plus(turn->total.value_or(TokenUsage{}), *turn->last);
      usage = token_count();
    }
    if (!tools.HasPending()) {
      // A response that asks for no tool, with no input steered in, ends the turn: its usage
      // is stored with the turn's end (one durable write, not two) and told before it. A
      // command the user still runs is waited for: what it did goes to the model first.
      absl::MutexLock lock(&turn->mu);
      auto nothing_new = [&turn]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(turn->mu) {
        return turn->steered.empty() && turn->shell_records.empty();
      };
      while (turn->shells_running > 0 && nothing_new() && !turn->cancel.cancelled()) {
        turn->mu.AwaitWithTimeout(absl::Condition(
                                      +[](Turn* t) ABSL_EXCLUSIVE_LOCKS_REQUIRED(t->mu) {
                                        return t->shells_running == 0;
                                      },
                                      turn.get()),
                                  absl::Milliseconds(50));
      }
      if (turn->cancel.cancelled() && nothing_new()) {
        turn->accepting = false;
        end = End::kInterrupted;
        break;
      }
      if (nothing_new()) {
        turn->accepting = false;
        final_usage = std::move(usage);
        break;
      }
    }
    if (usage) {
      if (absl::Status st = writer.Emit({*usage}, Durability::kBuffered); !st.ok()) {
        store_failed(st);
        break;
      }
    }

    // The calls this response asked for, in order, each answered in history; then the next
    // request (with what was steered in meanwhile).
    if (absl::Status answered = tools.AnswerAll(turn->cancel, turn->history); !answered.ok()) {
      if (answered.code() == absl::StatusCode::kCancelled) {
        end = End::kInterrupted;
      } else {
        store_failed(answered);
      }
      break;
    }
  }

  {
    absl::MutexLock lock(&turn->mu);
    turn->accepting = false;
  }
  // An interrupted turn takes the thread's commands with it (Codex 0.117.0 leaves them running).
  if (end == End::kInterrupted) (void)CleanBackgroundTerminals(turn->thread);
  // The user's commands end with the turn (killed when it was interrupted); their records stay.
  if (end != End::kCompleted) turn->cancel.Cancel();
  std::vector<TurnEvent> closing = JoinShellCommands(*turn);
  // Every call gets an output, so the history stays valid for the next request.
  for (TurnEvent& e : tools.AbortPending()) closing.push_back(std::move(e));
  std::vector<Notification> prelude;
  if (end == End::kInterrupted) {
    for (TurnEvent& e : InterruptedEnd(turn->id)) closing.push_back(std::move(e));
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
    if (final_usage) closing.push_back(*final_usage);
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
    // The outputs and the usage, then the status change, then turn/completed.
    std::vector<TurnEvent> outputs;
    std::vector<TurnEvent> ending;
    for (TurnEvent& e : closing) {
      const bool before_status =
          e.kind == EventKind::kResponseItem || e.payload.value("type", "") == "token_count";
      (before_status ? outputs : ending).push_back(std::move(e));
    }
    writer.Tell(outputs);
    writer.Tell(ending, prelude);
  }
  Finish(turn);
}

TurnEngine::CompactOutcome TurnEngine::CompactHistory(const std::shared_ptr<Turn>& turn) {
  TurnWriter writer(threads_, clients_, turn->notifier, turn->thread);
  writer.TellAfter(&turn->released);
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
  std::vector<json> input = turn->history.items();
  input.push_back(CompactionRequestMessage());
  spec.input = input;
  spec.tools = json::array();
  spec.parallel_tool_calls = turn->family.supports_parallel_tool_calls;
  spec.family = turn->family;
  spec.reasoning_effort = s.reasoning_effort;
  spec.reasoning_summary = s.reasoning_summary;
  spec.prompt_cache_key = turn->thread_text;
  StreamRequest request;
  request.body = RequestBodyText(spec);
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
  writer.TellAfter(&turn->released);
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

UserShellCommand TurnEngine::UserShellCommandOf(const Turn& turn, const std::string& command) {
  UserShellCommand c;
  c.command = command;
  c.cwd = turn.settings.cwd;
  c.shell = CommandShell(command_env_);
  const std::optional<std::vector<std::string>> login = LoginEnvironment(c.shell);
  c.env_is_login = login.has_value();
  c.env = ExecEnvironment(login ? *login : command_env_, /*login=*/true, turn.thread_text);
  const ModelFamily& f = turn.family;
  if (f.truncation_limit > 0) {
    c.max_output_tokens =
        f.truncation_mode == "tokens" ? f.truncation_limit : (f.truncation_limit + 3) / 4;
  }
  return c;
}

void TurnEngine::AttachShellCommand(const std::shared_ptr<Turn>& turn, const std::string& command,
                                    absl::Notification* answered) {
  TurnNotifier notifier(turn->thread_text, turn->id);
  TurnWriter writer(threads_, clients_, notifier, turn->thread);
  writer.TellAfter(answered);
  absl::StatusOr<UserShellOutcome> ran =
      RunUserShell(UserShellCommandOf(*turn, command), turn->id, writer, turn->cancel);
  if (!ran.ok()) {
    std::cerr << "threadlog serve: thread/shellCommand could not run `" << command
              << "`: " << ran.status() << std::endl;
  } else if (absl::Status st = writer.Append({ran->end}, Durability::kBuffered); !st.ok()) {
    std::cerr << "threadlog serve: the end of `" << command << "` could not be recorded: " << st
              << std::endl;
  }
  absl::MutexLock lock(&turn->mu);
  if (ran.ok()) turn->shell_records.push_back(ran->record.payload);
  --turn->shells_running;
}

absl::Status TurnEngine::TakeShellRecords(Turn& turn, TurnWriter& writer) {
  std::vector<TurnEvent> records;
  {
    absl::MutexLock lock(&turn.mu);
    for (json& r : turn.shell_records) records.push_back(Item(std::move(r)));
    turn.shell_records.clear();
  }
  if (records.empty()) return absl::OkStatus();
  if (absl::Status st = writer.Append(records, Durability::kBuffered); !st.ok()) return st;
  for (const TurnEvent& e : records) turn.history.Append(e.payload);
  return absl::OkStatus();
}

std::vector<TurnEvent> TurnEngine::JoinShellCommands(Turn& turn) {
  std::vector<std::thread> jobs;
  {
    absl::MutexLock lock(&turn.mu);
    jobs.swap(turn.shell_jobs);
  }
  for (std::thread& job : jobs) job.join();
  std::vector<TurnEvent> records;
  absl::MutexLock lock(&turn.mu);
  for (json& r : turn.shell_records) records.push_back(Item(std::move(r)));
  turn.shell_records.clear();
  return records;
}

void TurnEngine::RunShellTurn(const std::shared_ptr<Turn>& turn) {
  TurnWriter writer(threads_, clients_, turn->notifier, turn->thread);
  writer.TellAfter(&turn->released);
  absl::StatusOr<UserShellOutcome> ran =
      RunUserShell(UserShellCommandOf(*turn, *turn->shell), turn->id, writer, turn->cancel);
  std::vector<TurnEvent> closing;
  bool failed = false;
  if (!ran.ok()) {
    // The shell itself could not be started: the turn fails with why.
    failed = true;
    closing.push_back(
        Msg({{"type", "error"},
             {"message", absl::StrCat("could not run the command: ", ran.status().message())},
             {"codex_error_info", "other"}}));
    closing.push_back(
        Msg({{"type", "task_complete"}, {"turn_id", turn->id}, {"last_agent_message", nullptr}}));
  } else {
    closing.push_back(ran->record);
    closing.push_back(ran->end);
    if (ran->aborted) {
      for (TurnEvent& e : InterruptedEnd(turn->id)) closing.push_back(std::move(e));
    } else {
      closing.push_back(
          Msg({{"type", "task_complete"}, {"turn_id", turn->id}, {"last_agent_message", nullptr}}));
    }
  }
  if (absl::Status st = writer.Append(closing, Durability::kSync); !st.ok()) {
    std::cerr << "threadlog serve: the end of shell command turn " << turn->id
              << " could not be recorded: " << st << std::endl;
  }
  const json status = failed ? SystemError() : Idle();
  threads_.SetStatus(turn->thread, status);
  writer.Tell(closing, {{"thread/status/changed", StatusChanged(turn->thread_text, status)}});
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
