// ThreadService: decisions appended with the seq they saw, the persistence policy, loaded
// threads and their followers, and the notifications derived from what was appended.
#include "api/session/thread_service.h"

#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"
#include "api/session/thread_events.h"
#include "eventlog/persistence_policy.h"
#include "projections/thread_json.h"

namespace threadlog::session {
namespace {

using nlohmann::json;

// A decision re-run this many times against newer state before the write gives up: only a
// thread appended to by several writers at once needs more than one.
constexpr int kWriteAttempts = 8;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

absl::Status NoRollout(const ThreadId& thread) {
  return absl::NotFoundError(absl::StrCat("no rollout found for thread id ", thread.ToString()));
}

absl::Status NotFound(const ThreadId& thread) {
  return absl::NotFoundError(absl::StrCat("thread not found: ", thread.ToString()));
}

std::optional<std::string> StringAt(const json& object, const char* key) {
  if (!object.is_object()) return std::nullopt;
  auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

// The persistence mode a thread_configured event switches to, if it names one.
std::optional<PersistenceMode> ConfiguredMode(const NewEvent& event) {
  if (event.kind != EventKind::kThreadConfigured) return std::nullopt;
  json payload = json::parse(event.payload.view(), nullptr, false);
  std::optional<std::string> mode = StringAt(payload, "persistence");
  if (mode == "extended") return PersistenceMode::kExtended;
  if (mode == "limited") return PersistenceMode::kLimited;
  return std::nullopt;
}

const json kIdle = {{"type", "idle"}};
const json kNotLoaded = {{"type", "notLoaded"}};

json StatusChanged(const ThreadId& thread, const json& status) {
  return {{"threadId", thread.ToString()}, {"status", status}};
}

}  // namespace

ThreadService::ThreadService(ThreadStore& store, SettingsDefaults defaults,
                             ModelInstructions instructions)
    : store_(store), defaults_(std::move(defaults)), instructions_(std::move(instructions)) {}

absl::Status ThreadService::OpenMemory() {
  // Opened at the first ephemeral thread: it costs a store's start-up, which most servers never
  // need.
  absl::MutexLock lock(&mu_);
  if (memory_ != nullptr) return absl::OkStatus();
  ThreadStoreOptions options;
  options.in_memory = true;
  absl::StatusOr<std::unique_ptr<ThreadStore>> opened = ThreadStore::Open("/ephemeral", options);
  if (!opened.ok()) return opened.status();
  memory_ = *std::move(opened);
  return absl::OkStatus();
}

bool ThreadService::IsEphemeral(const ThreadId& thread) const {
  absl::MutexLock lock(&mu_);
  auto it = loaded_.find(thread);
  return it != loaded_.end() && it->second.ephemeral;
}

ThreadStore& ThreadService::StoreOf(const ThreadId& thread) {
  absl::MutexLock lock(&mu_);
  auto it = loaded_.find(thread);
  // An ephemeral thread is loaded only once memory_ exists, and memory_ never goes away.
  return it != loaded_.end() && it->second.ephemeral ? *memory_ : store_;
}

void ThreadService::ForgetWritten(const ThreadId& thread) {
  absl::MutexLock lock(&mu_);
  auto it = loaded_.find(thread);
  if (it != loaded_.end()) it->second.written.reset();
}

absl::StatusOr<ThreadState> ThreadService::ReadState(const ThreadId& thread) {
  {
    absl::MutexLock lock(&mu_);
    auto it = loaded_.find(thread);
    if (it != loaded_.end() && it->second.written) {
      ThreadState state;
      state.summary = it->second.written;
      state.last_seq = state.summary->events;
      return state;
    }
  }
  absl::StatusOr<std::optional<ThreadSummary>> summary = StoreOf(thread).GetThread(thread);
  if (!summary.ok()) return summary.status();
  ThreadState state;
  state.summary = *std::move(summary);
  // The summary counts the thread's own events, whose seqs run 1..N: read in one go, the seq
  // and the state a decision looks at cannot disagree.
  state.last_seq = state.summary ? state.summary->events : 0;
  return state;
}

absl::StatusOr<Written> ThreadService::Write(const ThreadId& thread, const Decide& decide,
                                             Durability durability, ClientId caller,
                                             NotificationSink& sink) {
  absl::Status last_conflict;
  for (int attempt = 0; attempt < kWriteAttempts; ++attempt) {
    absl::StatusOr<ThreadState> state = ReadState(thread);
    if (!state.ok()) return state.status();
    absl::StatusOr<std::vector<NewEvent>> events = decide(*state);
    if (!events.ok()) return events.status();
    Written written;
    written.events = *std::move(events);
    PersistenceMode mode = state->summary ? state->summary->mode : PersistenceMode::kLimited;
    std::vector<NewEvent> kept;
    for (const NewEvent& event : written.events) {
      absl::StatusOr<std::optional<NewEvent>> stored = ApplyPersistencePolicy(mode, event);
      if (!stored.ok()) return stored.status();
      if (*stored) kept.push_back(**std::move(stored));
      if (std::optional<PersistenceMode> configured = ConfiguredMode(event)) mode = *configured;
    }
    written.stored = kept.size();
    if (!kept.empty()) {
      ThreadStore& store = StoreOf(thread);
      absl::StatusOr<AppendResult> appended =
          store.Append(thread, state->last_seq, kept, durability);
      if (!appended.ok()) ForgetWritten(thread);  // decide again on what the store holds
      if (!appended.ok() && appended.status().code() == absl::StatusCode::kAborted) {
        last_conflict = appended.status();  // another writer was first: decide again
        continue;
      }
      if (!appended.ok()) return appended.status();
      written.result = *appended;
      absl::StatusOr<std::optional<ThreadSummary>> after = store.GetThread(thread);
      if (!after.ok()) return after.status();
      if (!*after) return absl::DataLossError("an appended thread has no summary");
      written.summary = **std::move(after);
      {
        absl::MutexLock lock(&mu_);
        auto it = loaded_.find(thread);
        if (it != loaded_.end()) it->second.written = written.summary;
      }
    } else if (state->summary) {
      written.summary = *state->summary;
    }
    NotifyAppended(thread, written.events, written.summary, caller, sink);
    return written;
  }
  return absl::AbortedError(
      absl::StrCat("thread ", thread.ToString(),
                   " kept changing under concurrent writers: ", last_conflict.message()));
}

absl::StatusOr<OpenedThread> ThreadService::Start(const StartRequest& request, ClientId caller,
                                                  NotificationSink& sink) {
  NewThreadMeta meta;
  meta.id = ThreadId::NewV7();
  meta.created_ms = NowMs();
  meta.cwd = request.settings.cwd.value_or("/");
  meta.originator = request.originator;
  meta.model_provider = request.settings.model_provider.value_or(
      request.settings.configured.value_or(defaults_).model_provider);
  meta.base_instructions = request.settings.base_instructions;
  meta.dynamic_tools = request.dynamic_tools;
  // Stored as Codex stores a DynamicToolSpec: deferLoading spelled out.
  if (meta.dynamic_tools.is_array()) {
    for (json& tool : meta.dynamic_tools) {
      if (tool.is_object() && !tool.contains("deferLoading")) tool["deferLoading"] = false;
    }
  }
  json configured = json::object();
  if (request.settings.persist_extended) configured["persistence"] = "extended";
  // Kept with the thread (Codex keeps it in memory only); resume still takes it from the
  // request or the configuration, as Codex does.
  if (request.settings.approvals_reviewer) {
    configured["approvals_reviewer"] = *request.settings.approvals_reviewer;
  }
  std::vector<NewEvent> after_meta;
  if (!configured.empty()) {
    after_meta.push_back(LifecycleEvent(EventKind::kThreadConfigured, configured));
  }
  return CreateThread(meta, std::move(after_meta), request.settings, request.ephemeral, caller,
                      sink);
}

absl::StatusOr<OpenedThread> ThreadService::CreateThread(const NewThreadMeta& meta,
                                                         std::vector<NewEvent> after_meta,
                                                         const SettingsOverrides& overrides,
                                                         bool ephemeral, ClientId caller,
                                                         NotificationSink& sink) {
  if (ephemeral) {
    if (absl::Status s = OpenMemory(); !s.ok()) return s;
  }
  ThreadSummary provisional;
  provisional.cwd = meta.cwd;
  provisional.model_provider = meta.model_provider;
  ThreadSettings settings = ResolveSettings(overrides, provisional, nullptr);
  // Codex records the instructions a thread starts with; its turns keep them.
  NewThreadMeta recorded = meta;
  if (!recorded.base_instructions && instructions_) {
    recorded.base_instructions = instructions_(settings.model, settings.personality);
  }
  Decide decide = [&](const ThreadState& state) -> absl::StatusOr<std::vector<NewEvent>> {
    if (state.summary) return absl::AlreadyExistsError("a thread with this id already exists");
    std::vector<NewEvent> events = {SessionMetaEvent(recorded)};
    events.insert(events.end(), after_meta.begin(), after_meta.end());
    return events;
  };
  // Followed before the append, so that thread/started reads it idle (and an ephemeral one is
  // appended to memory).
  Follow(meta.id, caller, settings, ephemeral);
  absl::StatusOr<Written> written = Write(meta.id, decide, Durability::kSync, caller, sink);
  if (!written.ok()) {
    ClientGoneFrom(meta.id, caller);
    return written.status();
  }
  return OpenedThread{std::move(written->summary), std::move(settings)};
}

absl::StatusOr<OpenedThread> ThreadService::Resume(const ThreadId& thread,
                                                   const SettingsOverrides& overrides,
                                                   ClientId caller, NotificationSink& sink) {
  absl::StatusOr<ThreadState> state = ReadState(thread);
  if (!state.ok()) return state.status();
  if (!state->summary || state->summary->archived) return NoRollout(thread);
  ThreadSummary summary = *state->summary;
  if (overrides.persist_extended && summary.mode != PersistenceMode::kExtended) {
    absl::StatusOr<Written> written = Write(
        thread,
        [&](const ThreadState& now) -> absl::StatusOr<std::vector<NewEvent>> {
          if (!now.summary || now.summary->archived) return NoRollout(thread);
          if (now.summary->mode == PersistenceMode::kExtended) return std::vector<NewEvent>{};
          return std::vector<NewEvent>{
              LifecycleEvent(EventKind::kThreadConfigured, {{"persistence", "extended"}})};
        },
        Durability::kSync, caller, sink);
    if (!written.ok()) return written.status();
    summary = written->summary;
  }
  absl::StatusOr<json> context = LastTurnContext(summary);
  if (!context.ok()) return context.status();
  auto [settings, was_loaded] =
      Follow(thread, caller, ResolveSettings(overrides, summary, *context));
  if (!was_loaded) {
    // Codex announces notLoaded -> idle to the thread's (new) followers.
    const std::vector<ClientId> followers = Audience(thread, caller);
    sink.Notify(followers, "thread/status/changed", StatusChanged(thread, kIdle));
  }
  return OpenedThread{std::move(summary), std::move(settings)};
}

absl::StatusOr<OpenedThread> ThreadService::Fork(const ThreadId& parent_id,
                                                 const SettingsOverrides& overrides, bool ephemeral,
                                                 ClientId caller, NotificationSink& sink) {
  // An ephemeral thread has no rollout to fork from (Codex's answer).
  if (IsEphemeral(parent_id)) return NoRollout(parent_id);
  absl::StatusOr<ThreadState> parent = ReadState(parent_id);
  if (!parent.ok()) return parent.status();
  if (!parent->summary) return NoRollout(parent_id);
  const ThreadSummary& p = *parent->summary;
  NewThreadMeta meta;
  meta.id = ThreadId::NewV7();
  meta.forked_from = parent_id;
  meta.created_ms = NowMs();
  meta.cwd = overrides.cwd.value_or(p.cwd);
  meta.originator = p.originator;
  meta.source = p.source;
  meta.model_provider = overrides.model_provider.value_or(p.model_provider);
  meta.base_instructions = overrides.base_instructions;
  meta.git = p.git;
  std::vector<NewEvent> after_meta;
  if (ephemeral) {
    // In memory, apart from the parent: a copy of the parent's lines, as Codex's fork file has.
    std::unique_ptr<EventIterator> lines = store_.ReadRollout(parent_id);
    for (; lines->Valid(); lines->Next()) {
      const EventView& e = lines->event();
      absl::StatusOr<JsonText> payload = JsonText::Parse(std::string(e.payload));
      if (!payload.ok()) return payload.status();
      NewEvent copy;
      copy.kind = e.kind;
      copy.type = std::string(e.type);
      copy.payload = *std::move(payload);
      copy.timestamp_ms = e.timestamp_ms;
      copy.timestamp_text = std::string(e.timestamp_text);
      after_meta.push_back(std::move(copy));
    }
    if (!lines->status().ok()) return lines->status();
  } else {
    // Copy-on-write: after the fork's own session_meta, one event standing for the parent's
    // events 1..parent_seq (the parent as read above).
    after_meta.push_back(LifecycleEvent(
        EventKind::kThreadForked,
        {{"parent_thread_id", parent_id.ToString()}, {"parent_seq", parent->last_seq}}));
  }
  if (overrides.persist_extended || p.mode == PersistenceMode::kExtended) {
    after_meta.push_back(
        LifecycleEvent(EventKind::kThreadConfigured, {{"persistence", "extended"}}));
  }
  // A fork, like a new thread, runs with the configured model, not its parent's last one.
  return CreateThread(meta, std::move(after_meta), overrides, ephemeral, caller, sink);
}

absl::Status ThreadService::Archive(const ThreadId& thread, ClientId caller,
                                    NotificationSink& sink) {
  if (IsEphemeral(thread)) return NoRollout(thread);  // nothing on disk to archive (Codex)
  // Codex shuts an archived thread's session down: a running turn stops.
  if (turn_stopper_ && Status(thread).value("type", "") == "active") turn_stopper_(thread);
  absl::StatusOr<Written> written = Append(
      thread,
      [&](const ThreadState& state) -> absl::StatusOr<std::vector<NewEvent>> {
        if (!state.summary || state.summary->archived) return NoRollout(thread);
        return std::vector<NewEvent>{LifecycleEvent(EventKind::kThreadArchived, json::object())};
      },
      Durability::kSync);
  if (!written.ok()) return written.status();
  // Archiving unloads the thread: its followers hear notLoaded, then (with the caller)
  // thread/archived. Codex sends no thread/closed here.
  std::vector<ClientId> former = Unload(thread);
  sink.Notify(former, "thread/status/changed", StatusChanged(thread, kNotLoaded));
  if (std::find(former.begin(), former.end(), caller) == former.end()) former.push_back(caller);
  NotifyEvents(thread, written->events, written->summary, former, sink);
  return absl::OkStatus();
}

absl::StatusOr<ThreadSummary> ThreadService::Unarchive(const ThreadId& thread, ClientId caller,
                                                       NotificationSink& sink) {
  absl::StatusOr<Written> written = Write(
      thread,
      [&](const ThreadState& state) -> absl::StatusOr<std::vector<NewEvent>> {
        if (!state.summary || !state.summary->archived) {
          return absl::NotFoundError(
              absl::StrCat("no archived rollout found for thread id ", thread.ToString()));
        }
        return std::vector<NewEvent>{LifecycleEvent(EventKind::kThreadUnarchived, json::object())};
      },
      Durability::kSync, caller, sink);
  if (!written.ok()) return written.status();
  return std::move(written->summary);
}

absl::Status ThreadService::SetName(const ThreadId& thread, const std::string& name,
                                    ClientId caller, NotificationSink& sink) {
  // The event Codex itself emits; the projections read the name from it.
  absl::StatusOr<Written> written = Write(
      thread,
      [&](const ThreadState& state) -> absl::StatusOr<std::vector<NewEvent>> {
        if (!state.summary) return NotFound(thread);
        return std::vector<NewEvent>{EventMsg({{"type", "thread_name_updated"},
                                               {"thread_id", thread.ToString()},
                                               {"thread_name", name}})};
      },
      Durability::kSync, caller, sink);
  return written.status();
}

absl::StatusOr<ThreadSummary> ThreadService::Rollback(const ThreadId& thread, uint32_t num_turns,
                                                      ClientId caller, NotificationSink& sink) {
  // Codex rolls back only a loaded thread (its running session holds the history), and not
  // while a turn runs.
  if (!IsLoaded(thread)) return NotFound(thread);
  if (Status(thread).value("type", "") == "active") {
    return absl::InvalidArgumentError("Cannot rollback while a turn is in progress.");
  }
  absl::StatusOr<Written> written = Write(
      thread,
      [&](const ThreadState& state) -> absl::StatusOr<std::vector<NewEvent>> {
        if (!state.summary) return NotFound(thread);
        return std::vector<NewEvent>{
            EventMsg({{"type", "thread_rolled_back"}, {"num_turns", num_turns}})};
      },
      Durability::kSync, caller, sink);
  if (!written.ok()) return written.status();
  return std::move(written->summary);
}

UnsubscribeOutcome ThreadService::Unsubscribe(const ThreadId& thread, ClientId caller,
                                              NotificationSink& sink) {
  {
    UnloadNotice unloaded(*this);
    absl::MutexLock lock(&mu_);
    auto it = loaded_.find(thread);
    if (it == loaded_.end()) return UnsubscribeOutcome::kNotLoaded;
    if (it->second.followers.erase(caller) == 0) return UnsubscribeOutcome::kNotSubscribed;
    following_[caller].erase(thread);
    if (following_[caller].empty()) following_.erase(caller);
    if (!it->second.followers.empty()) return UnsubscribeOutcome::kUnsubscribed;
    // The last follower left: the thread unloads at once (Codex does).
    loaded_.erase(it);
    unloaded.Add(thread);
  }
  const ClientId leaver[] = {caller};
  sink.Notify(leaver, "thread/status/changed", StatusChanged(thread, kNotLoaded));
  sink.Notify(leaver, "thread/closed", {{"threadId", thread.ToString()}});
  return UnsubscribeOutcome::kUnsubscribed;
}

void ThreadService::ClientGone(ClientId client) {
  UnloadNotice unloaded(*this);
  absl::MutexLock lock(&mu_);
  auto it = following_.find(client);
  if (it == following_.end()) return;
  for (const ThreadId& thread : it->second) {
    auto loaded = loaded_.find(thread);
    if (loaded == loaded_.end()) continue;
    loaded->second.followers.erase(client);
    // A running turn goes on without its clients (it stays loaded, for a client that resumes
    // it to hear the rest); SetStatus unloads it once the turn is over.
    const bool running = loaded->second.status.value("type", "") == "active";
    if (loaded->second.followers.empty() && !running) {
      loaded_.erase(loaded);
      unloaded.Add(thread);
    }
  }
  following_.erase(it);
}

bool ThreadService::IsLoaded(const ThreadId& thread) const {
  absl::MutexLock lock(&mu_);
  return loaded_.count(thread) > 0;
}

std::vector<ThreadId> ThreadService::LoadedThreads() const {
  absl::MutexLock lock(&mu_);
  std::vector<ThreadId> out;
  out.reserve(loaded_.size());
  for (const auto& [id, thread] : loaded_) out.push_back(id);
  return out;
}

absl::StatusOr<Written> ThreadService::Append(const ThreadId& thread, const Decide& decide,
                                              Durability durability) {
  struct Silent final : NotificationSink {
    void Notify(std::span<const ClientId>, std::string_view, const json&) override {}
  } silent;
  return Write(thread, decide, durability, /*caller=*/0, silent);
}

std::pair<ThreadSettings, bool> ThreadService::Follow(const ThreadId& thread, ClientId caller,
                                                      const ThreadSettings& settings,
                                                      bool ephemeral) {
  absl::MutexLock lock(&mu_);
  auto [it, inserted] = loaded_.try_emplace(thread);
  // A thread already loaded keeps running with its own settings.
  if (inserted) {
    it->second.settings = settings;
    it->second.ephemeral = ephemeral;
  }
  it->second.followers.insert(caller);
  following_[caller].insert(thread);
  return {it->second.settings, !inserted};
}

void ThreadService::ClientGoneFrom(const ThreadId& thread, ClientId caller) {
  UnloadNotice unloaded(*this);
  absl::MutexLock lock(&mu_);
  auto it = loaded_.find(thread);
  if (it != loaded_.end()) {
    it->second.followers.erase(caller);
    if (it->second.followers.empty()) {
      loaded_.erase(it);
      unloaded.Add(thread);
    }
  }
  if (auto f = following_.find(caller); f != following_.end()) {
    f->second.erase(thread);
    if (f->second.empty()) following_.erase(f);
  }
}

std::vector<ClientId> ThreadService::Unload(const ThreadId& thread) {
  UnloadNotice unloaded(*this);
  absl::MutexLock lock(&mu_);
  std::vector<ClientId> former;
  auto it = loaded_.find(thread);
  if (it == loaded_.end()) return former;
  for (ClientId client : it->second.followers) {
    former.push_back(client);
    if (auto f = following_.find(client); f != following_.end()) {
      f->second.erase(thread);
      if (f->second.empty()) following_.erase(f);
    }
  }
  loaded_.erase(it);
  unloaded.Add(thread);
  return former;
}

std::optional<ThreadSettings> ThreadService::UpdateSettings(
    const ThreadId& thread, const std::function<void(ThreadSettings&)>& change) {
  absl::MutexLock lock(&mu_);
  auto it = loaded_.find(thread);
  if (it == loaded_.end()) return std::nullopt;
  change(it->second.settings);
  return it->second.settings;
}

json ThreadService::Status(const ThreadId& thread) const {
  absl::MutexLock lock(&mu_);
  auto it = loaded_.find(thread);
  if (it == loaded_.end()) return kNotLoaded;
  return it->second.status;
}

void ThreadService::SetTurnStopper(std::function<void(const ThreadId&)> stop) {
  turn_stopper_ = std::move(stop);
}

void ThreadService::SetUnloadListener(std::function<void(const ThreadId&)> listener) {
  unload_listener_ = std::move(listener);
}

ThreadService::UnloadNotice::~UnloadNotice() {
  if (!service_.unload_listener_) return;
  for (const ThreadId& thread : threads_) service_.unload_listener_(thread);
}

void ThreadService::SetStatus(const ThreadId& thread, json status) {
  UnloadNotice unloaded(*this);
  absl::MutexLock lock(&mu_);
  auto it = loaded_.find(thread);
  if (it == loaded_.end()) return;
  // A thread its clients left while a turn ran unloads once the turn is over.
  if (it->second.followers.empty() && status.value("type", "") != "active") {
    loaded_.erase(it);
    unloaded.Add(thread);
    return;
  }
  it->second.status = std::move(status);
}

std::vector<ClientId> ThreadService::Followers(const ThreadId& thread) const {
  return Audience(thread, /*caller=*/0);
}

std::vector<ClientId> ThreadService::Audience(const ThreadId& thread, ClientId caller) const {
  absl::MutexLock lock(&mu_);
  std::vector<ClientId> out;
  if (auto it = loaded_.find(thread); it != loaded_.end()) {
    out.assign(it->second.followers.begin(), it->second.followers.end());
  }
  // Codex tells the client that asked even when it does not follow the thread.
  if (caller != 0 && std::find(out.begin(), out.end(), caller) == out.end()) {
    out.push_back(caller);
  }
  return out;
}

ThreadSettings ThreadService::ResolveSettings(const SettingsOverrides& overrides,
                                              const ThreadSummary& summary,
                                              const json& last_turn_context) const {
  // Codex's rules: approvals, reviewer and sandbox come from the request, else the
  // configuration (never from what the thread ran with before); the model and effort from the
  // request, else the resumed thread's last turn, else the configuration. The configuration is
  // the request's `config` laid over the server's.
  const SettingsDefaults& configured = overrides.configured ? *overrides.configured : defaults_;
  ThreadSettings s;
  s.model =
      overrides.model.value_or(StringAt(last_turn_context, "model").value_or(configured.model));
  s.model_provider = overrides.model_provider.value_or(
      summary.model_provider.empty() ? configured.model_provider : summary.model_provider);
  s.service_tier = overrides.service_tier;
  s.cwd = overrides.cwd.value_or(summary.cwd);
  s.approval_policy = overrides.approval_policy.value_or(configured.approval_policy);
  s.approvals_reviewer = overrides.approvals_reviewer.value_or(configured.approvals_reviewer);
  s.sandbox_mode = overrides.sandbox_mode.value_or(configured.sandbox_mode);
  std::optional<std::string> last_effort =
      overrides.model ? std::nullopt : StringAt(last_turn_context, "effort");
  s.reasoning_effort = last_effort ? last_effort : configured.reasoning_effort;
  s.reasoning_summary = StringAt(last_turn_context, "summary");
  s.personality =
      overrides.personality ? overrides.personality : StringAt(last_turn_context, "personality");
  s.developer_instructions = overrides.developer_instructions;
  s.base_instructions = overrides.base_instructions;
  return s;
}

absl::StatusOr<json> ThreadService::LastTurnContext(const ThreadSummary& summary) {
  // The thread index remembers where the newest turn_context is, so resume reads one event
  // whatever the thread's length.
  if (summary.last_turn_context_position == 0) return json(nullptr);
  std::unique_ptr<EventIterator> it =
      StoreOf(summary.id).log().ReadAll(summary.last_turn_context_position);
  if (!it->status().ok()) return it->status();
  if (!it->Valid()) return json(nullptr);
  if (it->event().kind != EventKind::kTurnContext) {
    return absl::DataLossError("the thread index points at an event that is not a turn_context");
  }
  json parsed = json::parse(it->event().payload, nullptr, /*allow_exceptions=*/false);
  return parsed.is_discarded() ? json(nullptr) : parsed;
}

void ThreadService::NotifyAppended(const ThreadId& thread, const std::vector<NewEvent>& events,
                                   const ThreadSummary& after, ClientId caller,
                                   NotificationSink& sink) {
  if (events.empty()) return;
  NotifyEvents(thread, events, after, Audience(thread, caller), sink);
}

void ThreadService::NotifyEvents(const ThreadId& thread, const std::vector<NewEvent>& events,
                                 const ThreadSummary& after, const std::vector<ClientId>& audience,
                                 NotificationSink& sink) {
  for (const NewEvent& event : events) {
    switch (event.kind) {
      case EventKind::kSessionMeta: {
        // A new thread (start, fork): its followers hear it with its history (a fork's).
        ThreadJsonOptions options;
        options.status = IsLoaded(thread) ? kIdle : kNotLoaded;
        options.ephemeral = IsEphemeral(thread);
        options.default_model_provider = defaults_.model_provider;
        if (after.forked_from) {
          absl::StatusOr<json> turns = StoreOf(thread).ReadTurns(thread);
          if (turns.ok()) options.turns = *std::move(turns);
        }
        sink.Notify(audience, "thread/started", {{"thread", ThreadToJson(after, options)}});
        break;
      }
      case EventKind::kThreadArchived:
        sink.Notify(audience, "thread/archived", {{"threadId", thread.ToString()}});
        break;
      case EventKind::kThreadUnarchived:
        sink.Notify(audience, "thread/unarchived", {{"threadId", thread.ToString()}});
        break;
      case EventKind::kEventMsg:
        if (event.type == "thread_name_updated") {
          json payload = json::parse(event.payload.view(), nullptr, false);
          sink.Notify(audience, "thread/name/updated",
                      {{"threadId", thread.ToString()},
                       {"threadName", StringAt(payload, "thread_name").value_or("")}});
        }
        break;
      default:
        break;
    }
  }
}

}  // namespace threadlog::session
