// The thread lifecycle methods: validate (thread_params), call the thread-write service, answer
// from the projections; notifications come from the service, ordered around the answer.
#include "api/thread_handlers.h"

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "api/jsonrpc.h"
#include "api/thread_params.h"
#include "eventlog/absl_compat.h"
#include "projections/thread_json.h"

namespace threadlog::api {
namespace {

using nlohmann::json;

const json kIdle = {{"type", "idle"}};
const json kNotLoaded = {{"type", "notLoaded"}};

// v2 SandboxPolicy for a SandboxMode (kebab case, as params and turn_context spell it).
// workspace-write lists no extra writable roots: the cwd is writable by the mode itself, and
// threadlog adds none of its own (Codex adds its memories folder).
json SandboxPolicyJson(const std::string& mode) {
  if (mode == "danger-full-access") return {{"type", "dangerFullAccess"}};
  if (mode == "workspace-write") {
    return {{"type", "workspaceWrite"},
            {"writableRoots", json::array()},
            {"readOnlyAccess", {{"type", "fullAccess"}}},
            {"networkAccess", false},
            {"excludeTmpdirEnvVar", false},
            {"excludeSlashTmp", false}};
  }
  return {{"type", "readOnly"}, {"access", {{"type", "fullAccess"}}}, {"networkAccess", false}};
}

// The settings part of ThreadStartResponse / ThreadResumeResponse / ThreadForkResponse.
json SettingsJson(const session::ThreadSettings& s) {
  return {{"model", s.model},
          {"modelProvider", s.model_provider},
          {"serviceTier", s.service_tier ? json(*s.service_tier) : json(nullptr)},
          {"cwd", s.cwd},
          {"approvalPolicy", s.approval_policy},
          {"approvalsReviewer", s.approvals_reviewer},
          {"sandbox", SandboxPolicyJson(s.sandbox_mode)},
          {"reasoningEffort", s.reasoning_effort ? json(*s.reasoning_effort) : json(nullptr)}};
}

std::string ServerCwd() {
  std::error_code ec;
  std::string cwd = std::filesystem::current_path(ec).string();
  return ec ? "/" : cwd;
}

absl::Status Unsupported(const char* method, const std::string& field) {
  return absl::UnimplementedError(absl::StrCat(method, ".", field,
                                               " is not supported by threadlog (it keeps no "
                                               "rollout files): pass threadId alone"));
}

// One instance per server, shared by the handlers: each validates, calls the thread-write
// service (writes, loaded threads) or reads the projections, and shapes Codex's answer.
class ThreadMethods {
 public:
  ThreadMethods(ThreadStore& store, session::ThreadService& service, const CodexConfig& config)
      : store_(store), service_(service), config_(config) {}

  absl::StatusOr<json> Start(const StartParams& p, RequestContext& ctx) {
    session::StartRequest request;
    request.settings = p.session;
    if (absl::Status s = ApplyConfig(p.config_overrides, request.settings); !s.ok()) return s;
    if (!request.settings.cwd) request.settings.cwd = ServerCwd();
    request.dynamic_tools = p.dynamic_tools;
    request.originator = ctx.connection->session().client_name();
    request.ephemeral = p.ephemeral;
    absl::StatusOr<session::OpenedThread> opened =
        service_.Start(request, ctx.connection->id(), ctx.notifications);
    if (!opened.ok()) return opened.status();
    return Answer(*opened, json::array());
  }

  absl::StatusOr<json> Resume(const ResumeParams& p, RequestContext& ctx) {
    if (!p.thread.ok()) return p.thread.status();
    if (!p.unsupported_field.empty()) return Unsupported("thread/resume", p.unsupported_field);
    session::SettingsOverrides settings = p.session;
    if (absl::Status s = ApplyConfig(p.config_overrides, settings); !s.ok()) {
      return MissingThreadOr(*p.thread, s);
    }
    // Codex announces notLoaded -> idle before its answer.
    ctx.notifications.SendBeforeAnswer({"thread/status/changed"});
    absl::StatusOr<session::OpenedThread> opened =
        service_.Resume(*p.thread, settings, ctx.connection->id(), ctx.notifications);
    if (!opened.ok()) return opened.status();
    absl::StatusOr<json> turns = service_.StoreOf(*p.thread).ReadTurns(*p.thread);
    if (!turns.ok()) return turns.status();
    return Answer(*opened, *std::move(turns));
  }

