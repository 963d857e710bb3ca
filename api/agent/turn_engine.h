// TurnEngine: runs a loaded thread's turns — turn/start, turn/steer, turn/interrupt — as Codex
// 0.117.0 runs them: the user's input recorded, then sampling (api/agent/model_client.h) and
// tool calls in a loop until a response asks for no tool, every event appended through the
// thread-write service with the thread's persistence mode, every notification derived from those
// events (TurnNotifier). It sits beside the write service and below the JSON-RPC handlers.
#ifndef THREADLOG_API_AGENT_TURN_ENGINE_H_
#define THREADLOG_API_AGENT_TURN_ENGINE_H_

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "api/agent/exec_policy.h"
#include "api/agent/model_client.h"
#include "api/agent/prompt.h"
#include "api/agent/provider.h"
#include "api/agent/sandbox.h"
#include "api/agent/shell_environment.h"
#include "api/agent/thread_memory.h"
#include "api/agent/tool_dispatch.h"
#include "api/agent/unified_exec.h"
#include "api/agent/user_shell.h"
#include "api/session/notification_sink.h"
#include "api/session/thread_service.h"
#include "eventlog/thread_id.h"
#include "nlohmann/json.hpp"

namespace threadlog::agent {

// turn/start's collaborationMode: the mode ("plan" or "default") and its settings. The model and
// effort replace the thread's (an absent effort clears it); the mode, with its instructions
// (the mode's own text when none are given), stays in force until a turn names another.
struct CollaborationModeRequest {
  std::string mode;
  std::string model;
  std::optional<std::string> reasoning_effort;
  std::optional<std::string> developer_instructions;
};

// turn/start's overrides, each unset when absent. All but output_schema stay for later turns.
struct TurnOverrides {
  std::optional<std::string> cwd;  // absolute
  std::optional<std::string> model;
  std::optional<std::string> effort;
  std::optional<std::string> summary;
  std::optional<std::string> personality;
  std::optional<nlohmann::json> approval_policy;
  std::optional<std::string> approvals_reviewer;
  std::optional<std::string> sandbox_mode;
  std::optional<bool> network_access;
  std::optional<std::vector<std::string>> writable_roots;  // workspace-write's extra roots
  nlohmann::json output_schema = nullptr;                  // this turn only
  std::optional<CollaborationModeRequest> collaboration_mode;
};

struct TurnStartRequest {
  nlohmann::json input;  // v2 UserInput[], checked (CheckUserInputs)
  TurnOverrides overrides;
  std::string originator;  // the client's name (initialize), sent as `originator`
  std::string user_agent;  // the User-Agent Codex would send for this client
  // thread/compact/start: the turn summarizes the history and replaces it with the summary
  // (no input, no overrides).
  bool compact = false;
  // thread/shellCommand: the user's command, run outside the sandbox (user_shell.h), no input,
  // no overrides. While a turn runs it joins that turn; else it is a turn of its own that asks
  // nothing of the model.
  std::optional<std::string> shell_command;
};

// What StartTurn gives the caller: the answer, and what to call once it is sent.
struct StartedTurn {
  nlohmann::json turn;  // v2 Turn: {id, items: [], status: inProgress, error: null}
  // Lets the turn run. Call it right after the answer is sent (the turn's notifications must
  // come after it); it runs by itself a few seconds later should nobody call it. Idempotent.
  std::function<void()> release;
};

struct TurnEngineOptions {
  std::string codex_home;  // whose config.toml names the providers ("" : built-ins only)
  EnvLookup env = ProcessEnvironment();
  // The account's credentials at the time a request is made (account/login).
  std::function<AccountCredentials()> credentials = [] { return AccountCredentials{}; };
  ModelClient::Options client;
  // How long a dynamic tool call waits for the client's answer to item/tool/call; then the
  // call's output says it went unanswered and the turn goes on.
  absl::Duration dynamic_tool_timeout = absl::Minutes(10);
  // The skills a thread's first turn lists for the model, for its cwd (skills/list's enabled
  // ones, in its order). Called on the turn/start request's thread.
  std::function<std::vector<SkillEntry>(const std::string& cwd)> skills = [](const std::string&) {
    return std::vector<SkillEntry>{};
  };
  // What commands run in (read-only and workspace-write); probed at /usr/bin/bwrap when null.
  std::shared_ptr<const Sandbox> sandbox;
  // The environment commands start from (NAME=value; the server's own when empty), before
  // Codex's overlay (ExecEnvironment) and CODEX_THREAD_ID.
  std::vector<std::string> command_env;
  // config.toml's [shell_environment_policy], applied to command_env.
  ShellEnvironmentPolicy shell_environment;
};

// Thread-safe. `threads`, `clients` and `requests` must outlive the engine. The destructor
// interrupts every running turn and waits for it to end.
class TurnEngine {
 public:
  TurnEngine(session::ThreadService& threads, session::NotificationSink& clients,
             ClientRequests& requests, TurnEngineOptions options);
  ~TurnEngine();
  TurnEngine(const TurnEngine&) = delete;
  TurnEngine& operator=(const TurnEngine&) = delete;

