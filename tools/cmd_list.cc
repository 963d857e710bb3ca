// `threadlog list`: the threads in the store, newest first, read straight from the log.
#include <algorithm>
#include <iostream>

#include "absl/strings/str_format.h"
#include "eventlog/timestamp.h"
#include "nlohmann/json.hpp"
#include "tools/cli.h"

namespace threadlog::cli {
namespace {

std::string OneLine(std::string text, size_t max) {
  std::replace(text.begin(), text.end(), '\n', ' ');
  if (text.size() > max) text = text.substr(0, max - 3) + "...";
  return text;
}

}  // namespace

void RegisterList(CLI::App& app, GlobalOptions& global, Action* action) {
  auto json = std::make_shared<bool>(false);
  auto archived = std::make_shared<bool>(false);
  CLI::App* cmd = app.add_subcommand("list", "List the threads in the store, newest first");
  cmd->add_flag("--json", *json, "one JSON object per thread");
  cmd->add_flag("--archived", *archived, "list archived threads instead");
  cmd->callback([&global, json, archived, action] {
    *action = [&global, json, archived] {
      absl::StatusOr<std::unique_ptr<ThreadStore>> store = OpenStore(global);
      if (!store.ok()) return ReportError(store.status());
      ListQuery query;
      query.sort = SortKey::kUpdatedAt;
      query.archived = *archived;
      query.limit = 1000;
      std::vector<ThreadSummary> rows;
      do {
        absl::StatusOr<ThreadPage> page = (*store)->List(query);
        if (!page.ok()) return ReportError(page.status());
        for (ThreadSummary& s : page->threads) rows.push_back(std::move(s));
        query.cursor = page->next_cursor;
      } while (!query.cursor.empty());
      if (*json) {
        for (const ThreadSummary& r : rows) {
          std::cout << nlohmann::json{{"id", r.id.ToString()},
                                      {"name", r.name ? nlohmann::json(*r.name) : nullptr},
                                      {"createdAt", FormatTimestampMs(r.created_at_ms)},
                                      {"updatedAt", FormatTimestampMs(r.updated_at_ms)},
                                      {"events", r.events},
                                      {"turns", r.turns},
                                      {"cwd", r.cwd},
                                      {"preview", r.preview}}
                           .dump()
                    << "\n";
        }
      } else {
        std::cout << absl::StrFormat("%-36s  %-20s  %5s  %7s  %s\n", "ID", "UPDATED", "TURNS",
                                     "EVENTS", "NAME / PREVIEW");
        for (const ThreadSummary& r : rows) {
          std::cout << absl::StrFormat("%-36s  %-20s  %5d  %7d  %s\n", r.id.ToString(),
                                       FormatTimestampMs(r.updated_at_ms).substr(0, 19), r.turns,
                                       r.events, OneLine(r.name ? *r.name : r.preview, 60));
        }
        std::cout << rows.size() << " threads\n";
      }
      if (absl::Status s = (*store)->Close(); !s.ok()) return ReportError(s);
      return 0;
    };
  });
}

}  // namespace threadlog::cli
