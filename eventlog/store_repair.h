// Repair of a store whose write-ahead log is damaged in its middle: keep everything before the
// damage, save aside what can still be read after it, put back what can be put back, and say
// exactly what was lost (`threadlog repair`).
#ifndef THREADLOG_EVENTLOG_STORE_REPAIR_H_
#define THREADLOG_EVENTLOG_STORE_REPAIR_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "eventlog/event.h"
#include "eventlog/event_store.h"
#include "eventlog/thread_id.h"

namespace threadlog {

// An event found in an intact log record after the damage, as it was appended.
struct RecoveredEvent {
  ThreadId thread;
  uint64_t seq = 0;
  NewEvent event;
};

struct LogRecovery {
  bool damaged = false;    // false: the logs were intact and nothing was done
  std::string file;        // the damaged log file, e.g. "000004.log"
  uint64_t offset = 0;     // where in it
  std::string what;        // e.g. "checksum mismatch"
  std::string backup_dir;  // the original log files, copied before anything changed
  // Write batches (appends) that could not be read at all: the damaged record itself.
  uint64_t unreadable_records = 0;
  // Events of the intact records after the damage, in log order. Recovery keeps the log only
  // up to the damage (RocksDB's point-in-time recovery), so these are not in the store.
  std::vector<RecoveredEvent> after_damage;
};

// When the store in `dir` (created with `options`' state families) has a write-ahead log
// damaged anywhere but at its very end: copies every log file to a new folder beside the store
// (`<dir>.repair-<time>`), recovers the store up to the damage, and returns the events of the
// readable records after it. Otherwise returns {damaged = false} and changes nothing. The store
// must not be open elsewhere.
absl::StatusOr<LogRecovery> RecoverDamagedLog(const std::string& dir, const StoreOptions& options);

// What became of the events after the damage once offered back to the recovered log.
struct SalvageReport {
  std::vector<RecoveredEvent> restored;  // appended again, with their seqs
  // Not appended: an earlier event of the same thread is missing (it was in the unreadable
  // record, or is itself here), so appending would leave a gap in the thread's seqs.
  std::vector<RecoveredEvent> lost;
};

// Appends, in order, each recovered event whose thread's last seq is right before it (through
// `log`, so whatever observes the log's appends follows); the others are reported lost.
absl::StatusOr<SalvageReport> SalvageEvents(EventStore& log,
                                            const std::vector<RecoveredEvent>& events);

// Writes `events` as JSON lines {thread, seq, kind, type, timestamp, payload} to `path`.
absl::Status WriteRecoveredEvents(const std::vector<RecoveredEvent>& events,
                                  const std::string& path);

}  // namespace threadlog

#endif  // THREADLOG_EVENTLOG_STORE_REPAIR_H_
