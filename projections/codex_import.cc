// Codex home import: rollouts via RolloutImporter, then archive state and names as lifecycle
// events.
#include "projections/codex_import.h"

#include <filesystem>
#include <fstream>
#include <map>

#include "absl/strings/str_cat.h"
#include "eventlog/timestamp.h"
#include "nlohmann/json.hpp"

namespace threadlog {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

// Where a rollout file sits decides its archive state; elsewhere it says nothing.
std::optional<bool> ArchivedByLocation(const std::string& path) {
  for (fs::path p = fs::path(path).parent_path(); !p.empty() && p != p.root_path();
       p = p.parent_path()) {
    if (p.filename() == "archived_sessions") return true;
    if (p.filename() == "sessions") return false;
  }
  return std::nullopt;
}

absl::Status AppendLifecycle(ThreadStore& store, const ThreadId& thread, EventKind kind,
                             Json payload, int64_t timestamp_ms, std::string timestamp_text) {
  absl::StatusOr<uint64_t> last = store.log().LastSeq(thread);
  if (!last.ok()) return last.status();
  NewEvent event;
  event.kind = kind;
  event.payload = JsonText::Serialize(payload);
  event.timestamp_ms = timestamp_ms;
  event.timestamp_text = std::move(timestamp_text);
  return store.Append(thread, *last, std::span<const NewEvent>(&event, 1), Durability::kBuffered)
      .status();
}

absl::Status ImportSessionIndex(ThreadStore& store, const fs::path& file,
                                const RolloutImporter::ProblemSink& on_problem,
                                CodexImportStats* stats) {
  std::ifstream in(file);
  if (!in) return absl::OkStatus();
  struct Entry {
    std::string name;
    std::string updated_at;
  };
  std::map<ThreadId, Entry> newest;  // file order: the last line of a thread wins
  std::string line;
  for (uint64_t n = 1; std::getline(in, line); ++n) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    Json json = Json::parse(line, nullptr, false);
    absl::StatusOr<ThreadId> id =
        ThreadId::Parse(json.is_object() && json.contains("id") && json["id"].is_string()
                            ? json["id"].get<std::string>()
                            : "");
    if (!id.ok() || !json.contains("thread_name") || !json["thread_name"].is_string()) {
      ++stats->index_lines_skipped;
      if (on_problem)
        on_problem({file.string(), n, "not a session index entry {id, thread_name, updated_at}"});
      continue;
    }
    newest[*id] = {json["thread_name"].get<std::string>(), json.value("updated_at", std::string())};
  }
  for (const auto& [thread, entry] : newest) {
    absl::StatusOr<std::optional<ThreadSummary>> summary = store.GetThread(thread);
    if (!summary.ok()) return summary.status();
    if (!*summary || entry.name.empty() || (*summary)->name == entry.name) continue;
    absl::StatusOr<int64_t> ms = ParseTimestampMs(entry.updated_at);
    std::string text =
        ms.ok() && FormatTimestampMs(*ms) != entry.updated_at ? entry.updated_at : "";
    if (absl::Status s = AppendLifecycle(store, thread, EventKind::kThreadRenamed,
                                         {{"name", entry.name}}, ms.ok() ? *ms : 0, text);
        !s.ok()) {
      return s;
    }
    ++stats->renamed;
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ImportCodex(ThreadStore& store, const std::vector<std::string>& paths,
                         RolloutImporter::ProblemSink on_problem,
                         RolloutImporter::ProgressSink on_progress, CodexImportStats* stats) {
  RolloutImporter importer(&store.log(), on_problem, std::move(on_progress));
  importer.set_lines_stored([&store](const ThreadId& thread) -> absl::StatusOr<uint64_t> {
    absl::StatusOr<std::optional<ThreadSummary>> summary = store.GetThread(thread);
    if (!summary.ok()) return summary.status();
    return *summary ? (*summary)->rollout_lines : 0;
  });
  std::map<ThreadId, bool> archived;  // by where the thread's file was found
  importer.set_file_sink([&archived](const std::string& path, const ThreadId& thread) {
    if (std::optional<bool> a = ArchivedByLocation(path)) archived[thread] = *a;
  });
  for (const std::string& path : paths) {
    if (absl::Status s = importer.ImportPath(path); !s.ok()) return s;
  }
  stats->rollouts = importer.stats();
  for (const auto& [thread, want] : archived) {
    absl::StatusOr<std::optional<ThreadSummary>> summary = store.GetThread(thread);
    if (!summary.ok()) return summary.status();
    if (!*summary || (*summary)->archived == want) continue;
    if (absl::Status s = AppendLifecycle(
            store, thread, want ? EventKind::kThreadArchived : EventKind::kThreadUnarchived,
            Json::object(), 0, "");
        !s.ok()) {
      return s;
    }
    ++stats->archive_changes;
  }
  for (const std::string& path : paths) {
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
      if (absl::Status s =
              ImportSessionIndex(store, fs::path(path) / "session_index.jsonl", on_problem, stats);
          !s.ok()) {
        return s;
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace threadlog
