// Replay of one regression case: in-memory import, projection, diff against Codex's answer.
#include "tools/replay.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "eventlog/json_parse.h"
#include "projections/thread_json.h"
#include "tools/rollout_view.h"

namespace threadlog {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

absl::StatusOr<std::string> ReadText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path.string()));
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// The thread a case is about: the first session_meta's id in events.jsonl.
absl::StatusOr<ThreadId> CaseThread(const std::string& events, const fs::path& file) {
  std::istringstream lines(events);
  for (std::string line; std::getline(lines, line);) {
    absl::StatusOr<Json> parsed = ParseJson(line);
    if (!parsed.ok()) continue;
    const Json& json = *parsed;
    if (json.is_object() && json.contains("type") && json["type"] == "session_meta" &&
        json.contains("payload") && json["payload"].is_object() && json["payload"].contains("id") &&
        json["payload"]["id"].is_string()) {
      return ThreadId::Parse(json["payload"]["id"].get<std::string>());
    }
  }
  return absl::InvalidArgumentError(absl::StrCat(file.string(), " has no session_meta line"));
}

}  // namespace

absl::StatusOr<ReplayResult> RunReplayCase(const std::string& case_dir, bool bless) {
  ReplayResult result;
  result.case_dir = case_dir;
  const fs::path dir(case_dir);
  absl::StatusOr<std::string> events = ReadText(dir / "events.jsonl");
  if (!events.ok()) return events.status();
  absl::StatusOr<ThreadId> thread = CaseThread(*events, dir / "events.jsonl");
  if (!thread.ok()) return thread.status();

  // The case folder itself contributes its session_index.jsonl (ImportCodex reads one directly
  // in a given folder); events.jsonl is not named like a rollout, so it is given by name.
  std::vector<std::string> inputs = {(dir / "events.jsonl").string(), dir.string()};
  absl::StatusOr<RolloutView> view = ViewRollouts(inputs, [&result](const ImportProblem& p) {
    result.skipped_lines.push_back(absl::StrCat(p.file, ":", p.line, ": ", p.reason));
  });
  if (!view.ok()) return view.status();
  ThreadStore& store = *view->store;
  absl::StatusOr<std::optional<ThreadSummary>> summary = store.GetThread(*thread);
  if (!summary.ok()) return summary.status();
  if (!summary->has_value()) {
    return absl::NotFoundError(
        absl::StrCat(case_dir, ": thread ", thread->ToString(), " not in the store after import"));
  }
  absl::StatusOr<Json> turns = store.ReadTurns(*thread);
  if (!turns.ok()) return turns.status();
  ThreadJsonOptions options;  // a replay store has nothing loaded: status notLoaded
  options.turns = std::move(*turns);
  result.got = ThreadToJson(**summary, options);

  const fs::path expected_path = dir / "expected.json";
  if (bless) {
    std::ofstream out(expected_path, std::ios::binary | std::ios::trunc);
    out << result.got.dump(1, ' ', false, Json::error_handler_t::replace) << "\n";
    if (!out) return absl::InternalError(absl::StrCat("cannot write ", expected_path.string()));
    result.blessed = true;
    return result;
  }
  absl::StatusOr<std::string> expected_text = ReadText(expected_path);
  if (!expected_text.ok()) return expected_text.status();
  absl::StatusOr<Json> expected = ParseJson(*expected_text);
  if (!expected.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(expected_path.string(), " is not JSON: ", expected.status().message()));
  }
  result.differences = DiffJson(*expected, result.got, ReplayIgnoredFields(), *events);
  return result;
}

absl::StatusOr<std::vector<std::string>> FindReplayCases(const std::vector<std::string>& paths) {
  std::vector<std::string> cases;
  for (const std::string& path : paths) {
    std::error_code ec;
    if (fs::exists(fs::path(path) / "events.jsonl", ec)) {
      cases.push_back(path);
      continue;
    }
    if (!fs::is_directory(path, ec)) {
      return absl::NotFoundError(absl::StrCat(path, " is neither a replay case nor a folder"));
    }
    std::vector<std::string> found;
    for (const fs::directory_entry& entry : fs::directory_iterator(path, ec)) {
      if (entry.is_directory() && fs::exists(entry.path() / "events.jsonl", ec)) {
        found.push_back(entry.path().string());
      }
    }
    if (ec) return absl::InternalError(absl::StrCat("cannot list ", path, ": ", ec.message()));
    std::sort(found.begin(), found.end());
    cases.insert(cases.end(), found.begin(), found.end());
  }
  return cases;
}

}  // namespace threadlog
