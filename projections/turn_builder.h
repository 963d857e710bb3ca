// TurnBuilder: the turns-and-ThreadItems read model, a pure fold over one thread's events.
#ifndef THREADLOG_PROJECTIONS_TURN_BUILDER_H_
#define THREADLOG_PROJECTIONS_TURN_BUILDER_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "eventlog/event.h"
#include "nlohmann/json.hpp"

namespace threadlog {

// Rebuilds a thread's turns the way Codex 0.117.0's app-server does (thread_history.rs): feed
// every event of one thread in log order, then Turns() is exactly `thread.turns` of
// `thread/read` with `includeTurns: true` (v2 `Turn` objects holding v2 `ThreadItem`s).
// The rules and the few deliberate differences from Codex are listed in projections/TURNS.md.
//
// The fold is deterministic: the same events in the same order give the same Turns() and the
// same Serialize() bytes. In particular turns Codex would give a random UUIDv7 (legacy files
// without task_started) and hook prompts without an id (random UUIDv4 in Codex) get an id
// derived from the thread id and the event's position.
//
// Turns() is the fold alone: a turn still `inProgress` here is shown as `interrupted` by a
// reader whose thread has no live turn (ThreadToJson does that, as Codex's thread/read does).
//
// Not thread-safe; one builder per thread, used from one thread at a time.
class TurnBuilder {
 public:
  // `thread_id` seeds the ids of legacy turns; when empty, the first session_meta's `id` does.
  explicit TurnBuilder(std::string_view thread_id = {});

  TurnBuilder(const TurnBuilder&) = default;
  TurnBuilder& operator=(const TurnBuilder&) = default;
  TurnBuilder(TurnBuilder&&) = default;
  TurnBuilder& operator=(TurnBuilder&&) = default;

  // Folds one event: `kind` and `type` as stored in the envelope, `payload_json` the payload.
  // Kinds other than the five rollout kinds, and event types thread history ignores, are
  // accepted and change nothing except the position counter.
  // Returns kInvalidArgument when the payload is not JSON or lacks what Codex requires for its
  // type; the turns are then unchanged (only the event position advances, so later legacy ids
  // still follow the log), and callers should skip the event, as Codex skips a rollout line it
  // cannot parse.
  absl::Status Apply(EventKind kind, std::string_view type, std::string_view payload_json);

  // The turns so far, oldest first, as a JSON array of v2 `Turn`: the finished turns plus the
  // open one (Codex's `finish()`, without consuming the builder). An open turn that Codex would
  // drop (no items, not opened by task_started, no compaction) is left out.
  nlohmann::json Turns() const;

  // The open turn (v2 `Turn`) when one exists, e.g. the running turn of a live thread.
  std::optional<nlohmann::json> OpenTurn() const;

  // Number of finished turns (not counting the open one).
  size_t finished_turns() const { return turns_.size(); }

  // Checkpoint support. Finished turns are not immutable: Codex routes late events to them by
  // turn id (a command that ends after the next turn began, a plan update, turn_aborted or
  // task_complete naming an older turn) and rollbacks drop them. FirstChangedTurn() is the
  // lowest index into the finished turns that may differ since the last MarkCheckpointed()
  // (or since construction / Deserialize), so a checkpoint writer can rewrite only
  // turns [FirstChangedTurn(), finished_turns()) plus the counters and open turn, and delete
  // stored turns at or past finished_turns().
  size_t FirstChangedTurn() const { return first_changed_; }
  void MarkCheckpointed() { first_changed_ = turns_.size(); }

  // The whole fold state as canonical JSON text (format in projections/TURNS.md). Applying the
  // same events always gives the same bytes.
  std::string Serialize() const;

  // Inverse of Serialize. kInvalidArgument for text that is not a serialized builder,
  // kFailedPrecondition for one written by a different state version (rebuild from the log).
  // The result's FirstChangedTurn() is its finished_turns().
  static absl::StatusOr<TurnBuilder> Deserialize(std::string_view data);

  // The checkpoint form: Serialize() without the finished turns, which a store keeps one per
  // row so an append rewrites only the turns it changed. RestoreCheckpoint takes them back;
  // kInvalidArgument when their count is not the one the checkpoint recorded.
  std::string SerializeCheckpoint() const;
  static absl::StatusOr<TurnBuilder> RestoreCheckpoint(std::string_view checkpoint,
                                                       std::vector<nlohmann::json> finished_turns);
  // Requires i < finished_turns().
  const nlohmann::json& finished_turn(size_t i) const { return turns_[i]; }

  // Version of the serialized state and of the rules; bump when either changes.
  static constexpr int kStateVersion = 2;

 private:
  class Applier;  // the per-event rules, defined in the .cc

  nlohmann::json StateJson(bool with_finished_turns) const;

  // Invariant: every element of turns_ is a v2 Turn object {id, items[], status, error}.
  std::vector<nlohmann::json> turns_;
  // The open turn (a v2 Turn) and how it was opened; open_ is null when no turn is open.
  nlohmann::json open_;
  bool open_explicit_ = false;    // opened by task_started/turn_started
  bool open_compaction_ = false;  // held a `compacted` line, so it is kept even when empty
  int64_t next_item_index_ = 1;   // next synthesized `item-N`
  uint64_t position_ = 0;         // rollout-kind events applied so far
  std::string thread_id_;
  size_t first_changed_ = 0;  // not part of the state: see FirstChangedTurn()
};

}  // namespace threadlog

#endif  // THREADLOG_PROJECTIONS_TURN_BUILDER_H_
