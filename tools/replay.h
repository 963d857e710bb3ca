// Replay regression cases: a Codex rollout projected by the store, compared with what the real
// Codex app-server answered for it (tests/replay/README.md).
#ifndef THREADLOG_TOOLS_REPLAY_H_
#define THREADLOG_TOOLS_REPLAY_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"
#include "tools/replay_diff.h"

namespace threadlog {

// A case is a folder holding events.jsonl (rollout lines of one thread), expected.json (the
// v2 Thread with turns that Codex's thread/read {includeTurns: true} returned) and optionally
// session_index.jsonl (Codex's name index lines for the thread).
struct ReplayResult {
  std::string case_dir;
  nlohmann::json got;                       // our v2 Thread with turns
  std::vector<JsonDifference> differences;  // outside ReplayIgnoredFields(); empty = pass
  std::vector<std::string> skipped_lines;   // "file:line: reason" for lines the import skipped
  bool blessed = false;                     // expected.json was rewritten
};

// Imports the case into an in-memory store (ViewRollouts), projects the thread
// (ThreadStore::GetThread + ReadTurns + ThreadToJson) and diffs it against expected.json. With
// `bless`, writes `got` to expected.json instead of failing. kNotFound / kInvalidArgument for a
// malformed case; differences are not an error (see ReplayResult::differences).
absl::StatusOr<ReplayResult> RunReplayCase(const std::string& case_dir, bool bless);

// The case folders named by `paths`: each path that holds events.jsonl is a case; any other
// folder contributes its immediate subfolders that do, sorted.
absl::StatusOr<std::vector<std::string>> FindReplayCases(const std::vector<std::string>& paths);

}  // namespace threadlog

#endif  // THREADLOG_TOOLS_REPLAY_H_
