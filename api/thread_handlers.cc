// The thread lifecycle methods: validate (thread_params), append durably (thread_events),
// answer from the projections, and notify subscribers in the order Codex 0.113.0 does.
#include "api/thread_handlers.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "api/jsonrpc.h"
#include "api/thread_events.h"
#include "api/thread_params.h"
#include "eventlog/absl_compat.h"
#include "projections/thread_json.h"

namespace threadlog::api {
namespace {

using nlohmann::json;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Sends a notification to each of `connections` that did not opt out of it.
void SendTo(const std::vector<std::shared_ptr<Connection>>& connections, std::string_view method,
            const json& params) {
  const std::string text = Encode(Notification{std::string(method), params});
  for (const std::shared_ptr<Connection>& c : connections) {
    if (c->session().WantsNotification(method)) c->Send(text);
  }
}

json StatusChanged(const std::string& id, json status) {
  return {{"threadId", id}, {"status", std::move(status)}};
}

const json kIdle = {{"type", "idle"}};
const json kNotLoaded = {{"type", "notLoaded"}};

// One instance per server, shared by the handlers. Whether a thread is loaded is whether some
// connection subscribes to it (Codex 0.113.0 unloads a thread when its last subscriber leaves).
class ThreadMethods {
 public:
  ThreadMethods(ThreadStore& store, SubscriptionRegistry& subscriptions, SessionDefaults defaults)
      : store_(store),
        subscriptions_(subscriptions),
        defaults_(std::move(defaults)),
        default_model_provider_(defaults_.model_provider) {}

  absl::StatusOr<json> Start(const StartParams& p, RequestContext& ctx) {
    NewThreadMeta meta;
    meta.id = ThreadId::NewV7();
    meta.created_ms = NowMs();
    meta.cwd = p.session.cwd.value_or(ServerCwd());
    meta.originator = kOriginator;
    meta.model_provider = p.session.model_provider.value_or(default_model_provider_);
    meta.base_instructions = p.session.base_instructions;
    meta.dynamic_tools = p.dynamic_tools;
    std::vector<NewEvent> events = {SessionMetaEvent(meta)};
    if (p.session.persist_extended) events.push_back(Extended());
    if (absl::StatusOr<AppendResult> a = AppendDurably(store_, meta.id, events, true); !a.ok()) {
      return a.status();
    }
    return Opened(meta.id, p.session, ctx, /*started=*/true);
  }

  absl::StatusOr<json> Resume(const ResumeParams& p, RequestContext& ctx) {
    if (!p.thread.ok()) return p.thread.status();

    if (!p.unsupported_field.empty()) return Unsupported("thread/resume", p.unsupported_field);
    absl::StatusOr<ThreadSummary> summary = Get((*p.thread), "no rollout found for thread id ");
    if (!summary.ok()) return summary.status();
    if (summary->archived) return NoRollout((*p.thread));
    if (p.session.persist_extended && summary->mode != PersistenceMode::kExtended) {
      if (absl::StatusOr<AppendResult> a = AppendDurably(store_, (*p.thread), {Extended()});
          !a.ok()) {
        return a.status();
      }
    }
    const std::string id = (*p.thread).ToString();
    // notLoaded -> idle is announced before the answer, as Codex does.
    const bool was_loaded = Loaded(id);
    subscriptions_.Subscribe(ctx.connection, id);
    if (!was_loaded) subscriptions_.Notify(id, "thread/status/changed", StatusChanged(id, kIdle));
    return Opened((*p.thread), p.session, ctx, /*started=*/false);
  }

