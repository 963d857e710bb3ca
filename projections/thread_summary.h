// The thread-index fold: one ThreadSummary per thread, updated event by event, and its storage
// form.
#ifndef THREADLOG_PROJECTIONS_THREAD_SUMMARY_H_
#define THREADLOG_PROJECTIONS_THREAD_SUMMARY_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "eventlog/event.h"
#include "nlohmann/json.hpp"
#include "projections/thread_store.h"

namespace threadlog {

// ThreadSummary plus what the fold needs to remember that a client never sees.
struct SummaryState {
  ThreadSummary summary;
  bool meta_seen = false;      // the first session_meta was applied (a fork file holds two)
  uint64_t name_position = 0;  // position of the rename that set summary.name (name index key)
};

// Applies one event at global `position` with effective time `timestamp_ms`. Pure: the same
// events in the same order give the same state. Malformed payloads change only the counters.
void FoldSummary(SummaryState* state, EventKind kind, std::string_view type,
                 std::string_view payload, int64_t timestamp_ms, uint64_t position);

// Storage form (canonical JSON: equal states give equal bytes).
std::string SummaryStateToJson(const SummaryState& state);
absl::StatusOr<SummaryState> SummaryStateFromJson(std::string_view text);

// The v2 ThreadSourceKind of a stored session_meta.source ("vscode", {"subagent":"review"}, …).
std::string SourceKindOf(const nlohmann::json& source);

// "limited" / "extended".
std::string_view PersistenceModeName(PersistenceMode mode);

}  // namespace threadlog

#endif  // THREADLOG_PROJECTIONS_THREAD_SUMMARY_H_
