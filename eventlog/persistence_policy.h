// The persistence policy: which events a Limited or Extended thread keeps, and how Extended
// mode trims command output before it is stored. One table, as Codex's rollout/policy.rs.
#ifndef THREADLOG_EVENTLOG_PERSISTENCE_POLICY_H_
#define THREADLOG_EVENTLOG_PERSISTENCE_POLICY_H_

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "eventlog/event.h"

namespace threadlog {

enum class PersistenceMode {
  kLimited,   // what Codex keeps by default
  kExtended,  // persistExtendedHistory: also command, patch, MCP, search, collab ends, errors
};

// In which modes an EventMsg type is kept.
enum class KeptIn {
  kNever,     // deltas, *_begin, approvals, UI-only events
  kBoth,      // Limited and Extended
  kExtended,  // Extended only
};

struct EventMsgRule {
  std::string_view type;
  KeptIn kept_in;
};

// Every EventMsg type Codex 0.113.0 knows (and the few later ones the persistence notes name),
// sorted by type. `item_completed` is listed as kBoth but is kept only for Plan items.
std::span<const EventMsgRule> EventMsgRules();

// Codex's limit on exec_command_end.aggregated_output in Extended mode.
constexpr size_t kPersistedExecOutputMaxBytes = 10'000;

// Whether an event of this kind/type is stored in `mode`. Rollout kinds other than event_msg
// and our lifecycle kinds are always kept; an event_msg type missing from the table is kept in
// Extended mode only (forward compatibility). `payload` decides item_completed (Plan items).
bool IsPersisted(PersistenceMode mode, EventKind kind, std::string_view type,
                 std::string_view payload);

// Applies the policy: nullopt when the event is not stored in `mode`; otherwise the event to
// store, sanitized as Codex does (Extended exec_command_end: aggregated_output middle-truncated
// to kPersistedExecOutputMaxBytes, stdout/stderr/formatted_output emptied). kInvalidArgument
// when a payload the policy must look into is not a JSON object.
absl::StatusOr<std::optional<NewEvent>> ApplyPersistencePolicy(PersistenceMode mode,
                                                               NewEvent event);

// Codex's truncate_middle_chars: keeps max_bytes/2 bytes of head and the rest of the budget as
// tail, both cut on UTF-8 boundaries, joined by "…N chars truncated…" (N = characters removed).
// Returns `text` unchanged when it fits.
std::string TruncateMiddle(std::string_view text, size_t max_bytes);

}  // namespace threadlog

#endif  // THREADLOG_EVENTLOG_PERSISTENCE_POLICY_H_