  absl::StatusOr<json> Fork(const ForkParams& p, RequestContext& ctx) {
    if (!p.thread.ok()) return p.thread.status();

    if (!p.unsupported_field.empty()) return Unsupported("thread/fork", p.unsupported_field);
    absl::StatusOr<ThreadSummary> parent = Get((*p.thread), "no rollout found for thread id ");
    if (!parent.ok()) return parent.status();
    absl::StatusOr<uint64_t> parent_seq = store_.log().LastSeq((*p.thread));
    if (!parent_seq.ok()) return parent_seq.status();
    NewThreadMeta meta;
    meta.id = ThreadId::NewV7();
    meta.forked_from = (*p.thread);
    meta.created_ms = NowMs();
    meta.cwd = p.session.cwd.value_or(parent->cwd);
    meta.originator = parent->originator.empty() ? kOriginator : parent->originator;
    meta.source = parent->source;
    meta.model_provider = p.session.model_provider.value_or(parent->model_provider);
    meta.base_instructions = p.session.base_instructions;
    meta.git = parent->git;
    // Copy-on-write: the fork's own session_meta, then one event standing for the parent's
    // events 1..parent_seq.
    std::vector<NewEvent> events = {
        SessionMetaEvent(meta),
        LifecycleEvent(EventKind::kThreadForked, {{"parent_thread_id", (*p.thread).ToString()},
                                                  {"parent_seq", *parent_seq}})};
    if (p.session.persist_extended || parent->mode == PersistenceMode::kExtended) {
      events.push_back(Extended());
    }
    if (absl::StatusOr<AppendResult> a = AppendDurably(store_, meta.id, events, true); !a.ok()) {
      return a.status();
    }
    return Opened(meta.id, p.session, ctx, /*started=*/true);
  }

  absl::StatusOr<json> Read(const ThreadRef& p, RequestContext&) {
    if (!p.thread.ok()) return p.thread.status();

    absl::StatusOr<ThreadSummary> summary = Get((*p.thread), "thread not loaded: ");
    if (!summary.ok()) return summary.status();
    json turns = json::array();
    if (p.include_turns) {
      absl::StatusOr<json> read = store_.ReadTurns((*p.thread));
      if (!read.ok()) return read.status();
      turns = *std::move(read);
    }
    return json{{"thread", ThreadJson(*summary, std::move(turns))}};
  }

