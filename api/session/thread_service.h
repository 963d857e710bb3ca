// ThreadService: the thread-write service. It owns the loaded threads (who follows which, the
// settings each runs with), turns every change of a thread into events appended through the one
// log with the thread's persistence mode, and derives what clients hear from what it appended.
// It knows nothing of JSON-RPC: the API's handlers validate requests and call it; the turn
// engine will append through Write the same way.
#ifndef THREADLOG_API_SESSION_THREAD_SERVICE_H_
#define THREADLOG_API_SESSION_THREAD_SERVICE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "api/session/notification_sink.h"
#include "api/session/thread_events.h"
#include "eventlog/event.h"
#include "nlohmann/json.hpp"
#include "projections/thread_store.h"

namespace threadlog::session {

// What a thread runs with: what start, resume and fork answer, and what its turns use.
struct ThreadSettings {
  std::string model;
  std::string model_provider;
  std::optional<std::string> service_tier;  // fast | flex
  std::string cwd;                          // absolute
  nlohmann::json approval_policy;           // AskForApproval, as the wire spells it
  std::string approvals_reviewer;           // user | guardian_subagent
  std::string sandbox_mode;                 // read-only | workspace-write | danger-full-access
  std::optional<std::string> reasoning_effort;
  // What the turn engine also needs (not in the start/resume/fork answers).
  std::optional<std::string> reasoning_summary;       // auto | concise | detailed | none
  std::optional<std::string> personality;             // none | friendly | pragmatic
  std::optional<std::string> developer_instructions;  // thread/start's developerInstructions
  std::optional<std::string> base_instructions;       // replaces the model's instructions
  bool network_access = false;                        // the sandbox lets commands reach it
  std::vector<std::string> writable_roots;            // workspace-write's extra roots
  bool sandbox_from_turn = false;  // the sandbox is a turn/start's sandboxPolicy, not config's
};

// The configured settings (config.toml, else Codex's defaults): what a thread runs with where
// neither the request nor the thread itself says otherwise.
struct SettingsDefaults {
  std::string model = "gpt-5.3-codex";
  std::string model_provider = "openai";
  nlohmann::json approval_policy = "on-request";
  std::string approvals_reviewer = "user";
  std::string sandbox_mode = "read-only";
  std::optional<std::string> reasoning_effort;  // model_reasoning_effort; none: the model's own
};

// What a client asked for (each unset when absent): start, resume and fork take these.
struct SettingsOverrides {
  std::optional<std::string> model;
  std::optional<std::string> model_provider;
  std::optional<std::string> service_tier;
  std::optional<std::string> cwd;  // absolute
  std::optional<nlohmann::json> approval_policy;
  std::optional<std::string> approvals_reviewer;
  std::optional<std::string> sandbox_mode;
  std::optional<std::string> base_instructions;
  std::optional<std::string> developer_instructions;
  std::optional<std::string> personality;
  bool persist_extended = false;  // persistExtendedHistory: keep the thread's history in full
  // The configuration as this request's `config` overrides leave it; unset: the service's.
  std::optional<SettingsDefaults> configured;
};

struct StartRequest {
  SettingsOverrides settings;
  nlohmann::json dynamic_tools = nullptr;  // DynamicToolSpec[] as sent, or null
  std::string originator;                  // the client's name, recorded in session_meta
  // Kept in memory only, as Codex keeps it: never listed, not archivable or forkable, gone once
  // its last follower leaves.
  bool ephemeral = false;
};

// A thread as a client opens it.
struct OpenedThread {
  ThreadSummary summary;  // after the operation
  ThreadSettings settings;
};

// Which loaded threads a client follows, and whether it was the thread's last follower.
enum class UnsubscribeOutcome { kUnsubscribed, kNotSubscribed, kNotLoaded };

// A thread's state as an appender sees it; `summary` is nullopt for a thread that does not
// exist yet. Events appended after a decision based on this state go right after `last_seq`.
struct ThreadState {
  std::optional<ThreadSummary> summary;
  uint64_t last_seq = 0;
};

// The events to append given the thread's state (empty: nothing to do), or why not.
using Decide = std::function<absl::StatusOr<std::vector<NewEvent>>(const ThreadState&)>;

// What Write appended.
struct Written {
  AppendResult result;           // zeros when nothing was stored (all filtered or none given)
  ThreadSummary summary;         // the thread after the append
  std::vector<NewEvent> events;  // what `decide` gave, before the persistence policy
  size_t stored = 0;             // how many of them the thread's mode keeps
};

// Thread-safe. `store` must outlive the service. Every operation that changes a thread takes
// the client it acts for (`caller`) and the sink its notifications go to (a request handler
// passes one that orders them around its answer; see NotificationSink).
// The system prompt a thread of `model` runs with (its personality filled in), which Codex
// records in a new thread's session_meta; the turn engine knows it (api/agent/model_family.h).
using ModelInstructions = std::function<std::string(const std::string& model,
                                                    const std::optional<std::string>& personality)>;

class ThreadService {
 public:
  // Without `instructions`, a new thread's session_meta records base_instructions only when
  // the client gave them.
  ThreadService(ThreadStore& store, SettingsDefaults defaults, ModelInstructions instructions = {});
  ThreadService(const ThreadService&) = delete;
  ThreadService& operator=(const ThreadService&) = delete;