  // turn/start on a loaded thread: applies the overrides to the thread's settings, records the
  // input (the context messages first on a thread's first turn) durably, and starts the turn on
  // a thread of its own. Returns the v2 Turn — the answer — while turn/started and the user
  // message's items go to `sink` (held until the answer by a request's sink). Errors: kNotFound
  // "thread not found: ID" for a thread that is not loaded; kFailedPrecondition when a turn is
  // running already; kInvalidArgument for input that cannot be recorded (an unreadable local
  // image); the log's errors.
  absl::StatusOr<StartedTurn> StartTurn(const ThreadId& thread, const TurnStartRequest& request,
                                        session::ClientId caller, session::NotificationSink& sink);
  // With request.compact (thread/compact/start) the turn records no input: it asks the model for
  // a summary of the history and replaces the history with it; kFailedPrecondition while a turn
  // runs.
  // With request.shell_command (thread/shellCommand, kInvalidArgument "command must not be
  // empty") the command runs in the thread's cwd: as a turn of its own (turn/started, its
  // commandExecution item, turn/completed; its record joins the history for the next turn), or,
  // while a model turn runs, as part of that turn, which sends its record with its next request
  // (the turn waits for it rather than end before it); the running turn is returned then.
  // While a turn runs, turn/start's input is steered into it (as Codex does) and the running
  // turn is returned (Codex answers with a new id that never starts; threadlog names the turn
  // the input joined).
  // turn/steer: adds `input` to the running turn, which sends it with its next request.
  // Returns the turn's id. Errors (kInvalidArgument, Codex's texts): "no active turn to steer",
  // "expected active turn id `X` but found `Y`", "input must not be empty".
  absl::StatusOr<std::string> SteerTurn(const ThreadId& thread, const std::string& expected_turn_id,
                                        const nlohmann::json& input);
  // turn/interrupt: stops the running turn `turn_id` (its model stream at once, its pending
  // tool calls answered "aborted"); it completes `interrupted`. Returns once the stop is
  // requested. kInvalidArgument when `turn_id` is not the thread's running turn.
  absl::Status InterruptTurn(const ThreadId& thread, const std::string& turn_id);
  // Interrupts the thread's running turn, whichever it is (thread/archive), and waits (10 s at
  // most) until it has ended; nothing when none runs.
  void StopTurn(const ThreadId& thread);
  // The id of the thread's running turn, if any.
  std::optional<std::string> ActiveTurn(const ThreadId& thread) const;
  // thread/backgroundTerminals/clean, and a thread unloading: kills the thread's unified exec
  // processes (those a turn left running) and waits until each is reaped. Returns how many.
  int CleanBackgroundTerminals(const ThreadId& thread);
  session::ThreadService& threads() const { return threads_; }

