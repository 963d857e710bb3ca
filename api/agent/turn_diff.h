// TurnDiff: the unified diff of everything a turn's patches changed — each file as it was before
// the turn first touched it against how it is now — in the git form Codex 0.117.0 sends as
// turn/diff/updated (tests/agent/golden/codex_117_apply_patch.json, turn_diff_updated).
#ifndef THREADLOG_API_AGENT_TURN_DIFF_H_
#define THREADLOG_API_AGENT_TURN_DIFF_H_

#include <map>
#include <optional>
#include <string>

#include "api/agent/apply_patch.h"

namespace threadlog::agent {

// Not thread-safe: one per turn, fed by its tool calls in order.
class TurnDiff {
 public:
  // Before `plan` is written: remembers how the files it will touch are now (those the turn
  // touched already keep their first state).
  void Before(const PatchPlan& plan);
  // After it was written (or failed part way): the turn's diff now. "" when nothing differs.
  std::string Diff() const;

 private:
  struct Baseline {
    std::optional<std::string> contents;  // none: the file did not exist
    std::string mode;                     // "100644" | "100755"
    std::string now_path;                 // where it is now (a move's destination)
  };
  std::map<std::string, Baseline> files_;  // by the path as first touched
};

// The git blob id (SHA-1 of "blob <size>\0<contents>") of `contents`, in hex.
std::string GitBlobId(std::string_view contents);

}  // namespace threadlog::agent

#endif  // THREADLOG_API_AGENT_TURN_DIFF_H_
