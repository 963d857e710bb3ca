// `threadlog inspect [PATH] list|show|events|stats|find`: look at the store, or at rollout files
// and Codex homes through an in-memory store (same code either way).
#include <iostream>

#include "absl/strings/str_format.h"
#include "projections/thread_json.h"
#include "tools/cli.h"
#include "tools/inspect.h"
#include "tools/rollout_view.h"

namespace threadlog::cli {
namespace {

struct InspectArgs {
  std::vector<std::string> paths;  // empty: the store in --home
  bool json = false;
  bool archived = false;
  std::string thread;
  std::string text;
  EventFilter filter;
};

// The store to look at: the user's, or an in-memory one holding `paths`.
absl::StatusOr<std::unique_ptr<ThreadStore>> OpenTarget(const GlobalOptions& global,
                                                        const InspectArgs& args) {
  if (args.paths.empty()) return OpenStore(global, StoreAccess::kReadOnly);
  absl::StatusOr<RolloutView> view = ViewRollouts(args.paths, [](const ImportProblem& p) {
    std::cerr << p.file << ":" << p.line << ": skipped: " << p.reason << "\n";
  });
  if (!view.ok()) return view.status();
  return std::move(view->store);
}

absl::StatusOr<ThreadSummary> ResolveSummary(ThreadStore& store, const std::string& name) {
  absl::StatusOr<ThreadId> id = store.Resolve(name);
  if (!id.ok()) return id.status();
  absl::StatusOr<std::optional<ThreadSummary>> summary = store.GetThread(*id);
  if (!summary.ok()) return summary.status();
  if (!summary->has_value()) return absl::NotFoundError("no thread " + name);
  return **summary;
}

absl::Status Run(const std::string& action, ThreadStore& store, const InspectArgs& args) {
  if (action == "list") {
    absl::StatusOr<std::vector<ThreadSummary>> threads = ListAllThreads(store, args.archived);
    if (!threads.ok()) return threads.status();
    if (args.json) {
      for (const ThreadSummary& s : *threads) std::cout << ThreadRowJson(s).dump() << "\n";
    } else {
      std::cout << FormatThreadTable(*threads);
    }
  } else if (action == "show") {
    absl::StatusOr<ThreadSummary> summary = ResolveSummary(store, args.thread);
    if (!summary.ok()) return summary.status();
    absl::StatusOr<nlohmann::json> turns = store.ReadTurns(summary->id);
    if (!turns.ok()) return turns.status();
    if (args.json) {
      ThreadJsonOptions options;
      options.turns = std::move(*turns);
      std::cout << ThreadToJson(*summary, options).dump(2) << "\n";
    } else {
      std::cout << RenderThread(*summary, *turns);
    }
  } else if (action == "events") {
    absl::StatusOr<ThreadId> id = store.Resolve(args.thread);
    if (!id.ok()) return id.status();
    return WriteEvents(store, *id, args.filter, args.json, std::cout);
  } else if (action == "stats") {
    absl::StatusOr<StoreReport> report = ComputeStoreReport(store);
    if (!report.ok()) return report.status();
    std::cout << (args.json ? StoreReportJson(*report).dump(2) + "\n" : FormatStoreReport(*report));
  } else if (action == "find") {
    absl::StatusOr<std::vector<FindHit>> hits = FindText(store, args.text);
    if (!hits.ok()) return hits.status();
    for (const FindHit& hit : *hits) {
      if (args.json) {
        std::cout << nlohmann::json{{"id", hit.thread.ToString()},
                                    {"name", hit.name ? nlohmann::json(*hit.name) : nullptr},
                                    {"events", hit.events},
                                    {"firstSeq", hit.first_seq},
                                    {"excerpt", hit.excerpt}}
                         .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
                  << "\n";
      } else {
        std::cout << absl::StrFormat("%s  %-18s  %4d events  seq %-6d  %s\n", hit.thread.ToString(),
                                     hit.name.value_or("-"), hit.events, hit.first_seq,
                                     hit.excerpt);
      }
    }
    if (!args.json) std::cout << hits->size() << " threads\n";
  }
  return absl::OkStatus();
}

}  // namespace

void RegisterInspect(CLI::App& app, GlobalOptions& global, Action* action) {
  auto args = std::make_shared<InspectArgs>();
  CLI::App* cmd = app.add_subcommand(
      "inspect",
      "Look at the store, or at rollout files / a Codex home given as PATH (read into memory; "
      "nothing is imported into yours)");
  cmd->add_option("path", args->paths, "rollout files, folders or Codex homes (default: --home)");
  cmd->require_subcommand(1);
  CLI::App* list = cmd->add_subcommand("list", "threads: id, name, updated, turns, events, size");
  list->add_flag("--archived", args->archived, "archived threads instead of live ones");
  CLI::App* show = cmd->add_subcommand("show", "a thread's turns and items, for a person");
  show->add_option("thread", args->thread, "id, unique id prefix, or name")->required();
  CLI::App* events = cmd->add_subcommand("events", "a thread's stored events");
  events->add_option("thread", args->thread, "id, unique id prefix, or name")->required();
  events->add_option("--kind", args->filter.kinds, "only these kinds (session_meta, event_msg...)");
  events->add_option("--type", args->filter.types, "only these payload types");
  events->add_option("--from-seq", args->filter.from_seq, "first seq shown");
  events->add_option("--to-seq", args->filter.to_seq, "last seq shown");
  CLI::App* stats = cmd->add_subcommand("stats", "events and bytes by type, compression ratio");
  CLI::App* find = cmd->add_subcommand("find", "threads that mention TEXT");
  find->add_option("text", args->text, "text to look for")->required();
  for (CLI::App* sub : {list, show, events, stats, find}) {
    sub->add_flag("--json", args->json, "JSON output");
    sub->callback([&global, args, action, sub] {
      std::string name = sub->get_name();
      *action = [&global, args, name] {
        absl::StatusOr<std::unique_ptr<ThreadStore>> store = OpenTarget(global, *args);
        if (!store.ok()) return ReportError(store.status());
        if (absl::Status s = Run(name, **store, *args); !s.ok()) return ReportError(s);
        if (absl::Status s = (*store)->Close(); !s.ok()) return ReportError(s);
        return 0;
      };
    });
  }
}

}  // namespace threadlog::cli