 private:
  struct Turn;
  // The headers of a turn's model requests: originator, session_id, x-client-request-id,
  // x-codex-turn-metadata, user-agent (MODEL_CLIENT.md).
  static std::vector<HttpHeader> Headers(const Turn& turn);
  void Run(const std::shared_ptr<Turn>& turn);
  void RunCompaction(const std::shared_ptr<Turn>& turn);
  // A thread/shellCommand turn: the command, then the turn's end.
  void RunShellTurn(const std::shared_ptr<Turn>& turn);
  // A thread/shellCommand command joining the running model turn, on a thread of its own: told
  // once `answered` (the request's answer is out), its exec_command_end stored, its record
  // handed to the turn.
  void AttachShellCommand(const std::shared_ptr<Turn>& turn, const std::string& command,
                          absl::Notification* answered);
  // The records of the commands that ended, appended and added to the turn's history.
  absl::Status TakeShellRecords(Turn& turn, TurnWriter& writer);
  // Waits for the turn's commands (the turn has stopped taking them) and returns the records
  // not taken, to be stored with the turn's end.
  std::vector<TurnEvent> JoinShellCommands(Turn& turn);
  // How the user's command runs in the turn's thread: its shell, cwd and environment.
  UserShellCommand UserShellCommandOf(const Turn& turn, const std::string& command);
  // Summarizes the turn's history through the model and replaces it with the summary
  // (compacted, context_compacted appended; contextCompaction items and thread/compacted told).
  struct CompactOutcome {
    enum End { kDone, kInterrupted, kFailed } end = kDone;
    ModelError error;    // kFailed by the model
    absl::Status store;  // kFailed by the log
  };
  CompactOutcome CompactHistory(const std::shared_ptr<Turn>& turn);
  void Finish(const std::shared_ptr<Turn>& turn);
  // config.toml's providers, read again only when the file changed.
  absl::StatusOr<ProviderCatalog> Providers();

  // `shell`'s login environment, had once per server (nullopt when it cannot be had).
  std::optional<std::vector<std::string>> LoginEnvironment(const std::string& shell);
  // Kills the thread's unified exec processes (and with `forget` drops its session table: the
  // thread unloaded). Returns how many there were.
  int EndSessions(const ThreadId& thread, bool forget);
  // The thread's unified exec sessions, made on first use.
  std::shared_ptr<ExecSessions> SessionsOf(const ThreadId& thread);

  session::ThreadService& threads_;
  session::NotificationSink& clients_;
  ClientRequests& requests_;
  const TurnEngineOptions options_;
  const std::shared_ptr<const Sandbox> sandbox_;
  // options_.command_env (or the server's) as the shell environment policy leaves it.
  const std::vector<std::string> command_env_;
  // $CODEX_HOME/rules: the commands the user allowed (read at start, added to by approvals).
  const std::shared_ptr<ExecPolicyRules> rules_;
  mutable absl::Mutex mu_;
  std::map<ThreadId, std::shared_ptr<Turn>> running_ ABSL_GUARDED_BY(mu_);
  std::map<ThreadId, std::shared_ptr<ExecSessions>> exec_sessions_ ABSL_GUARDED_BY(mu_);
  absl::Mutex catalog_mu_;
  std::optional<absl::StatusOr<ProviderCatalog>> catalog_ ABSL_GUARDED_BY(catalog_mu_);
  std::string catalog_identity_ ABSL_GUARDED_BY(catalog_mu_);
  absl::Mutex login_env_mu_;
  std::map<std::string, std::optional<std::vector<std::string>>> login_envs_
      ABSL_GUARDED_BY(login_env_mu_);
  ThreadMemories memories_{64};  // the threads that turned last, so a turn reads only what is new
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace threadlog::agent

#endif  // THREADLOG_API_AGENT_TURN_ENGINE_H_