  absl::StatusOr<json> Fork(const ForkParams& p, RequestContext& ctx) {
    if (!p.thread.ok()) return p.thread.status();
    if (!p.unsupported_field.empty()) return Unsupported("thread/fork", p.unsupported_field);
    session::SettingsOverrides settings = p.session;
    if (absl::Status s = ApplyConfig(p.config_overrides, settings); !s.ok()) {
      return MissingThreadOr(*p.thread, s);
    }
    absl::StatusOr<session::OpenedThread> opened =
        service_.Fork(*p.thread, settings, p.ephemeral, ctx.connection->id(), ctx.notifications);
    if (!opened.ok()) return opened.status();
    absl::StatusOr<json> turns = service_.StoreOf(opened->summary.id).ReadTurns(opened->summary.id);
    if (!turns.ok()) return turns.status();
    return Answer(*opened, *std::move(turns));
  }

  absl::StatusOr<json> Read(const ThreadRef& p, RequestContext&) {
    if (!p.thread.ok()) return p.thread.status();
    absl::StatusOr<ThreadSummary> summary = Get(*p.thread, "thread not loaded: ");
    if (!summary.ok()) return summary.status();
    json turns = json::array();
    if (p.include_turns) {
      absl::StatusOr<json> read = service_.StoreOf(*p.thread).ReadTurns(*p.thread);
      if (!read.ok()) return read.status();
      turns = *std::move(read);
    }
    return json{{"thread", ThreadJson(*summary, std::move(turns))}};
  }

  // Answers from the stored listing rows: the page is spliced from JSON text rendered at append
  // time, with the live status of the threads this server has loaded.
  absl::StatusOr<EncodedJson> List(const ListParams& p, RequestContext&) {
    const std::string& default_provider = service_.defaults().model_provider;
    ListQuery query = p.query;
    if (p.default_model_providers) query.model_providers = {default_provider};
    // Codex counts a thread whose session_meta named no provider as its configured provider's.
    if (std::find(query.model_providers.begin(), query.model_providers.end(), default_provider) !=
        query.model_providers.end()) {
      query.model_providers.push_back("");
    }
    absl::StatusOr<ListedPage> page = store_.ListJson(query);
    if (!page.ok()) {
      if (page.status().code() == absl::StatusCode::kInvalidArgument) {
        return absl::InvalidArgumentError(absl::StrCat("invalid cursor: ", p.query.cursor));
      }
      return page.status();
    }
    size_t size = 64;
    for (const ListedThread& t : page->threads) size += t.thread_json.size() + 32;
    // One look at the loaded threads for the page (usually none of it is loaded).
    const std::vector<ThreadId> loaded = service_.LoadedThreads();  // sorted
    EncodedJson out;
    out.text.reserve(size);
    out.text.append("{\"data\":[");
    for (size_t i = 0; i < page->threads.size(); ++i) {
      const ListedThread& t = page->threads[i];
      if (i > 0) out.text.push_back(',');
      const bool is_loaded =
          !loaded.empty() && std::binary_search(loaded.begin(), loaded.end(), t.id);
      if (t.model_provider_missing && default_provider != "openai") {
        // Rendered with "openai" for a meta without a provider (rare: old rollouts).
        json thread = json::parse(t.thread_json, nullptr, false);
        thread["modelProvider"] = default_provider;
        if (is_loaded) thread["status"] = service_.Status(t.id);
        out.text.append(thread.dump(-1, ' ', false, json::error_handler_t::replace));
      } else if (is_loaded) {
        const std::string_view json_text(t.thread_json);
        out.text.append(json_text.substr(0, t.status_offset));
        out.text.append(service_.Status(t.id).dump());
        out.text.append(json_text.substr(t.status_offset + t.status_size));
      } else {
        out.text.append(t.thread_json);
      }
    }
    out.text.append("],\"nextCursor\":");
    out.text.append(page->next_cursor.empty() ? "null" : json(page->next_cursor).dump());
    out.text.push_back('}');
    return out;
  }

