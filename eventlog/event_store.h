// EventStore: the append-only log of every thread's events, and how to open one.
//
// A thread's events carry seqs 1, 2, 3 ... without gaps; every event also gets a global
// position, strictly increasing in commit order across all threads. Appends are atomic (all
// events of a call or none), optimistic (the caller states the last seq it saw) and
// group-committed (concurrent appenders share one WAL write and, in sync mode, one fsync).
//
// All methods are thread-safe. Errors are values:
//   kInvalidArgument   bad input (nil thread id, payload that is not JSON, no events)
//   kAborted           expected_last_seq is stale; the message names both seqs
//   kOutOfRange        a seq or position would overflow
//   kFailedPrecondition the store's format is newer than this binary
//   kDataLoss          a stored record fails its checksum or envelope verification
//   kResourceExhausted the disk is full
//   kUnavailable       another process holds the store
//   kFailedPrecondition also: an append or state write to a store opened read-only
#ifndef THREADLOG_EVENTLOG_EVENT_STORE_H_
#define THREADLOG_EVENTLOG_EVENT_STORE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "eventlog/event.h"
#include "eventlog/state.h"
#include "eventlog/thread_id.h"

namespace threadlog {

struct AppendResult;

// Lets a layer above the log (the projections) keep its state in the store (eventlog/state.h)
// and update it in the same atomic batch as each append, so no reader ever sees one without
// the other.
class AppendObserver {
 public:
  virtual ~AppendObserver() = default;
  // Called by the committing thread, under the store's writer lock, once per accepted append of
  // a commit group, in commit order, after its seqs and positions are assigned. Writes to
  // `state` commit together with the append's events. `now_ms` is the timestamp given to
  // events whose timestamp_ms is 0. An error fails this append alone: its events and whatever
  // the observer wrote are taken back out.
  virtual absl::Status OnAppend(const ThreadId& thread, const AppendResult& result,
                                std::span<const NewEvent> events, int64_t now_ms,
                                StateWriter* state) = 0;
  // Called once the group's batch is written (`written`) or has failed; observers that cache
  // state across OnAppend calls commit or drop it here.
  virtual void OnGroupDone(bool written) = 0;
};

enum class Durability {
  kBuffered,  // acknowledged once the batch is in the WAL (OS buffers); survives a process crash
  kSync,      // acknowledged once the WAL is fsynced; survives a machine crash. Readers may see the
              // events slightly earlier, once written (a sync of the WAL runs off the writer queue)
};

struct StoreOptions {
  bool create_if_missing = true;
  // The state families the layer above keeps (eventlog/state.h); StateFamily i names the i-th.
  // Created when missing.
  std::vector<std::string> state_families;
  // Reads only: nothing in the store directory is written (the write-ahead log is replayed in
  // memory), appends and state writes fail with kFailedPrecondition, and the store may be open
  // read-only while another process (a running `serve`) has it open for writing; such a reader
  // sees the store as it was when it opened.
  bool read_only = false;
  // Not owned; must outlive the store. May be set after Open (before the first append) with
  // EventStore::SetObserver.
  AppendObserver* observer = nullptr;
  // Bulk loading, for an offline import that has the store to itself: appends skip the WAL
  // (compressing and writing it is a third of an import's serial work) and every column family
  // is flushed atomically, so the files on disk always hold a prefix of the appends, whole
  // batches only. Appends are durable once Close() returns OK (a kSync append flushes at once).
  // A crash loses the appends since the last flush and nothing else; re-running an import
  // (idempotent) completes it.
  bool bulk_load = false;
  // Keep everything in memory (RocksDB's in-memory Env): nothing is read from or written to
  // the disk, and the store is gone once closed. `dir` only names it.
  bool in_memory = false;
};

struct AppendResult {
  uint64_t first_seq = 0;  // seq of the first appended event
  uint64_t last_seq = 0;   // seq of the last appended event; the next expected_last_seq
  uint64_t first_position = 0;
  uint64_t last_position = 0;
};

// A forward cursor over stored events. Typical use:
//   for (; it->Valid(); it->Next()) Use(it->event());
//   if (!it->status().ok()) ...
class EventIterator {
 public:
  virtual ~EventIterator() = default;
  virtual bool Valid() const = 0;
  // Requires Valid(). The view is invalidated by Next() and by destroying the iterator.
  virtual const EventView& event() const = 0;
  virtual void Next() = 0;
  // OK at the natural end; the first error otherwise (iteration stops at it).
  virtual absl::Status status() const = 0;
};

struct StoreStats {
  uint64_t threads = 0;
  uint64_t events = 0;         // estimated by RocksDB unless exact was asked for
  uint64_t bytes_on_disk = 0;  // every file in the store directory
  uint64_t last_position = 0;
};

class EventStore {
 public:
  // The on-disk format this binary writes; a store with a larger number is refused.
  static constexpr uint32_t kFormatVersion = 1;
  // Pass as expected_last_seq when the thread must not exist yet.
  static constexpr uint64_t kNewThread = 0;

