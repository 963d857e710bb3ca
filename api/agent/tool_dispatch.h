// ToolDispatcher: the tools a turn offers the model and the calls the model makes of them —
// begun as soon as a call's item is done (a command started or asked about, a patch planned),
// answered in history in order once the response is complete, every one answered should the
// turn stop — with the approvals and the sandbox that gate commands and patches.
#ifndef THREADLOG_API_AGENT_TOOL_DISPATCH_H_
#define THREADLOG_API_AGENT_TOOL_DISPATCH_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "api/agent/apply_patch.h"
#include "api/agent/cancel_token.h"
#include "api/agent/exec_policy.h"
#include "api/agent/sandbox.h"
#include "api/agent/turn_diff.h"
#include "api/agent/turn_writer.h"
#include "api/agent/unified_exec.h"
#include "api/session/notification_sink.h"
#include "nlohmann/json.hpp"
#include "projections/model_history.h"

namespace threadlog::agent {

// Requests the engine sends to a client, and their answers (item/tool/call for dynamic tools).
// The API implements it: it owns the connections.
class ClientRequests {
 public:
  virtual ~ClientRequests() = default;
  // Sends the JSON-RPC request {method, params} to `client`. `done` runs exactly once, on any
  // thread: with the answer's result, or an error (the client answered with one, is gone, or
  // was never connected). Thread-safe.
  virtual void Send(session::ClientId client, std::string method, nlohmann::json params,
                    std::function<void(absl::StatusOr<nlohmann::json>)> done) = 0;
  // An approval request: as Send, except that an answer failing `check` is refused (the request
  // stays pending, to be answered again), and that once one passes, the client is told
  // serverRequest/resolved {threadId: thread_id, requestId} before `done` runs. Returns what
  // withdraws the request while it is pending (its turn ended without an answer): `done` runs
  // with kCancelled and the client is told serverRequest/resolved, as Codex tells it; a later
  // answer changes nothing. Calling it once settled does nothing. The default (for fakes that
  // do not care) is Send, and withdraws nothing.
  virtual std::function<void()> Ask(session::ClientId client, std::string method,
                                    nlohmann::json params, std::string thread_id,
                                    std::function<absl::Status(const nlohmann::json&)> check,
                                    std::function<void(absl::StatusOr<nlohmann::json>)> done) {
    (void)thread_id;
    (void)check;
    Send(client, std::move(method), std::move(params), std::move(done));
    return [] {};
  }
};

// What the tools of one turn know of it.
struct ToolTurn {
  std::string thread_id;
  std::string turn_id;
  session::ClientId caller = 0;  // who started the turn: dynamic tool calls go to this client
  bool plan_mode = false;        // update_plan refuses
  nlohmann::json dynamic_tools = nlohmann::json::array();  // the thread's (session_meta)
  absl::Duration dynamic_tool_timeout = absl::Minutes(10);
  // view_image offered (the model takes images), reading paths relative to `cwd` (absolute).
  bool view_image = false;
  std::string cwd;

  // Unified exec (exec_command and write_stdin), offered when set.
  struct Exec {
    std::shared_ptr<ExecSessions> sessions;  // the thread's: processes outlive the turn
    const Sandbox* sandbox = nullptr;        // must outlive the sessions
    SandboxPolicy policy;
    std::string cwd;               // the turn's, absolute
    std::vector<std::string> env;  // what commands' environments start from (ExecEnvironment)
    // A login shell's environment (LoginShellEnvironment of `shell`), when it could be had: a
    // login command then runs as `shell -c` with it, as Codex runs it from its shell snapshot.
    std::optional<std::vector<std::string>> login_env;
    std::string shell = "/bin/bash";
    // "never": every command runs in the sandbox. "untrusted": known-safe commands do; others
    // are asked about first (item/commandExecution/requestApproval) and run outside it once
    // approved. "on-request": every command runs in the sandbox unless the model asks for it
    // to run outside (sandbox_permissions "require_escalated"), which is asked about first.
    // "on-failure": every command runs in the sandbox; one it refused is asked about and run
    // again outside it once approved (as are untrusted's known-safe ones). "granular": as
    // on-request, and as on-failure, when `sandbox_approval`; else neither is asked about:
    // an escalation is refused, a refused command stays refused.
    std::string approval_policy = "never";
    bool sandbox_approval = true;            // granular's
    std::shared_ptr<ExecPolicyRules> rules;  // the user's allow rules (acceptWithExecpolicy...)
    // Sets the thread's waitingOnApproval flag and tells its followers (thread/status/changed).
    std::function<void(bool waiting)> waiting_on_approval;
    // apply_patch offered (the freeform tool; its function form and an exec_command heredoc are
    // understood whenever commands are).
    bool apply_patch = false;
  };
  std::optional<Exec> exec;
};

// One per turn worker; not thread-safe (clients' answers arrive on other threads, through
// ClientRequests' callbacks, and only that worker reads them). `writer` and `requests` must
// outlive it. Codex 0.117.0's order: a call begins while the response still streams (the plan
// update is told, the client is asked), and its output joins the history once the response is
// complete.
class ToolDispatcher {
 public:
  ToolDispatcher(ToolTurn turn, TurnWriter& writer, ClientRequests& requests);
  ~ToolDispatcher();
  ToolDispatcher(const ToolDispatcher&) = delete;
  ToolDispatcher& operator=(const ToolDispatcher&) = delete;

