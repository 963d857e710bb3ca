// `threadlog list`: the threads in the store, newest first, read straight from the log.
#include <algorithm>
#include <iostream>

#include "absl/strings/str_format.h"
#include "eventlog/timestamp.h"
#include "nlohmann/json.hpp"
#include "tools/cli.h"

namespace threadlog::cli {
namespace {

struct ThreadRow {
  std::string id;
  int64_t created_ms = 0;
  int64_t updated_ms = 0;
  uint64_t events = 0;
  std::string cwd;
  std::string preview;
};

// How far into a thread the first user message is looked for; Codex looks at 200 records.
constexpr int kPreviewScanLimit = 200;

std::string OneLine(std::string text, size_t max) {
  std::replace(text.begin(), text.end(), '\n', ' ');
  if (text.size() > max) text = text.substr(0, max - 3) + "...";
  return text;
}

absl::StatusOr<ThreadRow> Summarize(EventStore& store, const ThreadId& thread) {
  ThreadRow row;
  row.id = thread.ToString();
  auto it = store.ReadThread(thread);
  for (int n = 0; it->Valid() && n < kPreviewScanLimit && row.preview.empty(); it->Next(), ++n) {
    const EventView& e = it->event();
    if (n == 0) row.created_ms = e.timestamp_ms;
    if (e.kind == EventKind::kSessionMeta && row.cwd.empty()) {
      auto meta = nlohmann::json::parse(e.payload, nullptr, false);
      if (meta.is_object() && meta.contains("cwd") && meta["cwd"].is_string()) {
        row.cwd = meta["cwd"];
      }
    } else if (e.kind == EventKind::kEventMsg && e.type == "user_message") {
      auto msg = nlohmann::json::parse(e.payload, nullptr, false);
      if (msg.is_object() && msg.contains("message") && msg["message"].is_string()) {
        row.preview = msg["message"];
      }
    }
  }
  if (!it->status().ok()) return it->status();
  absl::StatusOr<uint64_t> last = store.LastSeq(thread);
  if (!last.ok()) return last.status();
  row.events = *last;
  auto tail = store.ReadThread(thread, *last);
  if (tail->Valid()) row.updated_ms = tail->event().timestamp_ms;
  if (!tail->status().ok()) return tail->status();
  return row;
}

}  // namespace

void RegisterList(CLI::App& app, GlobalOptions& global, Action* action) {
  auto json = std::make_shared<bool>(false);
  CLI::App* cmd = app.add_subcommand("list", "List the threads in the store, newest first");
  cmd->add_flag("--json", *json, "one JSON object per thread");
  cmd->callback([&global, json, action] {
    *action = [&global, json] {
      absl::StatusOr<std::unique_ptr<EventStore>> store = OpenStore(global);
      if (!store.ok()) return ReportError(store.status());
      absl::StatusOr<std::vector<ThreadId>> threads = (*store)->ListThreads();
      if (!threads.ok()) return ReportError(threads.status());
      std::vector<ThreadRow> rows;
      for (const ThreadId& thread : *threads) {
        absl::StatusOr<ThreadRow> row = Summarize(**store, thread);
        if (!row.ok()) return ReportError(row.status());
        rows.push_back(std::move(*row));
      }
      std::sort(rows.begin(), rows.end(),
                [](const ThreadRow& a, const ThreadRow& b) { return a.updated_ms > b.updated_ms; });
      if (*json) {
        for (const ThreadRow& r : rows) {
          std::cout << nlohmann::json{{"id", r.id},
                                      {"createdAt", FormatTimestampMs(r.created_ms)},
                                      {"updatedAt", FormatTimestampMs(r.updated_ms)},
                                      {"events", r.events},
                                      {"cwd", r.cwd},
                                      {"preview", r.preview}}
                           .dump()
                    << "\n";
        }
      } else {
        std::cout << absl::StrFormat("%-36s  %-20s  %7s  %s\n", "ID", "UPDATED", "EVENTS",
                                     "PREVIEW");
        for (const ThreadRow& r : rows) {
          std::cout << absl::StrFormat("%-36s  %-20s  %7d  %s\n", r.id,
                                       FormatTimestampMs(r.updated_ms).substr(0, 19), r.events,
                                       OneLine(r.preview, 60));
        }
        std::cout << rows.size() << " threads\n";
      }
      if (absl::Status s = (*store)->Close(); !s.ok()) return ReportError(s);
      return 0;
    };
  });
}

}  // namespace threadlog::cli