  absl::StatusOr<json> LoadedList(const LoadedListParams& p, RequestContext&) {
    std::vector<std::string> loaded;
    for (const ThreadId& id : service_.LoadedThreads()) loaded.push_back(id.ToString());  // sorted
    auto begin = std::upper_bound(loaded.begin(), loaded.end(), p.cursor);
    if (p.cursor.empty()) begin = loaded.begin();
    json data = json::array();
    json next = nullptr;
    for (auto it = begin; it != loaded.end(); ++it) {
      if (p.limit && data.size() == *p.limit) {
        if (!data.empty()) next = data.back();
        break;
      }
      data.push_back(*it);
    }
    return json{{"data", std::move(data)}, {"nextCursor", std::move(next)}};
  }

  absl::StatusOr<json> Archive(const ThreadRef& p, RequestContext& ctx) {
    if (!p.thread.ok()) return p.thread.status();
    // Followers hear notLoaded before the answer and thread/archived after it (Codex's order).
    ctx.notifications.SendBeforeAnswer({"thread/status/changed"});
    if (absl::Status s = service_.Archive(*p.thread, ctx.connection->id(), ctx.notifications);
        !s.ok()) {
      return s;
    }
    return json::object();
  }

  absl::StatusOr<json> Unarchive(const ThreadRef& p, RequestContext& ctx) {
    if (!p.thread.ok()) return p.thread.status();
    absl::StatusOr<ThreadSummary> summary =
        service_.Unarchive(*p.thread, ctx.connection->id(), ctx.notifications);
    if (!summary.ok()) return summary.status();
    return json{{"thread", ThreadJson(*summary)}};
  }

  absl::StatusOr<json> Unsubscribe(const ThreadRef& p, RequestContext& ctx) {
    if (!p.thread.ok()) return p.thread.status();
    // The leaver of a thread that unloads hears notLoaded and thread/closed after the answer.
    switch (service_.Unsubscribe(*p.thread, ctx.connection->id(), ctx.notifications)) {
      case session::UnsubscribeOutcome::kNotLoaded:
        return json{{"status", "notLoaded"}};
      case session::UnsubscribeOutcome::kNotSubscribed:
        return json{{"status", "notSubscribed"}};
      case session::UnsubscribeOutcome::kUnsubscribed:
        break;
    }
    return json{{"status", "unsubscribed"}};
  }

  absl::StatusOr<json> SetName(const SetNameParams& p, RequestContext& ctx) {
    if (!p.thread.ok()) return p.thread.status();
    if (p.name.find_first_not_of(" \t\r\n") == std::string::npos) {
      return absl::InvalidArgumentError("thread name must not be empty");
    }
    if (absl::Status s =
            service_.SetName(*p.thread, p.name, ctx.connection->id(), ctx.notifications);
        !s.ok()) {
      return s;
    }
    return json::object();
  }

  absl::StatusOr<json> Rollback(const RollbackParams& p, RequestContext& ctx) {
    if (!p.thread.ok()) return p.thread.status();
    if (p.num_turns == 0) return absl::InvalidArgumentError("numTurns must be >= 1");
    absl::StatusOr<ThreadSummary> summary =
        service_.Rollback(*p.thread, p.num_turns, ctx.connection->id(), ctx.notifications);
    if (!summary.ok()) return summary.status();
    absl::StatusOr<json> turns = service_.StoreOf(*p.thread).ReadTurns(*p.thread);
    if (!turns.ok()) return turns.status();
    return json{{"thread", ThreadJson(*summary, *std::move(turns))}};
  }

 private:
  absl::StatusOr<ThreadSummary> Get(const ThreadId& thread, std::string_view missing) {
    absl::StatusOr<std::optional<ThreadSummary>> summary =
        service_.StoreOf(thread).GetThread(thread);
    if (!summary.ok()) return summary.status();
    if (!*summary) {
      return absl::NotFoundError(absl::StrCat(ToAbsl(missing), thread.ToString()));
    }
    return **summary;
  }