  // The request body's tools, as Codex orders them: exec_command and write_stdin (when
  // offered), update_plan, apply_patch and view_image (when offered), then the dynamic tools.
  const nlohmann::json& Specs() const { return specs_; }

  // Begins the call a completed output item asks for (function_call, custom_tool_call,
  // local_shell_call); a tool the turn does not offer is answered "unsupported call: NAME".
  // Errors: the log's (a plan update that could not be recorded).
  absl::Status Begin(const nlohmann::json& item);

  // Tells clients about the answers that arrived since the last look (between stream events,
  // and once a stream ended), as Codex tells them.
  void TellAnswered();

  bool HasPending() const { return !pending_.empty(); }

  // Answers the begun calls in order: waits for each (a client's answer, or the timeout),
  // appends its events and output item, and adds the output to `history`. kCancelled when
  // `cancel` fired while waiting (the calls not answered stay pending); the log's errors.
  absl::Status AnswerAll(CancelToken& cancel, ModelHistoryBuilder& history);

  // The outputs ("aborted", for a command "aborted by user after 1.2s") that keep the history
  // valid for the calls still pending, which are forgotten.
  std::vector<TurnEvent> AbortPending();

 private:
  struct Call;
  struct ExecTeller;
  // An exec_command's command, checked and resolved, before it runs.
  struct PreparedExec {
    std::vector<std::string> argv;      // [shell, -lc|-c, cmd]: judged, shown
    std::vector<std::string> run_argv;  // what runs (-c with the login environment)
    std::string command;                // argv as a shell string
    std::string cwd;                    // absolute
    bool tty = false;
    bool login = true;
    absl::Duration yield;
    int64_t max_output_tokens = 10000;
    nlohmann::json actions;  // commandActions
  };
  // exec_command / write_stdin: starts the process (or asks first) or writes to it (the output
  // is waited for in AnswerAll).
  void BeginExec(Call& call, const nlohmann::json& item);
  bool AllowedByRules(const std::vector<std::string>& argv) const;
  void AskApproval(Call& call, PreparedExec p, std::optional<std::vector<std::string>> amendment,
                   std::optional<std::string> reason = std::nullopt);
  // Starts the command and tells item/started; `on_trial`: tells nothing yet (the teller holds
  // it all until Publish).
  void StartExec(Call& call, const PreparedExec& p, bool sandboxed, bool on_trial = false);
  // Waits for the approval's answer and does what it says: runs the command, declines it, or
  // cancels the turn (kCancelled, as does an interrupt while waiting).
  absl::Status AwaitApproval(Call& call, CancelToken& cancel);
  // Waits for the answer to the call's approval request: its decision ("decline" for a client
  // that went away or answered with an error), or kCancelled when the turn is interrupted.
  absl::StatusOr<nlohmann::json> AwaitDecision(Call& call, CancelToken& cancel);
  // apply_patch: plans the patch in `cwd`; writes it (never: when the sandbox allows every
  // path) or asks first (untrusted); `exec_form` for one that came as exec_command.
  void BeginPatch(Call& call, std::string_view text, const std::string& cwd, bool exec_form);
  // Writes it, tells its item, output and the turn's diff; the output the model reads.
  std::string FinishPatch(Call& call, const PatchToolRun& run);
  absl::Status AwaitPatchApproval(Call& call, CancelToken& cancel);
  void BeginWriteStdin(Call& call, const nlohmann::json& item);
  nlohmann::json AnswerExec(Call& call, CancelToken& cancel, bool& cancelled);

  ToolTurn turn_;
  TurnWriter& writer_;
  ClientRequests& requests_;
  nlohmann::json specs_;
  std::vector<std::string> dynamic_names_;
  std::vector<std::unique_ptr<Call>> pending_;  // begun, not yet answered in history
  // Approval requests still unanswered when their calls were aborted: withdrawn once the turn
  // has been told it ended (by the destructor, as Codex orders it).
  std::vector<std::function<void()>> withdrawals_;
  TurnDiff turn_diff_;  // what the turn's patches changed
};

}  // namespace threadlog::agent

#endif  // THREADLOG_API_AGENT_TOOL_DISPATCH_H_