  // Opens (creating, unless options say not to) the store in `dir`, which must be an absolute
  // path or one relative to the current directory; parents are created as needed.
  static absl::StatusOr<std::unique_ptr<EventStore>> Open(const std::string& dir,
                                                          const StoreOptions& options = {});

  virtual ~EventStore() = default;

  // Appends `events` to `thread` iff its last seq is `expected_last_seq`. Either every event is
  // written, with seqs expected_last_seq+1 ..., or none is. Returns only after the batch is in
  // the WAL (and fsynced, for kSync). `events` must be non-empty and every payload valid JSON.
  virtual absl::StatusOr<AppendResult> Append(const ThreadId& thread, uint64_t expected_last_seq,
                                              std::span<const NewEvent> events,
                                              Durability durability) = 0;

  // The events of `thread` with seq >= from_seq, in seq order, read lazily from a consistent
  // snapshot. An unknown thread yields an empty iterator.
  virtual std::unique_ptr<EventIterator> ReadThread(const ThreadId& thread,
                                                    uint64_t from_seq = 1) = 0;

  // Every event with position >= from_position, in position order (for projections).
  virtual std::unique_ptr<EventIterator> ReadAll(uint64_t from_position = 1) = 0;

  // The last seq of `thread`; 0 when it has no events.
  virtual absl::StatusOr<uint64_t> LastSeq(const ThreadId& thread) = 0;

  // Every thread that has at least one event, in id order.
  virtual absl::StatusOr<std::vector<ThreadId>> ListThreads() = 0;

  virtual absl::StatusOr<StoreStats> Stats() = 0;

  // Compacts every column family down to the bottommost level (dictionary-trained zstd).
  virtual absl::Status CompactAll() = 0;

  // Installs the observer of appends (see AppendObserver); not owned.
  virtual void SetObserver(AppendObserver* observer) = 0;

  // The committed state of StoreOptions::state_families (the live generation). Valid until the
  // store is destroyed; reads after Close() fail.
  virtual StateReader& state() = 0;

  // Writes state outside any append, atomically (e.g. a version marker of the layer above).
  virtual absl::Status WriteState(const std::function<void(StateWriter&)>& fill) = 0;

  // Starts a rebuild of every state family into a fresh, empty generation beside the live one
  // (see StateRebuild): a failed rebuild leaves the store exactly as it was. Requires that
  // nothing else uses the store (no appends, no reads of state) until the rebuild is committed
  // or destroyed, and then that readers re-read (the live state changed at once).
  virtual absl::StatusOr<std::unique_ptr<StateRebuild>> BeginStateRebuild() = 0;

  // Waits for in-flight appends, flushes and closes. Further calls fail with kFailedPrecondition.
  // The destructor closes too, ignoring errors.
  virtual absl::Status Close() = 0;
};

}  // namespace threadlog

#endif  // THREADLOG_EVENTLOG_EVENT_STORE_H_