  json ThreadJson(const ThreadSummary& summary, json turns = json::array()) const {
    ThreadJsonOptions options;
    options.status = service_.Status(summary.id);  // notLoaded, idle, active, systemError
    options.ephemeral = service_.IsEphemeral(summary.id);
    options.default_model_provider = service_.defaults().model_provider;
    options.turns = std::move(turns);
    return ThreadToJson(summary, options);
  }

  // The request's `config` overrides, checked and laid over the server's configuration (which
  // fails while config.toml is unusable, as Codex's thread methods do).
  absl::Status ApplyConfig(const json& overrides, session::SettingsOverrides& settings) const {
    absl::StatusOr<session::SettingsDefaults> configured =
        config_.ApplyRequestOverrides(overrides, service_.defaults());
    if (!configured.ok()) return configured.status();
    settings.configured = *std::move(configured);
    return absl::OkStatus();
  }

  // Codex looks the thread up before it loads the configuration: an unknown thread is "no
  // rollout found" whatever the configuration's state.
  absl::Status MissingThreadOr(const ThreadId& thread, absl::Status otherwise) {
    absl::StatusOr<ThreadSummary> summary = Get(thread, "no rollout found for thread id ");
    return summary.ok() ? otherwise : summary.status();
  }

  // The answer of start, resume and fork.
  json Answer(const session::OpenedThread& opened, json turns) const {
    json result = SettingsJson(opened.settings);
    result["thread"] = ThreadJson(opened.summary, std::move(turns));
    return result;
  }

  ThreadStore& store_;
  session::ThreadService& service_;
  const CodexConfig& config_;
};

// Binds a ThreadMethods member as a registry handler.
template <typename P, typename R>
std::function<absl::StatusOr<R>(const P&, RequestContext&)> Bind(
    const std::shared_ptr<ThreadMethods>& methods,
    absl::StatusOr<R> (ThreadMethods::*member)(const P&, RequestContext&)) {
  return [methods, member](const P& params, RequestContext& ctx) {
    return ((*methods).*member)(params, ctx);
  };
}

template <typename P>
std::function<absl::StatusOr<P>(const json&)> Parser(absl::StatusOr<P> (*parse)(const json&)) {
  return parse;
}

std::function<absl::StatusOr<ThreadRef>(const json&)> RefParser(const char* type_name) {
  return [type_name](const json& params) { return ParseThreadRef(params, type_name); };
}

}  // namespace

void RegisterThreadHandlers(MethodRegistry& registry, ThreadStore& store,
                            session::ThreadService& service, const CodexConfig& config) {
  auto m = std::make_shared<ThreadMethods>(store, service, config);
  registry.Register<StartParams>("thread/start", Parser(ParseStart),
                                 Bind(m, &ThreadMethods::Start));
  registry.Register<ResumeParams>("thread/resume", Parser(ParseResume),
                                  Bind(m, &ThreadMethods::Resume));
  registry.Register<ForkParams>("thread/fork", Parser(ParseFork), Bind(m, &ThreadMethods::Fork));
  registry.Register<ThreadRef>("thread/read", Parser(ParseRead), Bind(m, &ThreadMethods::Read));
  registry.Register<ListParams, EncodedJson>("thread/list", Parser(ParseList),
                                             Bind(m, &ThreadMethods::List));
  registry.Register<LoadedListParams>("thread/loaded/list", Parser(ParseLoadedList),
                                      Bind(m, &ThreadMethods::LoadedList));
  registry.Register<ThreadRef>("thread/archive", RefParser("ThreadArchiveParams"),
                               Bind(m, &ThreadMethods::Archive));
  registry.Register<ThreadRef>("thread/unarchive", RefParser("ThreadUnarchiveParams"),
                               Bind(m, &ThreadMethods::Unarchive));
  registry.Register<ThreadRef>("thread/unsubscribe", RefParser("ThreadUnsubscribeParams"),
                               Bind(m, &ThreadMethods::Unsubscribe));
  registry.Register<SetNameParams>("thread/name/set", Parser(ParseSetName),
                                   Bind(m, &ThreadMethods::SetName));
  registry.Register<RollbackParams>("thread/rollback", Parser(ParseRollback),
                                    Bind(m, &ThreadMethods::Rollback));
}

}  // namespace threadlog::api