  const SettingsDefaults& defaults() const { return defaults_; }

  // The generic write path (the lifecycle operations below use it too). Reads the thread's
  // state, asks `decide`, applies the thread's persistence mode to the events (a
  // thread_configured event among them changes the mode for those after it), and appends the
  // kept ones with the seq the decision was based on, at `durability`. When another writer
  // appended first, the state is read again and `decide` runs again (a few times at most, then
  // kAborted): a decision is never applied to a state it did not see. Then `caller` and the
  // thread's followers hear what the events mean (thread/started, thread/archived, ...).
  absl::StatusOr<Written> Write(const ThreadId& thread, const Decide& decide, Durability durability,
                                ClientId caller, NotificationSink& sink);

  // thread/start: a new thread (UUIDv7), stored at once, loaded and followed by `caller`.
  absl::StatusOr<OpenedThread> Start(const StartRequest& request, ClientId caller,
                                     NotificationSink& sink);
  // thread/resume: loads the thread for `caller` (thread/status/changed idle when it was not
  // loaded). kNotFound "no rollout found for thread id X" for an unknown or archived thread.
  absl::StatusOr<OpenedThread> Resume(const ThreadId& thread, const SettingsOverrides& settings,
                                      ClientId caller, NotificationSink& sink);
  // thread/fork: a new thread reading the parent's history up to now (copy-on-write; an
  // ephemeral fork, which lives in memory, gets a copy).
  absl::StatusOr<OpenedThread> Fork(const ThreadId& parent, const SettingsOverrides& settings,
                                    bool ephemeral, ClientId caller, NotificationSink& sink);
  // thread/archive: unloads the thread (its followers hear notLoaded) and archives it.
  absl::Status Archive(const ThreadId& thread, ClientId caller, NotificationSink& sink);
  absl::StatusOr<ThreadSummary> Unarchive(const ThreadId& thread, ClientId caller,
                                          NotificationSink& sink);
  absl::Status SetName(const ThreadId& thread, const std::string& name, ClientId caller,
                       NotificationSink& sink);
  // thread/rollback of a loaded thread: drops its last `num_turns` turns from its history.
  // kInvalidArgument "Cannot rollback while a turn is in progress." while one runs (Codex).
  absl::StatusOr<ThreadSummary> Rollback(const ThreadId& thread, uint32_t num_turns,
                                         ClientId caller, NotificationSink& sink);
  // thread/unsubscribe. The last follower leaving unloads the thread; it hears notLoaded and
  // thread/closed.
  UnsubscribeOutcome Unsubscribe(const ThreadId& thread, ClientId caller, NotificationSink& sink);
  // A client disconnected: it follows nothing any more; threads it was the last follower of
  // unload without a word (nobody is left to tell) — once their running turn is over, if one
  // runs (see SetStatus).
  void ClientGone(ClientId client);

  bool IsLoaded(const ThreadId& thread) const;
  // Changes a loaded thread's settings for its later turns (turn/start's overrides) and returns
  // them; nullopt when it is not loaded.
  std::optional<ThreadSettings> UpdateSettings(const ThreadId& thread,
                                               const std::function<void(ThreadSettings&)>& change);
  // The clients following a loaded thread (empty when it is not loaded): who hears its turns.
  std::vector<ClientId> Followers(const ThreadId& thread) const;
  // A loaded thread's v2 ThreadStatus: idle once loaded, then what the turn engine last set
  // (active while a turn runs, systemError after a failed one); notLoaded otherwise.
  nlohmann::json Status(const ThreadId& thread) const;
  // How a thread's running turn is stopped (the turn engine's interrupt), for thread/archive,
  // which stops it first as Codex does. Set once, before the service is used.
  void SetTurnStopper(std::function<void(const ThreadId&)> stop);
  // Called with each thread that unloads, whatever unloads it, after the service's lock is
  // released (the turn engine ends the thread's background processes). Set once, before the
  // service is used.
  void SetUnloadListener(std::function<void(const ThreadId&)> listener);
  // Sets a loaded thread's status (the turn engine); nothing for a thread that is not loaded. A
  // status other than active unloads a thread nobody follows any more.
  void SetStatus(const ThreadId& thread, nlohmann::json status);
  // A loaded thread kept in memory only (StartRequest::ephemeral).
  bool IsEphemeral(const ThreadId& thread) const;
  // Where `thread`'s events and projections are read: the in-memory store while it is a loaded
  // ephemeral thread, the store otherwise. Valid while the service lives.
  ThreadStore& StoreOf(const ThreadId& thread);
  // The loaded threads, in id order.
  std::vector<ThreadId> LoadedThreads() const;

