// Projector: the AppendObserver that folds every append into the projection state families
// inside the append's own batch.
#ifndef THREADLOG_PROJECTIONS_INTERNAL_PROJECTOR_H_
#define THREADLOG_PROJECTIONS_INTERNAL_PROJECTOR_H_

#include <memory>
#include <optional>
#include <unordered_map>

#include "eventlog/event_store.h"
#include "projections/thread_summary.h"
#include "projections/turn_builder.h"

namespace threadlog {

struct ThreadIdHasher {
  size_t operator()(const ThreadId& id) const { return std::hash<std::string_view>{}(id.bytes()); }
};

// One event as the projections see it, whether it comes from an append or from the log.
struct ProjectedEvent {
  EventKind kind;
  std::string_view type;
  std::string_view payload;
  int64_t timestamp_ms;
  uint64_t position;
};

// Everything the projections keep for one thread.
struct ThreadProjection {
  ThreadProjection(SummaryState summary_state, TurnBuilder builder)
      : summary(std::move(summary_state)), turns(std::move(builder)) {}

  SummaryState summary;
  TurnBuilder turns;
  // Turns [0, inherited_turns) are read through from `inherited_from` (a fork's parent); own
  // rows hold [inherited_turns, turns.finished_turns()).
  std::optional<ThreadId> inherited_from;
  uint32_t inherited_turns = 0;
  uint32_t stored_turn_rows = 0;  // own rows currently stored: [inherited_turns, this)
  uint32_t children = 0;          // forks that read this thread's turns through
};

class Projector final : public AppendObserver {
 public:
  // `log` is read by FoldFromLog; `state` is where projections are read from (the live state, or
  // a rebuild's new generation). Both must outlive the projector.
  Projector(EventStore* log, StateReader* state);

  absl::Status OnAppend(const ThreadId& thread, const AppendResult& result,
                        std::span<const NewEvent> events, int64_t now_ms,
                        StateWriter* batch) override;
  void OnGroupDone(bool written) override;

  // Loads a thread's committed projection (nullopt when it has none). Thread-safe with respect
  // to appends only in that it reads committed data; used by readers and the verifier.
  absl::StatusOr<std::optional<ThreadProjection>> Load(const ThreadId& thread);

  // Reads the finished turns [begin, end) of a thread, following inherited turns to the parent.
  absl::Status ReadTurnRows(const ThreadId& thread, uint32_t begin, uint32_t end,
                            std::vector<nlohmann::json>* out);

  // Folds events of one thread into the projections, adding the writes to `batch`; the same
  // path serves appends and rebuilds. Call Commit(written) once `batch` is written or dropped.
  absl::Status Apply(const ThreadId& thread, std::span<const ProjectedEvent> events,
                     StateWriter* batch);

  // Apply in three steps, for a caller that streams events without holding them (rebuild):
  // BeginRun, FoldEvent for each event of the thread in order, EndRun to add the writes.
  struct Run {
    ThreadId thread;
    ThreadProjection* projection = nullptr;
    SummaryState before;
    uint32_t before_rows = 0;
  };
  absl::StatusOr<Run> BeginRun(const ThreadId& thread);
  absl::Status FoldEvent(Run& run, const ProjectedEvent& event, StateWriter* batch);
  absl::Status EndRun(Run& run, StateWriter* batch);
  void Commit(bool written);

  // Forgets every cached projection (after a rebuild wiped them).
  void ClearCache();

  // Folds one thread from the log alone, as Rebuild would (for Verify): events 1..up_to_seq
  // (0: all), a fork's parent folded as of the fork.
  absl::StatusOr<ThreadProjection> FoldFromLog(const ThreadId& thread, uint64_t up_to_seq = 0);

  // The stored checkpoint record of a thread (empty when none), for Verify.
  static std::string CheckpointRecord(const ThreadProjection& p);

 private:
  absl::StatusOr<ThreadProjection*> Working(const ThreadId& thread);  // pending, else loaded
  absl::Status ApplyFork(const ThreadId& thread, ThreadProjection* fork, std::string_view payload,
                         StateWriter* batch);
  absl::Status WriteProjection(const ThreadId& thread, const SummaryState& before,
                               uint32_t before_rows, ThreadProjection* p, StateWriter* batch);
  absl::Status CopyOnWriteChildren(const ThreadId& parent, uint32_t first_changed,
                                   StateWriter* batch);

  EventStore* log_;
  StateReader* state_;
  // Committed projections of recently appended threads (bounded), and the ones the current
  // commit group changed (applied to the cache once the group is written).
  std::unordered_map<ThreadId, ThreadProjection, ThreadIdHasher> cache_;
  std::unordered_map<ThreadId, ThreadProjection, ThreadIdHasher> pending_;
};

}  // namespace threadlog

#endif  // THREADLOG_PROJECTIONS_INTERNAL_PROJECTOR_H_
