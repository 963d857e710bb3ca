// `threadlog inspect` views: tables, a person-readable thread, event dumps, stats and search.
#include "tools/inspect.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "eventlog/absl_compat.h"
#include "eventlog/timestamp.h"

namespace threadlog {
namespace {

using Json = nlohmann::json;

// Items and lines of command output shown by `show` before "…".
constexpr size_t kOutputLines = 6;
constexpr size_t kTextWidth = 400;

std::string OneLine(std::string text, size_t max) {
  std::replace(text.begin(), text.end(), '\n', ' ');
  std::replace(text.begin(), text.end(), '\t', ' ');
  if (text.size() > max) text = absl::StrCat(text.substr(0, max > 3 ? max - 3 : max), "...");
  return text;
}

std::string Size(uint64_t bytes) {
  if (bytes < 1024) return absl::StrCat(bytes, "B");
  if (bytes < 1024 * 1024) return absl::StrFormat("%.1fK", bytes / 1024.0);
  return absl::StrFormat("%.1fM", bytes / (1024.0 * 1024.0));
}

std::string Str(const Json& object, const char* key) {
  if (!object.is_object()) return "";
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

// Indents every line of `text` and keeps the first kOutputLines of it.
std::string Excerpt(const std::string& text, const std::string& indent) {
  std::string out;
  size_t start = 0, lines = 0;
  while (start < text.size() && lines < kOutputLines) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    absl::StrAppend(&out, indent, OneLine(text.substr(start, end - start), kTextWidth), "\n");
    start = end + 1;
    ++lines;
  }
  if (start < text.size()) {
    size_t rest = std::count(text.begin() + start, text.end(), '\n') + 1;
    absl::StrAppend(&out, indent, "... (", rest, " more lines)\n");
  }
  return out;
}

std::string RenderItem(const Json& item) {
  const std::string type = Str(item, "type");
  if (type == "userMessage") {
    std::string text;
    for (const Json& part : item.value("content", Json::array())) {
      std::string kind = Str(part, "type");
      if (kind == "text")
        absl::StrAppend(&text, text.empty() ? "" : " ", Str(part, "text"));
      else
        absl::StrAppend(&text, text.empty() ? "" : " ", "[", kind, "]");
    }
    return absl::StrCat("  user: ", OneLine(text, kTextWidth), "\n");
  }
  if (type == "agentMessage") {
    return absl::StrCat("  agent: ", OneLine(Str(item, "text"), kTextWidth), "\n");
  }
  if (type == "reasoning") {
    std::string text;
    for (const Json& s : item.value("summary", Json::array()))
      if (s.is_string()) absl::StrAppend(&text, s.get<std::string>(), " ");
    return absl::StrCat("  reasoning: ", OneLine(text, 160), "\n");
  }
  if (type == "commandExecution") {
    Json exit = item.value("exitCode", Json());
    Json ms = item.value("durationMs", Json());
    std::string out =
        absl::StrCat("  $ ", OneLine(Str(item, "command"), kTextWidth), "  [", Str(item, "status"),
                     exit.is_number() ? absl::StrCat(", exit ", exit.dump()) : "",
                     ms.is_number() ? absl::StrCat(", ", ms.dump(), " ms") : "", "]\n");
    return absl::StrCat(out, Excerpt(Str(item, "aggregatedOutput"), "    | "));
  }
  if (type == "fileChange") {
    std::string out = absl::StrCat("  files (", Str(item, "status"), "):\n");
    for (const Json& change : item.value("changes", Json::array())) {
      absl::StrAppend(&out, "    ", Str(change.value("kind", Json::object()), "type"), " ",
                      Str(change, "path"), "\n");
    }
    return out;
  }
  if (type == "mcpToolCall") {
    return absl::StrCat("  mcp: ", Str(item, "server"), ".", Str(item, "tool"), " [",
                        Str(item, "status"), "]\n");
  }
  if (type == "dynamicToolCall") {
    return absl::StrCat("  tool: ", Str(item, "tool"), " [", Str(item, "status"), "]\n");
  }
  if (type == "webSearch") return absl::StrCat("  web search: ", Str(item, "query"), "\n");
  if (type == "contextCompaction") return "  (context compacted)\n";
  if (type == "plan") return absl::StrCat("  plan: ", OneLine(Str(item, "text"), 160), "\n");
  return absl::StrCat("  ", type, " ", Str(item, "id"), "\n");
}

bool Allowed(const std::vector<std::string>& allowed, std::string_view value) {
  return allowed.empty() || std::find(allowed.begin(), allowed.end(), value) != allowed.end();
}

}  // namespace

absl::StatusOr<std::vector<ThreadSummary>> ListAllThreads(ThreadStore& store, bool archived) {
  std::vector<ThreadSummary> all;
  ListQuery query;
  query.sort = SortKey::kUpdatedAt;
  query.archived = archived;
  query.limit = 1000;
  while (true) {
    absl::StatusOr<ThreadPage> page = store.List(query);
    if (!page.ok()) return page.status();
    for (ThreadSummary& s : page->threads) all.push_back(std::move(s));
    if (page->next_cursor.empty()) return all;
    query.cursor = page->next_cursor;
  }
}

Json ThreadRowJson(const ThreadSummary& s) {
  return {{"id", s.id.ToString()},
          {"name", s.name ? Json(*s.name) : Json(nullptr)},
          {"createdAt", FormatTimestampMs(s.created_at_ms)},
          {"updatedAt", FormatTimestampMs(s.updated_at_ms)},
          {"turns", s.turns},
          {"events", s.events},
          {"bytes", s.bytes},
          {"preview", s.preview},
          {"archived", s.archived},
          {"mode", s.mode == PersistenceMode::kExtended ? "extended" : "limited"},
          {"forkedFromId", s.forked_from ? Json(s.forked_from->ToString()) : Json(nullptr)},
          {"cwd", s.cwd},
          {"source", s.source}};
}

std::string FormatThreadTable(const std::vector<ThreadSummary>& threads) {
  std::string out = absl::StrFormat("%-36s  %-18s  %-19s  %5s  %7s  %7s  %s\n", "ID", "NAME",
                                    "UPDATED", "TURNS", "EVENTS", "SIZE", "PREVIEW");
  for (const ThreadSummary& s : threads) {
    absl::StrAppendFormat(&out, "%-36s  %-18s  %-19s  %5d  %7d  %7s  %s\n", s.id.ToString(),
                          OneLine(s.name.value_or("-"), 18),
                          FormatTimestampMs(s.updated_at_ms).substr(0, 19), s.turns, s.events,
                          Size(s.bytes), OneLine(s.preview, 50));
  }
  absl::StrAppend(&out, threads.size(), " threads\n");
  return out;
}

std::string RenderThread(const ThreadSummary& s, const Json& turns) {
  std::string out = absl::StrCat("thread ", s.id.ToString(),
                                 s.name ? absl::StrCat("  \"", *s.name, "\"") : "", "\n");
  absl::StrAppend(&out, "  created ", FormatTimestampMs(s.created_at_ms), "  updated ",
                  FormatTimestampMs(s.updated_at_ms), "\n");
  absl::StrAppend(&out, "  cwd ", s.cwd, "  source ", s.source.dump(), "  cli ", s.cli_version,
                  "  mode ", s.mode == PersistenceMode::kExtended ? "extended" : "limited",
                  s.archived ? "  archived" : "", "\n");
  if (s.forked_from) absl::StrAppend(&out, "  forked from ", s.forked_from->ToString(), "\n");
  absl::StrAppend(&out, "  ", s.events, " events, ", Size(s.bytes), ", ", turns.size(), " turns\n");
  size_t n = 0;
  for (const Json& turn : turns) {
    absl::StrAppend(&out, "\n-- turn ", ++n, "  ", Str(turn, "id"), "  ", Str(turn, "status"),
                    "\n");
    for (const Json& item : turn.value("items", Json::array())) {
      absl::StrAppend(&out, RenderItem(item));
    }
    const Json error = turn.value("error", Json());
    if (error.is_object()) {
      absl::StrAppend(&out, "  error: ", OneLine(Str(error, "message"), kTextWidth),
                      error.contains("codexErrorInfo") && !error["codexErrorInfo"].is_null()
                          ? absl::StrCat(" (", error["codexErrorInfo"].dump(), ")")
                          : "",
                      "\n");
    }
  }
  return out;
}

absl::Status WriteEvents(ThreadStore& store, const ThreadId& thread, const EventFilter& filter,
                         bool json, std::ostream& out) {
  std::unique_ptr<EventIterator> it = store.log().ReadThread(thread, filter.from_seq);
  for (; it->Valid(); it->Next()) {
    const EventView& e = it->event();
    if (e.seq > filter.to_seq) break;
    std::string_view kind = EventKindName(e.kind);
    if (!Allowed(filter.kinds, kind) || !Allowed(filter.types, e.type)) continue;
    std::string time = e.timestamp_text.empty() ? FormatTimestampMs(e.timestamp_ms)
                                                : std::string(e.timestamp_text);
    if (json) {
      Json payload = Json::parse(e.payload, nullptr, false);
      out << Json{{"seq", e.seq},
                  {"position", e.position},
                  {"timestamp", time},
                  {"kind", kind},
                  {"type", e.type},
                  {"payload", payload.is_discarded() ? Json(std::string(e.payload)) : payload}}
                 .dump(-1, ' ', false, Json::error_handler_t::replace)
          << "\n";
    } else {
      out << absl::StrFormat(
          "%6d  %s  %-28s  %s\n", e.seq, time,
          e.type.empty() ? std::string(kind) : absl::StrCat(ToAbsl(kind), "/", ToAbsl(e.type)),
          OneLine(std::string(e.payload), 100));
    }
  }
  return it->status();
}

absl::StatusOr<StoreReport> ComputeStoreReport(ThreadStore& store) {
  StoreReport report;
  std::unique_ptr<EventIterator> it = store.log().ReadAll();
  for (; it->Valid(); it->Next()) {
    const EventView& e = it->event();
    std::string key(EventKindName(e.kind));
    if (!e.type.empty()) absl::StrAppend(&key, "/", ToAbsl(e.type));
    TypeCount& c = report.by_type[key];
    ++c.events;
    c.bytes += e.payload.size();
    ++report.events;
    report.payload_bytes += e.payload.size();
  }
  if (!it->status().ok()) return it->status();
  absl::StatusOr<StoreStats> stats = store.log().Stats();
  if (!stats.ok()) return stats.status();
  report.threads = stats->threads;
  report.bytes_on_disk = stats->bytes_on_disk;
  return report;
}

std::string FormatStoreReport(const StoreReport& r) {
  std::vector<std::pair<std::string, TypeCount>> rows(r.by_type.begin(), r.by_type.end());
  std::sort(rows.begin(), rows.end(),
            [](const auto& a, const auto& b) { return a.second.bytes > b.second.bytes; });
  std::string out = absl::StrFormat("%-44s  %9s  %10s  %6s\n", "KIND/TYPE", "EVENTS", "BYTES", "%");
  for (const auto& [key, c] : rows) {
    absl::StrAppendFormat(&out, "%-44s  %9d  %10s  %5.1f%%\n", key, c.events, Size(c.bytes),
                          r.payload_bytes ? 100.0 * c.bytes / r.payload_bytes : 0.0);
  }
  absl::StrAppendFormat(
      &out,
      "%d threads, %d events, %s of payloads, %s on disk, compression ratio "
      "%.2f\n",
      r.threads, r.events, Size(r.payload_bytes), Size(r.bytes_on_disk),
      r.bytes_on_disk ? static_cast<double>(r.payload_bytes) / r.bytes_on_disk : 0.0);
  return out;
}

Json StoreReportJson(const StoreReport& r) {
  Json types = Json::object();
  for (const auto& [key, c] : r.by_type) types[key] = {{"events", c.events}, {"bytes", c.bytes}};
  return {{"threads", r.threads},
          {"events", r.events},
          {"payloadBytes", r.payload_bytes},
          {"bytesOnDisk", r.bytes_on_disk},
          {"compressionRatio",
           r.bytes_on_disk ? static_cast<double>(r.payload_bytes) / r.bytes_on_disk : 0.0},
          {"byType", types}};
}

absl::StatusOr<std::vector<FindHit>> FindText(ThreadStore& store, std::string_view text) {
  std::vector<FindHit> hits;
  if (text.empty()) return absl::InvalidArgumentError("find: the text to look for is empty");
  std::string escaped = Json(std::string(text)).dump();
  escaped = escaped.substr(1, escaped.size() - 2);
  absl::StatusOr<std::vector<ThreadId>> threads = store.log().ListThreads();
  if (!threads.ok()) return threads.status();
  for (const ThreadId& id : *threads) {
    absl::StatusOr<std::optional<ThreadSummary>> summary = store.GetThread(id);
    if (!summary.ok()) return summary.status();
    FindHit hit;
    hit.thread = id;
    if (summary->has_value()) hit.name = (*summary)->name;
    std::unique_ptr<EventIterator> it = store.log().ReadThread(id);
    for (; it->Valid(); it->Next()) {
      const EventView& e = it->event();
      size_t at = e.payload.find(text);
      size_t length = text.size();
      if (at == std::string_view::npos && escaped != text) {
        at = e.payload.find(escaped);
        length = escaped.size();
      }
      if (at == std::string_view::npos) continue;
      if (hit.events++ == 0) {
        hit.first_seq = e.seq;
        size_t from = at > 40 ? at - 40 : 0;
        hit.excerpt = OneLine(std::string(e.payload.substr(from, length + 80)), 160);
      }
    }
    if (!it->status().ok()) return it->status();
    if (hit.events > 0 || (hit.name && hit.name->find(text) != std::string::npos)) {
      hits.push_back(std::move(hit));
    }
  }
  return hits;
}

}  // namespace threadlog