 private:
  struct LoadedThread {
    std::set<ClientId> followers;
    ThreadSettings settings;
    nlohmann::json status = {{"type", "idle"}};
    bool ephemeral = false;  // its events are in memory_
    // The summary after this service's last append to it: the next write decides on it
    // instead of reading the store again (a writer elsewhere makes the append conflict, and the
    // write then reads afresh).
    std::optional<ThreadSummary> written;
  };

  absl::StatusOr<ThreadState> ReadState(const ThreadId& thread) ABSL_LOCKS_EXCLUDED(mu_);
  void ForgetWritten(const ThreadId& thread) ABSL_LOCKS_EXCLUDED(mu_);
  // Opens memory_ unless it is open.
  absl::Status OpenMemory() ABSL_LOCKS_EXCLUDED(mu_);
  // Start and fork: the thread `meta` describes, with `after_meta` appended after its
  // session_meta, loaded for and followed by `caller`, its settings from `overrides` or the
  // configuration.
  absl::StatusOr<OpenedThread> CreateThread(const NewThreadMeta& meta,
                                            std::vector<NewEvent> after_meta,
                                            const SettingsOverrides& overrides, bool ephemeral,
                                            ClientId caller, NotificationSink& sink);
  // Write without notifications, for an operation that orders them itself.
  absl::StatusOr<Written> Append(const ThreadId& thread, const Decide& decide,
                                 Durability durability);
  // Loads `thread` with `settings` (keeping a loaded thread's own) and adds `caller` to its
  // followers. Returns the settings it runs with and whether it was loaded before.
  std::pair<ThreadSettings, bool> Follow(const ThreadId& thread, ClientId caller,
                                         const ThreadSettings& settings, bool ephemeral = false)
      ABSL_LOCKS_EXCLUDED(mu_);
  // Undoes Follow for a thread whose creation failed.
  void ClientGoneFrom(const ThreadId& thread, ClientId caller) ABSL_LOCKS_EXCLUDED(mu_);
  // Unloads `thread` and returns who followed it.
  std::vector<ClientId> Unload(const ThreadId& thread) ABSL_LOCKS_EXCLUDED(mu_);
  // The thread's followers, and `caller` (Codex tells the client that asked even when it does
  // not follow the thread; 0 is no client).
  std::vector<ClientId> Audience(const ThreadId& thread, ClientId caller) const
      ABSL_LOCKS_EXCLUDED(mu_);
  // The settings a thread opened with `overrides` runs with; `last_turn_context` (resume only)
  // supplies the model and effort it ran with last.
  ThreadSettings ResolveSettings(const SettingsOverrides& overrides, const ThreadSummary& summary,
                                 const nlohmann::json& last_turn_context) const;
  absl::StatusOr<nlohmann::json> LastTurnContext(const ThreadSummary& summary);
  void NotifyAppended(const ThreadId& thread, const std::vector<NewEvent>& events,
                      const ThreadSummary& after, ClientId caller, NotificationSink& sink);
  // What `events` mean to clients, sent to `audience`.
  void NotifyEvents(const ThreadId& thread, const std::vector<NewEvent>& events,
                    const ThreadSummary& after, const std::vector<ClientId>& audience,
                    NotificationSink& sink);

  ThreadStore& store_;
  // Ephemeral threads' events, in memory. Threads that unloaded stay in it unreachable until
  // the server stops (the log is append-only), so it grows with what ephemeral threads did.
  std::unique_ptr<ThreadStore> memory_ ABSL_GUARDED_BY(mu_);
  const SettingsDefaults defaults_;
  const ModelInstructions instructions_;
  std::function<void(const ThreadId&)> turn_stopper_;
  std::function<void(const ThreadId&)> unload_listener_;
  // Declared before a MutexLock on mu_: tells the unload listener of the threads Add()ed once
  // that lock is released (destructors run in reverse order).
  class UnloadNotice {
   public:
    explicit UnloadNotice(const ThreadService& service) : service_(service) {}
    ~UnloadNotice();
    void Add(const ThreadId& thread) { threads_.push_back(thread); }

   private:
    const ThreadService& service_;
    std::vector<ThreadId> threads_;
  };
  mutable absl::Mutex mu_;
  std::map<ThreadId, LoadedThread> loaded_ ABSL_GUARDED_BY(mu_);
  std::map<ClientId, std::set<ThreadId>> following_ ABSL_GUARDED_BY(mu_);
};

}  // namespace threadlog::session

#endif  // THREADLOG_API_SESSION_THREAD_SERVICE_H_
