// turn/start, turn/steer, turn/interrupt, thread/compact/start, thread/shellCommand,
// thread/backgroundTerminals/clean, collaborationMode/list: params
// checked, then the engine.
#include "api/turn_handlers.h"

#include "api/params.h"
#include "api/thread_params.h"
#include "api/turn_params.h"
#include "api/user_agent.h"

namespace threadlog::api {
namespace {

using nlohmann::json;

template <typename P>
std::function<absl::StatusOr<P>(const json&)> Parser(absl::StatusOr<P> (*parse)(const json&)) {
  return [parse](const json& params) { return parse(params); };
}

}  // namespace

void RegisterTurnHandlers(MethodRegistry& registry, agent::TurnEngine& engine) {
  registry.Register<TurnStartParams>(
      "turn/start", Parser(ParseTurnStart),
      [&engine](const TurnStartParams& p, RequestContext& ctx) -> absl::StatusOr<json> {
        if (!p.thread.ok()) return p.thread.status();
        agent::TurnStartRequest request;
        request.input = p.input;
        request.overrides = p.overrides;
        const ClientSession& session = ctx.connection->session();
        request.originator = session.client_name();
        request.user_agent = UserAgent(session.client_name(), session.client_version());
        absl::StatusOr<agent::StartedTurn> started =
            engine.StartTurn(*p.thread, request, ctx.connection->id(), ctx.notifications);
        if (!started.ok()) return started.status();
        // The turn runs once this answer (and what was held for it) is out.
        ctx.after_response.push_back(started->release);
        return json{{"turn", started->turn}};
      });
  registry.Register<TurnSteerParams>(
      "turn/steer", Parser(ParseTurnSteer),
      [&engine](const TurnSteerParams& p, RequestContext&) -> absl::StatusOr<json> {
        if (!p.thread.ok()) return p.thread.status();
        absl::StatusOr<std::string> turn = engine.SteerTurn(*p.thread, p.expected_turn_id, p.input);
        if (!turn.ok()) return turn.status();
        return json{{"turnId", *turn}};
      });
  registry.Register<absl::StatusOr<ThreadId>>(
      "thread/compact/start", Parser(ParseThreadCompact),
      [&engine](const absl::StatusOr<ThreadId>& thread,
                RequestContext& ctx) -> absl::StatusOr<json> {
        if (!thread.ok()) return thread.status();
        agent::TurnStartRequest request;
        request.compact = true;
        const ClientSession& session = ctx.connection->session();
        request.originator = session.client_name();
        request.user_agent = UserAgent(session.client_name(), session.client_version());
        absl::StatusOr<agent::StartedTurn> started =
            engine.StartTurn(*thread, request, ctx.connection->id(), ctx.notifications);
        if (!started.ok()) return started.status();
        ctx.after_response.push_back(started->release);
        return json::object();
      });
  // A command the user runs in the thread (the TUI's `!`), outside the sandbox.
  registry.Register<ShellCommandParams>(
      "thread/shellCommand", Parser(ParseShellCommand),
      [&engine](const ShellCommandParams& p, RequestContext& ctx) -> absl::StatusOr<json> {
        if (!p.thread.ok()) return p.thread.status();
        agent::TurnStartRequest request;
        request.shell_command = p.command;
        absl::StatusOr<agent::StartedTurn> started =
            engine.StartTurn(*p.thread, request, ctx.connection->id(), ctx.notifications);
        if (!started.ok()) return started.status();
        ctx.after_response.push_back(started->release);
        return json::object();
      });
  registry.Register<TurnInterruptParams>(
      "turn/interrupt", Parser(ParseTurnInterrupt),
      [&engine](const TurnInterruptParams& p, RequestContext&) -> absl::StatusOr<json> {
        if (!p.thread.ok()) return p.thread.status();
        if (absl::Status s = engine.InterruptTurn(*p.thread, p.turn_id); !s.ok()) return s;
        return json::object();
      });
  // Kills the processes the thread's turns left running (unified exec's background terminals).
  registry.Register<ThreadRef>(
      "thread/backgroundTerminals/clean",
      [](const json& params) {
        return ParseThreadRef(params, "ThreadBackgroundTerminalsCleanParams");
      },
      [&engine, &threads = engine.threads()](const ThreadRef& p,
                                             RequestContext&) -> absl::StatusOr<json> {
        if (!p.thread.ok()) return p.thread.status();
        if (!threads.IsLoaded(*p.thread)) {
          return absl::NotFoundError(absl::StrCat("thread not found: ", p.thread->ToString()));
        }
        (void)engine.CleanBackgroundTerminals(*p.thread);
        return json::object();
      });
  // The presets a client offers for turn/start's collaborationMode, as Codex 0.117.0 lists them
  // (with or without a thread).
  registry.Register<bool>(
      "collaborationMode/list",
      [](const json& params) -> absl::StatusOr<bool> {
        if (absl::Status s = RequireObject(params, "CollaborationModeListParams"); !s.ok())
          return s;
        return true;
      },
      [](const bool&, RequestContext&) -> absl::StatusOr<json> {
        return json{{"data", json::array({{{"name", "Plan"},
                                           {"mode", "plan"},
                                           {"model", nullptr},
                                           {"reasoning_effort", "medium"}},
                                          {{"name", "Default"},
                                           {"mode", "default"},
                                           {"model", nullptr},
                                           {"reasoning_effort", nullptr}}})}};
      });
}

}  // namespace threadlog::api
