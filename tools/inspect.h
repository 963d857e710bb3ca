// Read-only views of a ThreadStore for people: the logic behind `threadlog inspect`.
#ifndef THREADLOG_TOOLS_INSPECT_H_
#define THREADLOG_TOOLS_INSPECT_H_

#include <cstdint>
#include <map>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"
#include "projections/thread_store.h"

namespace threadlog {

// Every thread of one archive state, most recently updated first (pages through List).
absl::StatusOr<std::vector<ThreadSummary>> ListAllThreads(ThreadStore& store, bool archived);

// One row of `inspect list --json`: id, name, createdAt/updatedAt (RFC 3339), turns, events,
// bytes, preview, archived, mode, forkedFromId, cwd, source.
nlohmann::json ThreadRowJson(const ThreadSummary& summary);

// The `inspect list` table: id, name, updated, turns, events, size, preview.
std::string FormatThreadTable(const std::vector<ThreadSummary>& threads);

// The thread and its turns (v2 `Turn` JSON) for a person: messages, commands with exit code
// and an output excerpt, file changes, errors.
std::string RenderThread(const ThreadSummary& summary, const nlohmann::json& turns);

struct EventFilter {
  std::vector<std::string> kinds;  // empty: any
  std::vector<std::string> types;  // empty: any
  uint64_t from_seq = 1;
  uint64_t to_seq = UINT64_MAX;
};

// The thread's stored events (lifecycle kinds included) that pass `filter`, one per line:
// JSON objects {seq, position, timestamp, kind, type, payload} or a text table.
absl::Status WriteEvents(ThreadStore& store, const ThreadId& thread, const EventFilter& filter,
                         bool json, std::ostream& out);

struct TypeCount {
  uint64_t events = 0;
  uint64_t bytes = 0;  // payload bytes
};

struct StoreReport {
  std::map<std::string, TypeCount> by_type;  // "kind" or "kind/type"
  uint64_t threads = 0;
  uint64_t events = 0;
  uint64_t payload_bytes = 0;
  uint64_t bytes_on_disk = 0;
};

// Counts every event of the log by kind/type; compression ratio = payload_bytes/bytes_on_disk.
absl::StatusOr<StoreReport> ComputeStoreReport(ThreadStore& store);
std::string FormatStoreReport(const StoreReport& report);
nlohmann::json StoreReportJson(const StoreReport& report);

struct FindHit {
  ThreadId thread;
  std::optional<std::string> name;
  uint64_t events = 0;     // events whose payload mentions the text
  uint64_t first_seq = 0;  // 0 when only the name matched
  std::string excerpt;     // around the first mention
};

// Threads whose events or name mention `text` (case-sensitive; matched in the payload JSON
// both as typed and JSON-escaped, so quotes and newlines are found), in id order.
absl::StatusOr<std::vector<FindHit>> FindText(ThreadStore& store, std::string_view text);

}  // namespace threadlog

#endif  // THREADLOG_TOOLS_INSPECT_H_