  // Answers from the stored listing rows: the page is spliced from JSON text rendered at append
  // time, with the live status of the threads this server has loaded.
  absl::StatusOr<EncodedJson> List(const ListParams& p, RequestContext&) {
    ListQuery query = p.query;
    if (p.default_model_providers) query.model_providers = {default_model_provider_};
    // Codex counts a thread whose session_meta named no provider as its configured provider's.
    if (std::find(query.model_providers.begin(), query.model_providers.end(),
                  default_model_provider_) != query.model_providers.end()) {
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
    // One look at the subscriptions for the page (usually none of it is loaded).
    const std::vector<std::string> loaded = subscriptions_.LoadedThreads();  // sorted
    EncodedJson out;
    out.text.reserve(size);
    out.text.append("{\"data\":[");
    for (size_t i = 0; i < page->threads.size(); ++i) {
      const ListedThread& t = page->threads[i];
      if (i > 0) out.text.push_back(',');
      const bool is_loaded =
          !loaded.empty() && std::binary_search(loaded.begin(), loaded.end(), t.id.ToString());
      if (t.model_provider_missing && default_model_provider_ != "openai") {
        // Rendered with "openai" for a meta without a provider (rare: old rollouts).
        json thread = json::parse(t.thread_json, nullptr, false);
        thread["modelProvider"] = default_model_provider_;
        if (is_loaded) thread["status"] = kIdle;
        out.text.append(thread.dump(-1, ' ', false, json::error_handler_t::replace));
      } else if (is_loaded) {
        const std::string_view json_text(t.thread_json);
        out.text.append(json_text.substr(0, t.status_offset));
        out.text.append(kIdle.dump());
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
    std::vector<std::string> loaded = subscriptions_.LoadedThreads();  // sorted
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

    absl::StatusOr<ThreadSummary> summary = Get((*p.thread), "no rollout found for thread id ");
    if (!summary.ok()) return summary.status();
    if (summary->archived) return NoRollout((*p.thread));
    if (absl::StatusOr<AppendResult> a = AppendDurably(
            store_, (*p.thread), {LifecycleEvent(EventKind::kThreadArchived, json::object())});
        !a.ok()) {
      return a.status();
    }
    // Archiving unloads the thread: its followers hear notLoaded before the answer and
    // thread/archived after it (Codex's order; it sends no thread/closed here).
    const std::string id = (*p.thread).ToString();
    std::vector<std::shared_ptr<Connection>> followers = subscriptions_.RemoveThread(id);
    SendTo(followers, "thread/status/changed", StatusChanged(id, kNotLoaded));
    AddCaller(followers, ctx.connection);
    ctx.after_response.push_back([followers, id] {
      SendTo(followers, "thread/archived", {{"threadId", id}});
    });
    return json::object();
  }

  absl::StatusOr<json> Unarchive(const ThreadRef& p, RequestContext& ctx) {
    if (!p.thread.ok()) return p.thread.status();

    absl::StatusOr<ThreadSummary> summary =
        Get((*p.thread), "no archived rollout found for thread id ");
    if (!summary.ok()) return summary.status();
    if (!summary->archived) {
      return absl::NotFoundError(
          absl::StrCat("no archived rollout found for thread id ", (*p.thread).ToString()));
    }
    if (absl::StatusOr<AppendResult> a = AppendDurably(
            store_, (*p.thread), {LifecycleEvent(EventKind::kThreadUnarchived, json::object())});
        !a.ok()) {
      return a.status();
    }
    absl::StatusOr<ThreadSummary> after = Get((*p.thread), "thread not found: ");
    if (!after.ok()) return after.status();
    NotifyAfter(ctx, (*p.thread).ToString(), "thread/unarchived",
                {{"threadId", (*p.thread).ToString()}});
    return json{{"thread", ThreadJson(*after)}};
  }

  absl::StatusOr<json> Unsubscribe(const ThreadRef& p, RequestContext& ctx) {
    if (!p.thread.ok()) return p.thread.status();

    const std::string id = (*p.thread).ToString();
    if (!Loaded(id)) return json{{"status", "notLoaded"}};
    if (!subscriptions_.IsSubscribed(ctx.connection->id(), id)) {
      return json{{"status", "notSubscribed"}};
    }
    if (subscriptions_.Unsubscribe(ctx.connection->id(), id)) {
      // The last subscriber left: the thread unloads at once (Codex 0.113.0), and the leaver
      // hears it after the answer: status notLoaded, then thread/closed.
      ctx.after_response.push_back([connection = ctx.connection, id] {
        SendTo({connection}, "thread/status/changed", StatusChanged(id, kNotLoaded));
        SendTo({connection}, "thread/closed", {{"threadId", id}});
      });
    }
    return json{{"status", "unsubscribed"}};
  }

  absl::StatusOr<json> SetName(const SetNameParams& p, RequestContext& ctx) {
    if (!p.thread.ok()) return p.thread.status();
    if (p.name.find_first_not_of(" \t\r\n") == std::string::npos) {
      return absl::InvalidArgumentError("thread name must not be empty");
    }

    absl::StatusOr<ThreadSummary> summary = Get((*p.thread), "thread not found: ");
    if (!summary.ok()) return summary.status();
    const std::string id = (*p.thread).ToString();
    // The event Codex itself emits (event_msg thread_name_updated); the projections read the
    // name from it.
    if (absl::StatusOr<AppendResult> a = AppendDurably(
            store_, (*p.thread),
            {EventMsg(
                {{"type", "thread_name_updated"}, {"thread_id", id}, {"thread_name", p.name}})});
        !a.ok()) {
      return a.status();
    }
    NotifyAfter(ctx, id, "thread/name/updated", {{"threadId", id}, {"threadName", p.name}});
    return json::object();
  }

  absl::StatusOr<json> Rollback(const RollbackParams& p, RequestContext&) {
    if (!p.thread.ok()) return p.thread.status();
    if (p.num_turns == 0) return absl::InvalidArgumentError("numTurns must be >= 1");

    const std::string id = (*p.thread).ToString();
    // Codex rolls back only a loaded thread (its running session holds the history).
    if (!Loaded(id)) return absl::NotFoundError(absl::StrCat("thread not found: ", id));
    if (absl::StatusOr<AppendResult> a =
            AppendDurably(store_, (*p.thread),
                          {EventMsg({{"type", "thread_rolled_back"}, {"num_turns", p.num_turns}})});
        !a.ok()) {
      return a.status();
    }
    absl::StatusOr<ThreadSummary> summary = Get((*p.thread), "thread not found: ");
    if (!summary.ok()) return summary.status();
    absl::StatusOr<json> turns = store_.ReadTurns((*p.thread));
    if (!turns.ok()) return turns.status();
    return json{{"thread", ThreadJson(*summary, *std::move(turns))}};
  }

 private:
  static constexpr char kOriginator[] = "threadlog";

  static std::string ServerCwd() {
    std::error_code ec;
    std::string cwd = std::filesystem::current_path(ec).string();
    return ec ? "/" : cwd;
  }

  static NewEvent Extended() {
    return LifecycleEvent(EventKind::kThreadConfigured, {{"persistence", "extended"}});
  }

  static absl::Status Unsupported(const char* method, const std::string& field) {
    return absl::UnimplementedError(absl::StrCat(method, ".", field,
                                                 " is not supported by threadlog (it keeps no "
                                                 "rollout files): pass threadId alone"));
  }

  static absl::Status NoRollout(const ThreadId& thread) {
    return absl::NotFoundError(absl::StrCat("no rollout found for thread id ", thread.ToString()));
  }

  static void AddCaller(std::vector<std::shared_ptr<Connection>>& to,
                        const std::shared_ptr<Connection>& caller) {
    for (const std::shared_ptr<Connection>& c : to) {
      if (c->id() == caller->id()) return;
    }
    to.push_back(caller);
  }

  bool Loaded(const std::string& id) const { return subscriptions_.SubscriberCount(id) > 0; }

  // A thread's followers, and the caller even when it does not follow it (Codex tells the
  // client that asked), hear `method` after the answer.
  void NotifyAfter(RequestContext& ctx, const std::string& id, std::string method, json params) {
    const bool caller_follows = subscriptions_.IsSubscribed(ctx.connection->id(), id);
    ctx.after_response.push_back([this, connection = ctx.connection, caller_follows, id,
                                  method = std::move(method), params = std::move(params)] {
      subscriptions_.Notify(id, method, params);
      if (!caller_follows) SendTo({connection}, method, params);
    });
  }

  absl::StatusOr<ThreadSummary> Get(const ThreadId& thread, std::string_view missing) {
    absl::StatusOr<std::optional<ThreadSummary>> summary = store_.GetThread(thread);
    if (!summary.ok()) return summary.status();
    if (!*summary) {
      return absl::NotFoundError(absl::StrCat(ToAbsl(missing), thread.ToString()));
    }
    return **summary;
  }

  json ThreadJson(const ThreadSummary& summary, json turns = json::array()) const {
    ThreadJsonOptions options;
    options.status = Loaded(summary.id.ToString()) ? kIdle : kNotLoaded;
    options.default_model_provider = default_model_provider_;
    options.turns = std::move(turns);
    return ThreadToJson(summary, options);
  }

  // The answer of start, resume and fork (the caller is subscribed; thread/started follows the
  // answer for a new thread).
  absl::StatusOr<json> Opened(const ThreadId& thread, const SessionOverrides& overrides,
                              RequestContext& ctx, bool started) {
    const std::string id = thread.ToString();
    subscriptions_.Subscribe(ctx.connection, id);
    absl::StatusOr<ThreadSummary> summary = Get(thread, "thread not found: ");
    if (!summary.ok()) return summary.status();
    absl::StatusOr<json> turns = store_.ReadTurns(thread);
    if (!turns.ok()) return turns.status();
    absl::StatusOr<json> context = LastTurnContext(store_, thread);
    if (!context.ok()) return context.status();
    // Codex 0.117.0 keeps a resumed thread's model; a fork (like a new thread) takes the
    // configured one.
    if (started) *context = nullptr;
    json result = SessionSettingsJson(overrides, *summary, *context, defaults_);
    result["thread"] = ThreadJson(*summary, *std::move(turns));
    if (started) {
      ctx.after_response.push_back([this, id, thread_json = result["thread"]] {
        subscriptions_.Notify(id, "thread/started", {{"thread", thread_json}});
      });
    }
    return result;
  }

  ThreadStore& store_;
  SubscriptionRegistry& subscriptions_;
  const SessionDefaults defaults_;
  const std::string default_model_provider_;
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
                            SubscriptionRegistry& subscriptions, SessionDefaults defaults) {
  auto m = std::make_shared<ThreadMethods>(store, subscriptions, std::move(defaults));
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
