// Codex home import: rollouts via RolloutImporter, then archive state and names as lifecycle
// events.
#include "eventlog/codex_import.h"

#include <filesystem>
#include <map>

#include "absl/strings/str_cat.h"
#include "eventlog/json_parse.h"
#include "eventlog/rollout_reader.h"
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

absl::Status AppendLifecycle(RolloutStore& store, const ThreadId& thread, EventKind kind,
                             Json payload, int64_t timestamp_ms, std::string timestamp_text) {
  absl::StatusOr<uint64_t> last = store.log().LastSeq(thread);
  if (!last.ok()) return last.status();
  NewEvent event;
  event.kind = kind;
  event.payload = JsonText::Serialize(payload);
  event.timestamp_ms = timestamp_ms;
  event.timestamp_text = std::move(timestamp_text);
  return store.log()
      .Append(thread, *last, std::span<const NewEvent>(&event, 1), Durability::kBuffered)
      .status();
}

// A string member, or nullopt when it is missing or of another type (null included).
std::optional<std::string> StringMember(const Json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

}  // namespace

absl::Status ImportSessionIndex(RolloutStore& store, const std::string& path,
                                const std::set<ThreadId>* only,
                                const RolloutImporter::ProblemSink& on_problem,
                                CodexImportStats* stats) {
  std::error_code ec;
  if (!fs::exists(fs::symlink_status(path, ec))) return absl::OkStatus();  // a home without names
  // Read like a rollout: never blocking on a FIFO, a line at a time in bounded memory.
  absl::StatusOr<std::unique_ptr<RolloutReader>> reader = RolloutReader::Open(path);
  if (!reader.ok()) {
    if (on_problem) on_problem({path, 0, std::string(reader.status().message())});
    return absl::OkStatus();
  }
  struct Entry {
    std::string name;
    std::string updated_at;  // empty when the line gave none
  };
  std::map<ThreadId, Entry> newest;  // file order: the last line of a thread wins
  while (true) {
    absl::StatusOr<std::optional<RolloutReader::Line>> line = (*reader)->Next();
    if (!line.ok()) {
      if (on_problem) on_problem({path, 0, std::string(line.status().message())});
      break;  // the entries read before the damage still count
    }
    if (!*line) break;
    const RolloutReader::Line& l = **line;
    if (!l.too_long && l.text.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    absl::StatusOr<Json> json =
        l.too_long ? absl::OutOfRangeError("line too long") : ParseJson(l.text);
    std::optional<std::string> id_text, name;
    if (json.ok() && json->is_object()) {
      id_text = StringMember(*json, "id");
      name = StringMember(*json, "thread_name");
    }
    absl::StatusOr<ThreadId> id = ThreadId::Parse(id_text.value_or(""));
    if (!id.ok() || id->IsNil() || !name) {
      ++stats->index_lines_skipped;
      if (on_problem) {
        on_problem({path, l.number,
                    json.ok() ? "not a session index entry {id, thread_name, updated_at}"
                              : std::string(json.status().message())});
      }
      continue;
    }
    if (only != nullptr && only->count(*id) == 0) continue;
    newest[*id] = {*std::move(name), StringMember(*json, "updated_at").value_or("")};
  }
  for (const auto& [thread, entry] : newest) {
    absl::StatusOr<std::optional<ThreadFileState>> state = store.FileState(thread);
    if (!state.ok()) return state.status();
    if (!*state || entry.name.empty() || (*state)->name == entry.name) continue;
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

absl::Status ImportCodex(RolloutStore& store, const std::vector<std::string>& paths,
                         RolloutImporter::ProblemSink on_problem,
                         RolloutImporter::ProgressSink on_progress, CodexImportStats* stats) {
  RolloutImporter importer(&store.log(), on_problem, std::move(on_progress));
  importer.set_lines_stored([&store](const ThreadId& thread) -> absl::StatusOr<uint64_t> {
    absl::StatusOr<std::optional<ThreadFileState>> state = store.FileState(thread);
    if (!state.ok()) return state.status();
    return *state ? (*state)->rollout_lines : 0;
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
    absl::StatusOr<std::optional<ThreadFileState>> state = store.FileState(thread);
    if (!state.ok()) return state.status();
    if (!*state || (*state)->archived == want) continue;
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
      if (absl::Status s = ImportSessionIndex(
              store, (fs::path(path) / "session_index.jsonl").string(), nullptr, on_problem, stats);
          !s.ok()) {
        return s;
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace threadlog
