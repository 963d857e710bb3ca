// The RocksDB implementation of EventStore: column families, envelope encoding, the
// group-commit writer queue and the iterators.
#include <sys/statvfs.h>

#include <algorithm>
#include <cassert>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <limits>
#include <optional>
#include <unordered_map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "eventlog/absl_compat.h"
#include "eventlog/envelope_generated.h"
#include "eventlog/event_store.h"
#include "eventlog/internal/envelope.h"
#include "eventlog/internal/keys.h"
#include "eventlog/internal/rocks_db.h"
#include "eventlog/internal/rocks_state.h"
#include "nlohmann/json.hpp"
#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"

namespace threadlog {
namespace {

namespace fs = std::filesystem;
using rocks::FromRocks;
using rocks::OpenDb;

// A leader stops adding followers' batches to its group past this many bytes, so one huge
// group cannot stall small appends for long.
constexpr size_t kMaxGroupBytes = 8 << 20;
// After a failed write (a full disk, an I/O error), how often an append tries to resume.
constexpr auto kRecoveryInterval = std::chrono::milliseconds(500);
// Free space kept for RocksDB's own work: a sixteenth of the file system, within these bounds.
constexpr uint64_t kMinSpaceReserve = 1 << 20;
constexpr uint64_t kMaxSpaceReserve = 64 << 20;
constexpr auto kSpaceCheckInterval = std::chrono::milliseconds(250);
// How long a reopen waits for readers of the old database to finish.
constexpr auto kReopenWait = std::chrono::seconds(2);

struct ThreadIdHash {
  size_t operator()(const ThreadId& id) const { return std::hash<std::string_view>{}(id.bytes()); }
};

// Yields nothing and reports `status`: what a read on a closed store returns.
class ErrorIterator final : public EventIterator {
 public:
  explicit ErrorIterator(absl::Status status) : status_(std::move(status)) {}
  bool Valid() const override { return false; }
  const EventView& event() const override { return view_; }
  void Next() override {}
  absl::Status status() const override { return status_; }

 private:
  absl::Status status_;
  EventView view_;
};

// Iterates one thread's range of the events family and decodes each record to an EventView.
class ThreadEventIterator final : public EventIterator {
 public:
  ThreadEventIterator(std::shared_ptr<OpenDb> db, const ThreadId& thread, uint64_t from_seq)
      : db_(std::move(db)),
        upper_bound_(keys::ThreadUpperBound(thread)),
        upper_slice_(upper_bound_) {
    rocksdb::ReadOptions ro;
    ro.iterate_upper_bound = &upper_slice_;
    it_.reset(db_->db->NewIterator(ro, db_->events));
    it_->Seek(keys::EventKey(thread, from_seq));
    Decode();
  }
  bool Valid() const override { return status_.ok() && it_->Valid(); }
  const EventView& event() const override { return view_; }
  void Next() override {
    it_->Next();
    Decode();
  }
  absl::Status status() const override { return status_; }

 private:
  void Decode() {
    if (!it_->Valid()) {
      status_ = FromRocks(it_->status(), "reading thread events");
      return;
    }
    status_ =
        DecodeEnvelope(it_->key().ToStringView(), it_->value().ToStringView(), &view_, &scratch_);
  }

  std::shared_ptr<OpenDb> db_;  // declared first: destroyed after the iterator
  std::string upper_bound_;
  rocksdb::Slice upper_slice_;
  std::unique_ptr<rocksdb::Iterator> it_;
  std::string scratch_;  // the current envelope when RocksDB's copy is misaligned
  EventView view_;
  absl::Status status_;
};

// Walks the position index run by run; each run is a stretch of one thread's events, read with
// one seek into the events family. Everything is read from one snapshot.
class GlobalEventIterator final : public EventIterator {
 public:
  GlobalEventIterator(std::shared_ptr<OpenDb> db, uint64_t from_position)
      : db_(std::move(db)), snapshot_(db_->db->GetSnapshot()) {
    rocksdb::ReadOptions ro;
    ro.snapshot = snapshot_;
    runs_.reset(db_->db->NewIterator(ro, db_->positions));
    events_.reset(db_->db->NewIterator(ro, db_->events));
    // The run holding from_position starts at or before it.
    runs_->SeekForPrev(keys::PositionKey(from_position));
    if (!runs_->Valid()) runs_->SeekToFirst();
    OpenRun(from_position);
  }
  ~GlobalEventIterator() override {
    runs_.reset();
    events_.reset();
    db_->db->ReleaseSnapshot(snapshot_);
  }
  bool Valid() const override { return valid_; }
  const EventView& event() const override { return view_; }
  void Next() override {
    if (--remaining_ == 0) {
      runs_->Next();
      OpenRun(0);
      return;
    }
    ++position_;
    events_->Next();
    Decode();
  }
  absl::Status status() const override { return status_; }

 private:
  // Positions the events iterator at the first event >= from_position of the current run, or of
  // the following runs when the current one ends before it.
  void OpenRun(uint64_t from_position) {
    valid_ = false;
    for (; runs_->Valid(); runs_->Next()) {
      keys::PositionRun run;
      if (!keys::DecodePositionRun(runs_->key().ToStringView(), runs_->value().ToStringView(),
                                   &run)) {
        status_ = absl::DataLossError("a position index entry is malformed");
        return;
      }
      uint64_t skip = from_position > run.first_position ? from_position - run.first_position : 0;
      if (skip >= run.count) continue;
      thread_ = run.thread;
      position_ = run.first_position + skip;
      remaining_ = run.count - skip;
      events_->Seek(keys::EventKey(run.thread, run.first_seq + skip));
      Decode();
      return;
    }
    status_ = FromRocks(runs_->status(), "reading the position index");
  }

  void Decode() {
    valid_ = false;
    if (!events_->Valid() || !events_->key().starts_with(thread_.bytes())) {
      status_ = events_->status().ok()
                    ? absl::DataLossError(absl::StrCat("position ", position_,
                                                       " points at an event that is not stored"))
                    : FromRocks(events_->status(), "reading events by position");
      return;
    }
    status_ = DecodeEnvelope(events_->key().ToStringView(), events_->value().ToStringView(), &view_,
                             &scratch_);
    if (status_.ok() && view_.position != position_) {
      status_ = absl::DataLossError(absl::StrCat("the position index says ", position_,
                                                 " but the event says ", view_.position));
    }
    valid_ = status_.ok();
  }

  std::shared_ptr<OpenDb> db_;
  const rocksdb::Snapshot* snapshot_;
  std::unique_ptr<rocksdb::Iterator> runs_;
  std::unique_ptr<rocksdb::Iterator> events_;
  ThreadId thread_;
  uint64_t position_ = 0;   // of the current event
  uint64_t remaining_ = 0;  // events left in the current run, the current one included
  bool valid_ = false;
  std::string scratch_;  // the current envelope when RocksDB's copy is misaligned
  EventView view_;
  absl::Status status_;
};

class RocksEventStore final : public EventStore {
 public:
  ~RocksEventStore() override { (void)Close(); }

  static absl::StatusOr<std::unique_ptr<EventStore>> OpenAt(const std::string& dir,
                                                            const StoreOptions& options,
                                                            rocksdb::Env* env);

  absl::StatusOr<AppendResult> Append(const ThreadId& thread, uint64_t expected_last_seq,
                                      std::span<const NewEvent> events,
                                      Durability durability) override;
  std::unique_ptr<EventIterator> ReadThread(const ThreadId& thread, uint64_t from_seq) override {
    std::shared_ptr<OpenDb> open = Opened();
    if (!open) return std::make_unique<ErrorIterator>(ClosedError());
    return std::make_unique<ThreadEventIterator>(std::move(open), thread, from_seq);
  }
  std::unique_ptr<EventIterator> ReadAll(uint64_t from_position) override {
    std::shared_ptr<OpenDb> open = Opened();
    if (!open) return std::make_unique<ErrorIterator>(ClosedError());
    return std::make_unique<GlobalEventIterator>(std::move(open), from_position);
  }
  absl::StatusOr<uint64_t> LastSeq(const ThreadId& thread) override {
    absl::MutexLock lock(&mu_);
    if (closed_) return ClosedError();
    return CachedLastSeq(thread);
  }
  absl::StatusOr<std::vector<ThreadId>> ListThreads() override;
  absl::StatusOr<StoreStats> Stats() override;
  absl::Status CompactAll() override;
  absl::Status Close() override;
  void SetObserver(AppendObserver* observer) override {
    absl::MutexLock lock(&mu_);
    observer_ = observer;
  }
  StateReader& state() override { return state_reader_; }
  absl::Status WriteState(const std::function<void(StateWriter&)>& fill) override;
  absl::StatusOr<std::unique_ptr<StateRebuild>> BeginStateRebuild() override;

 private:
  // One pending Append, queued until a leader commits it (see Append).
  struct Writer {
    const ThreadId* thread = nullptr;
    uint64_t expected_last_seq = 0;
    std::span<const NewEvent> events;
    Durability durability = Durability::kBuffered;
    int64_t now_ms = 0;  // the timestamp of events whose timestamp_ms is 0
    // Built by the appender itself before it queues (see PrepareEnvelopes), so that this CPU
    // work runs in parallel across appenders instead of serially in the leader. Seqs are
    // expected_last_seq+1..., final unless the append turns out stale (then nothing is used).
    std::string keys;       // one event key per event, keys::kEventKeySize bytes each
    std::string envelopes;  // the envelopes back to back, each position a placeholder
    std::vector<uint32_t> envelope_ends;
    absl::StatusOr<AppendResult> result = absl::InternalError("not committed");
    // How the writer learns it is done or has become the leader. Its own mutex, not mu_: a
    // woken writer must not queue on the store's lock behind the leader and new appenders.
    absl::Mutex mu;
    bool done ABSL_GUARDED_BY(mu) = false;
    bool leader ABSL_GUARDED_BY(mu) = false;
    // Wakes the writer; it may return (destroying itself) right after.
    void Signal(bool as_leader) ABSL_LOCKS_EXCLUDED(mu) {
      absl::MutexLock lock(&mu);
      (as_leader ? leader : done) = true;
    }
    // Blocks until signalled; true when done, false when it has become the leader.
    bool AwaitTurn() ABSL_LOCKS_EXCLUDED(mu) {
      absl::MutexLock lock(&mu);
      mu.Await(absl::Condition(
          +[](Writer* w) ABSL_EXCLUSIVE_LOCKS_REQUIRED(w->mu) { return w->done || w->leader; },
          this));
      return done;
    }
  };

  RocksEventStore(std::string dir, std::shared_ptr<OpenDb> open, const StoreOptions& options,
                  rocksdb::Env* env)
      : dir_(std::move(dir)),
        options_(options),
        env_(env),
        open_(std::move(open)),
        open_db_(open_.get()),
        db_(open_db_->db.get()),
        events_(open_db_->events),
        positions_(open_db_->positions),
        meta_(open_db_->meta),
        read_only_(options.read_only),
        bulk_load_(options.bulk_load),
        in_memory_(options.in_memory),
        state_reader_([this] { return Opened(); }, [](const OpenDb& db) { return &db.state; }),
        observer_(options.observer) {}

  static absl::Status ClosedError() { return absl::FailedPreconditionError("the store is closed"); }
  static absl::Status ReadOnlyError() {
    return absl::FailedPreconditionError("the store is open read-only; nothing can be written");
  }
  // The open database, or null after Close(). Its own lock, not mu_: the observer reads state
  // (through this) while the committing leader holds mu_.
  std::shared_ptr<OpenDb> Opened() ABSL_LOCKS_EXCLUDED(open_mu_) {
    absl::MutexLock lock(&open_mu_);
    return open_;
  }

  absl::Status LoadState(bool fresh);
  absl::StatusOr<uint64_t> CachedLastSeq(const ThreadId& thread) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Called by the leader with mu_ held; releases it only around the RocksDB write.
  uint64_t CommitGroup(std::vector<Writer*>& group, size_t group_bytes)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status SyncWritten(uint64_t group_number) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // After a failed WAL write or sync: resumes the database (RocksDB then starts a new log) and
  // flushes every memtable into table files (durable without the log), and when both work lets
  // appends go on. Tried at most every kRecoveryInterval; releases mu_ around the work.
  absl::Status RecoverFromWriteError() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Closes and opens the database again (RecoverFromWriteError); requires no append or sync in
  // flight. Waits (a little) for readers holding the old database to finish.
  absl::Status Reopen() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) ABSL_LOCKS_EXCLUDED(open_mu_);
  // kResourceExhausted, naming the store's disk, when writing `bytes` more would leave less
  // free than the reserve RocksDB needs for its own work (flushing memtables, compacting):
  // refusing the append is recoverable, RocksDB failing on a full disk much less so.
  absl::Status CheckDiskSpace(size_t bytes) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Flushes every family's memtable and waits (atomically, in bulk-load mode).
  rocksdb::Status FlushAllFamilies();

  const std::string dir_;
  const StoreOptions options_;  // to reopen (RecoverFromWriteError)
  rocksdb::Env* const env_;     // not owned; null: the default
  absl::Mutex open_mu_;
  // Reset by Close(); iterators and readers may keep the database alive.
  std::shared_ptr<OpenDb> open_ ABSL_GUARDED_BY(open_mu_);
  // Borrowed from open_ (without its lock); valid until Close().
  OpenDb* open_db_;
  rocksdb::DB* db_;
  rocksdb::ColumnFamilyHandle* events_;
  rocksdb::ColumnFamilyHandle* positions_;
  rocksdb::ColumnFamilyHandle* meta_;
  const bool read_only_;  // StoreOptions::read_only
  const bool bulk_load_;  // StoreOptions::bulk_load: no WAL, durable at Close or a kSync flush
  const bool in_memory_;  // StoreOptions::in_memory: nothing is durable, nothing is synced
  rocks::RocksStateReader state_reader_;  // the live generation (follows a committed rebuild)

  absl::Mutex mu_;
  std::deque<Writer*> writers_ ABSL_GUARDED_BY(mu_);
  std::unordered_map<ThreadId, uint64_t, ThreadIdHash> last_seq_ ABSL_GUARDED_BY(mu_);
  uint64_t last_position_ ABSL_GUARDED_BY(mu_) = 0;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  AppendObserver* observer_ ABSL_GUARDED_BY(mu_) = nullptr;
  // The sync stage (see SyncWritten): groups written to the WAL so far, how many of them a
  // finished SyncWAL covers, whether one is running, and how many leaders wait for one.
  uint64_t groups_written_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t groups_synced_ ABSL_GUARDED_BY(mu_) = 0;
  bool sync_running_ ABSL_GUARDED_BY(mu_) = false;
  int sync_waiters_ ABSL_GUARDED_BY(mu_) = 0;
  // Set by a failed WAL write or sync, cleared by RecoverFromWriteError. RocksDB's log writer
  // must not be used again after a failure (its debug builds abort on a writer with a past
  // error: no SyncWAL, no FlushWAL), and after a failed fsync the kernel may have dropped the
  // dirty pages, so no later sync of that log proves anything. Appends fail meanwhile.
  absl::Status write_error_ ABSL_GUARDED_BY(mu_);
  std::chrono::steady_clock::time_point last_recovery_ ABSL_GUARDED_BY(mu_);
  // The free-space reading CheckDiskSpace keeps (statvfs at most every kSpaceCheckInterval,
  // at every append once within a few reserves of full).
  std::chrono::steady_clock::time_point space_checked_ ABSL_GUARDED_BY(mu_);
  uint64_t space_free_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t space_reserve_ ABSL_GUARDED_BY(mu_) = 0;
};

absl::StatusOr<std::unique_ptr<EventStore>> RocksEventStore::OpenAt(const std::string& dir,
                                                                    const StoreOptions& options,
                                                                    rocksdb::Env* env) {
  bool fresh = false;
  absl::StatusOr<std::shared_ptr<OpenDb>> open = rocks::OpenDatabase(
      dir, options, &fresh, rocksdb::WALRecoveryMode::kTolerateCorruptedTailRecords, env);
  if (!open.ok()) return open.status();
  std::unique_ptr<RocksEventStore> store(new RocksEventStore(dir, *std::move(open), options, env));
  if (absl::Status st = store->LoadState(fresh); !st.ok()) return st;
  return std::unique_ptr<EventStore>(std::move(store));
}

absl::Status RocksEventStore::LoadState(bool fresh) {
  std::string version;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), meta_, rocks::kFormatVersionKey, &version);
  if (s.IsNotFound()) {
    if (!fresh) {
      // An existing database without our marker is not a threadlog store (or a torn create).
      std::unique_ptr<rocksdb::Iterator> any(db_->NewIterator(rocksdb::ReadOptions(), events_));
      any->SeekToFirst();
      if (any->Valid()) {
        return absl::FailedPreconditionError(
            absl::StrCat(dir_, " holds events but no format version: not a threadlog store"));
      }
    }
    if (!read_only_) {
      s = db_->Put(rocksdb::WriteOptions(), meta_, rocks::kFormatVersionKey,
                   std::to_string(kFormatVersion));
      if (!s.ok()) return FromRocks(s, "recording the format version");
    }
  } else if (!s.ok()) {
    return FromRocks(s, "reading the format version");
  } else {
    uint64_t stored = 0;
    bool numeric = !version.empty() &&
                   std::all_of(version.begin(), version.end(), [](char c) { return isdigit(c); });
    if (numeric) stored = std::stoull(version);
    if (!numeric) {
      return absl::DataLossError(
          absl::StrCat("store ", dir_, " has an unreadable format version '", version, "'"));
    }
    if (stored > kFormatVersion) {
      return absl::FailedPreconditionError(absl::StrCat(
          "store ", dir_, " has format version ", stored, " but this threadlog reads up to ",
          kFormatVersion, "; use a newer threadlog (the store was not modified)"));
    }
  }
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), positions_));
  it->SeekToLast();
  if (it->Valid()) {
    keys::PositionRun run;
    if (!keys::DecodePositionRun(it->key().ToStringView(), it->value().ToStringView(), &run)) {
      return absl::DataLossError("the last position index entry is malformed");
    }
    absl::MutexLock lock(&mu_);
    last_position_ = run.first_position + run.count - 1;
  }
  return FromRocks(it->status(), "reading the last position");
}

absl::StatusOr<uint64_t> RocksEventStore::CachedLastSeq(const ThreadId& thread) {
  if (auto found = last_seq_.find(thread); found != last_seq_.end()) return found->second;
  std::string upper = keys::ThreadUpperBound(thread);
  rocksdb::ReadOptions ro;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, events_));
  it->SeekForPrev(upper);
  uint64_t last = 0;
  if (it->Valid() && it->key().starts_with(thread.bytes())) {
    last = keys::GetBigEndian64(it->key().ToStringView().substr(ThreadId::kSize));
  }
  if (!it->status().ok()) return FromRocks(it->status(), "reading a thread's last seq");
  last_seq_.emplace(thread, last);
  return last;
}

absl::Status RocksEventStore::WriteState(const std::function<void(StateWriter&)>& fill) {
  if (read_only_) return ReadOnlyError();
  std::shared_ptr<OpenDb> open = Opened();
  if (!open) return ClosedError();
  rocksdb::WriteBatch batch;
  rocks::RocksStateWriter writer(&batch, &open->state);
  fill(writer);
  rocksdb::WriteOptions options;
  options.disableWAL = bulk_load_;
  return FromRocks(db_->Write(options, &batch), "writing state");
}

absl::StatusOr<std::unique_ptr<StateRebuild>> RocksEventStore::BeginStateRebuild() {
  if (read_only_) return ReadOnlyError();
  std::shared_ptr<OpenDb> open = Opened();
  if (!open) return ClosedError();
  return rocks::BeginStateRebuild(std::move(open), bulk_load_);
}

absl::Status ValidateAppend(const ThreadId& thread, uint64_t expected_last_seq,
                            std::span<const NewEvent> events) {
  if (thread.IsNil()) return absl::InvalidArgumentError("thread id is empty (the nil UUID)");
  if (events.empty()) return absl::InvalidArgumentError("append of zero events");
  if (expected_last_seq > std::numeric_limits<uint64_t>::max() - events.size()) {
    return absl::OutOfRangeError(absl::StrCat("appending ", events.size(), " events after seq ",
                                              expected_last_seq,
                                              " would overflow the thread's seq"));
  }
  for (size_t i = 0; i < events.size(); ++i) {
    const NewEvent& e = events[i];
    if (EventKindName(e.kind) == "unknown") {
      return absl::InvalidArgumentError(absl::StrCat("event ", i + 1, " of ", events.size(),
                                                     ": unknown kind ", static_cast<int>(e.kind)));
    }
  }
  return absl::OkStatus();
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A position value no real event has (positions start at 1 and cannot reach it): written into
// each prebuilt envelope so the field is present (FlatBuffers leaves out fields equal to their
// default, 0), then overwritten in place by the leader.
constexpr uint64_t kPositionPlaceholder = std::numeric_limits<uint64_t>::max();

// Builds `w`'s keys and envelopes from its events and expected seq.
void PrepareEnvelopes(const ThreadId& thread, int64_t now_ms, uint64_t expected_last_seq,
                      std::span<const NewEvent> events, std::string* keys_out,
                      std::string* envelopes, std::vector<uint32_t>* ends) {
  size_t estimate = 0;
  for (const NewEvent& e : events) {
    estimate += e.payload.size() + e.type.size() + e.timestamp_text.size() + 96;
  }
  envelopes->reserve(estimate);
  keys_out->reserve(events.size() * keys::kEventKeySize);
  ends->reserve(events.size());
  flatbuffers::FlatBufferBuilder fbb(1024);
  uint64_t seq = expected_last_seq;
  for (const NewEvent& e : events) {
    ++seq;
    fbb.Clear();
    auto type = fbb.CreateString(e.type);
    auto payload = fbb.CreateVector(reinterpret_cast<const uint8_t*>(e.payload.str().data()),
                                    e.payload.size());
    auto text = e.timestamp_text.empty() ? 0 : fbb.CreateString(e.timestamp_text);
    fb::EnvelopeBuilder env(fbb);
    env.add_position(kPositionPlaceholder);
    env.add_seq(seq);
    env.add_timestamp_ms(e.timestamp_ms != 0 ? e.timestamp_ms : now_ms);
    env.add_kind(static_cast<uint8_t>(e.kind));
    env.add_type(type);
    env.add_payload(payload);
    if (!text.IsNull()) env.add_timestamp_text(text);
    fbb.Finish(env.Finish());
    // A finished buffer's size is a multiple of its largest scalar alignment (8), so every
    // envelope starts 8-aligned in `envelopes` and the leader's in-place writes are aligned.
    assert(fbb.GetSize() % 8 == 0);
    envelopes->append(reinterpret_cast<const char*>(fbb.GetBufferPointer()), fbb.GetSize());
    ends->push_back(static_cast<uint32_t>(envelopes->size()));
    keys::AppendEventKey(keys_out, thread, seq);
  }
}

// The writer queue follows LevelDB's DBImpl::Write: the writer at the front of the queue is the
// leader; it takes every queued writer behind it into one WriteBatch, assigns positions in
// queue order and writes it to the WAL (not synced). Then it hands the queue to the next leader
// and only afterwards waits for a WAL sync covering its group (SyncWritten), so the next group's
// WAL write overlaps this group's fsync instead of waiting for it.
absl::StatusOr<AppendResult> RocksEventStore::Append(const ThreadId& thread,
                                                     uint64_t expected_last_seq,
                                                     std::span<const NewEvent> events,
                                                     Durability durability) {
  if (read_only_) return ReadOnlyError();
  if (absl::Status s = ValidateAppend(thread, expected_last_seq, events); !s.ok()) return s;
  Writer w;
  w.thread = &thread;
  w.expected_last_seq = expected_last_seq;
  w.events = events;
  // An in-memory store has nothing to sync (and RocksDB's in-memory Env cannot).
  w.durability = in_memory_ ? Durability::kBuffered : durability;
  w.now_ms = NowMs();
  PrepareEnvelopes(thread, w.now_ms, expected_last_seq, events, &w.keys, &w.envelopes,
                   &w.envelope_ends);
  mu_.Lock();
  if (closed_) {
    mu_.Unlock();
    return ClosedError();
  }
  if (!write_error_.ok()) {
    if (absl::Status recovered = RecoverFromWriteError(); !recovered.ok()) {
      mu_.Unlock();
      return recovered;
    }
  }
  writers_.push_back(&w);
  if (&w != writers_.front()) {
    mu_.Unlock();
    if (w.AwaitTurn()) return std::move(w.result);
    mu_.Lock();
  }

  // Leader: take the queue behind us, bounded in bytes.
  std::vector<Writer*> group;
  size_t group_bytes = 0;
  for (Writer* candidate : writers_) {
    size_t bytes = candidate->envelopes.size() + candidate->keys.size();
    if (!group.empty() && group_bytes + bytes > kMaxGroupBytes) break;
    group.push_back(candidate);
    group_bytes += bytes;
  }
  // Drops and retakes mu_ around the write; nonzero when the group still needs a WAL sync.
  const uint64_t sync_number = CommitGroup(group, group_bytes);
  for (size_t i = 0; i < group.size(); ++i) writers_.pop_front();
  // The next leader stays at the front, so no newcomer takes the lead, until it is signalled.
  Writer* next = writers_.empty() ? nullptr : writers_.front();
  if (sync_number != 0) {
    // Pass the queue on before the fsync; buffered and failed members are done already.
    mu_.Unlock();
    if (next != nullptr) next->Signal(/*as_leader=*/true);
    for (Writer* member : group) {
      if (member != &w && (member->durability == Durability::kBuffered || !member->result.ok())) {
        member->Signal(/*as_leader=*/false);
      }
    }
    mu_.Lock();
    absl::Status synced = SyncWritten(sync_number);
    mu_.Unlock();
    for (Writer* member : group) {
      if (member->durability != Durability::kSync || !member->result.ok()) continue;
      if (!synced.ok()) member->result = synced;
      if (member != &w) member->Signal(/*as_leader=*/false);
    }
  } else {
    mu_.Unlock();
    for (Writer* member : group) {
      if (member != &w) member->Signal(/*as_leader=*/false);
    }
    if (next != nullptr) next->Signal(/*as_leader=*/true);
  }
  return std::move(w.result);
}

// Sets each member's result; a member whose expected seq is stale fails alone, the rest of the
// group still commits. When the group was written and holds a kSync member, returns its number
// for SyncWritten (those members are acknowledged only after the WAL sync); 0 otherwise.
uint64_t RocksEventStore::CommitGroup(std::vector<Writer*>& group, size_t group_bytes) {
  if (absl::Status space = CheckDiskSpace(group_bytes); !space.ok()) {
    for (Writer* w : group) w->result = space;
    return 0;
  }
  std::unordered_map<ThreadId, uint64_t, ThreadIdHash> pending;  // thread -> last seq in group
  uint64_t position = last_position_;
  bool sync = false;
  // Reserved once: each record adds a few bytes of tags and lengths, each append a ~45-byte
  // position entry; growing the batch instead would copy it several times.
  rocksdb::WriteBatch batch(group_bytes + group_bytes / 32 + group.size() * 64 + 12);
  rocks::RocksStateWriter state(&batch, &open_db_->state);
  for (Writer* w : group) {
    uint64_t last;
    if (auto p = pending.find(*w->thread); p != pending.end()) {
      last = p->second;
    } else {
      absl::StatusOr<uint64_t> stored = CachedLastSeq(*w->thread);
      if (!stored.ok()) {
        w->result = stored.status();
        continue;
      }
      last = *stored;
    }
    if (last != w->expected_last_seq) {
      w->result = absl::AbortedError(absl::StrCat(
          "append to thread ", w->thread->ToString(), " expected last seq ", w->expected_last_seq,
          " but the thread is at seq ", last, "; nothing was written"));
      continue;
    }
    uint64_t n = w->events.size();
    if (position > std::numeric_limits<uint64_t>::max() - 1 - n) {
      w->result = absl::OutOfRangeError("the store's global position would overflow");
      continue;
    }
    AppendResult result{last + 1, last + n, position + 1, position + n};
    const uint64_t position_before = position;
    if (observer_ != nullptr) batch.SetSavePoint();
    // The keys and envelopes were built with exactly these seqs (last == expected_last_seq);
    // only the positions are filled in here.
    uint32_t begin = 0;
    for (uint64_t i = 0; i < n; ++i) {
      char* envelope = w->envelopes.data() + begin;
      uint32_t end = w->envelope_ends[i];
      bool patched = fb::GetMutableEnvelope(envelope)->mutate_position(++position);
      assert(patched);
      (void)patched;
      batch.Put(events_,
                rocksdb::Slice(w->keys.data() + i * keys::kEventKeySize, keys::kEventKeySize),
                rocksdb::Slice(envelope, end - begin));
      begin = end;
    }
    last += n;
    batch.Put(positions_, keys::PositionKey(result.first_position),
              keys::PositionRunValue(*w->thread, result.first_seq, n));
    if (observer_ != nullptr) {
      if (absl::Status s = observer_->OnAppend(*w->thread, result, w->events, w->now_ms, &state);
          !s.ok()) {
        (void)batch.RollbackToSavePoint();
        position = position_before;
        w->result = s;
        continue;
      }
      (void)batch.PopSavePoint();
    }
    pending[*w->thread] = last;
    w->result = result;
    sync = sync || w->durability == Durability::kSync;
  }
  if (batch.Count() == 0) {
    if (observer_ != nullptr) observer_->OnGroupDone(false);
    return 0;
  }

  // With nobody queued behind the group there is no next write to overlap with its fsync, so
  // one sync Write is cheaper than a Write and a SyncWAL (measured: sync x1 ~7% faster).
  // Otherwise SyncWritten syncs, after the queue has moved on (see Append).
  const bool sync_now = sync && writers_.size() == group.size() && sync_waiters_ == 0;
  rocksdb::WriteOptions wo;
  wo.sync = sync_now && !bulk_load_;
  wo.disableWAL = bulk_load_;
  mu_.Unlock();
  rocksdb::Status s = db_->Write(wo, &batch);
  // Without a WAL, a sync append is durable once the memtables are flushed.
  const rocksdb::Status flushed =
      s.ok() && sync && bulk_load_ ? FlushAllFamilies() : rocksdb::Status::OK();
  mu_.Lock();
  if (observer_ != nullptr) observer_->OnGroupDone(s.ok());
  if (!s.ok()) {
    // Nothing of the group is visible (the batch is atomic); the caches stay as they were.
    const absl::Status failed = FromRocks(s, "appending events");
    for (Writer* w : group) {
      if (w->result.ok()) w->result = failed;
    }
    if (write_error_.ok()) write_error_ = failed;
    return 0;
  }
  for (const auto& [thread, last] : pending) last_seq_[thread] = last;
  last_position_ = position;
  ++groups_written_;
  if (!flushed.ok()) {
    // Written and visible, but not known durable: the sync members are not acknowledged.
    for (Writer* w : group) {
      if (w->result.ok() && w->durability == Durability::kSync) {
        w->result = FromRocks(flushed, "flushing a sync append (bulk load)");
      }
    }
  }
  return sync && !sync_now && !bulk_load_ ? groups_written_ : 0;
}

rocksdb::Status RocksEventStore::FlushAllFamilies() {
  rocksdb::FlushOptions options;
  options.wait = true;
  return db_->Flush(options, open_db_->handles);
}

// Called right after a group was written. Returns once a WAL sync that started after that
// write has finished: the leader that finds no sync running syncs everything written so far,
// the others wait for it (a second group commit, on fsyncs). Between the write and the sync the
// group's events are visible to readers but not yet durable, the documented difference between
// Write()+SyncWAL() and a sync Write(); they are acknowledged only after the sync.
absl::Status RocksEventStore::SyncWritten(uint64_t mine) {
  ++sync_waiters_;
  while (groups_synced_ < mine && write_error_.ok()) {
    if (sync_running_) {
      mu_.Await(absl::Condition(
          +[](RocksEventStore* store)
               ABSL_EXCLUSIVE_LOCKS_REQUIRED(store->mu_) { return !store->sync_running_; },
          this));
      continue;
    }
    sync_running_ = true;
    const uint64_t target = groups_written_;
    mu_.Unlock();
    rocksdb::Status s = db_->SyncWAL();
    mu_.Lock();
    sync_running_ = false;
    if (s.ok()) {
      groups_synced_ = std::max(groups_synced_, target);
    } else {
      write_error_ = FromRocks(s, "syncing the WAL");
    }
  }
  --sync_waiters_;
  return groups_synced_ >= mine ? absl::OkStatus() : write_error_;
}

absl::Status RocksEventStore::CheckDiskSpace(size_t bytes) {
  if (in_memory_) return absl::OkStatus();
  const auto now = std::chrono::steady_clock::now();
  if (now - space_checked_ > kSpaceCheckInterval || space_free_ < 4 * space_reserve_) {
    struct statvfs st {};
    if (statvfs(dir_.c_str(), &st) != 0) return absl::OkStatus();  // no reading: let it try
    space_free_ = static_cast<uint64_t>(st.f_bavail) * st.f_frsize;
    space_reserve_ = std::clamp<uint64_t>(static_cast<uint64_t>(st.f_blocks) * st.f_frsize / 16,
                                          kMinSpaceReserve, kMaxSpaceReserve);
    space_checked_ = now;
  }
  if (space_free_ >= space_reserve_ + bytes) return absl::OkStatus();
  return absl::ResourceExhaustedError(absl::StrFormat(
      "the disk holding the store %s is full: %.1f MiB free, and %.1f MiB are kept free for "
      "the store's own work; nothing was written, and writes resume once space is freed",
      dir_, space_free_ / 1048576.0, space_reserve_ / 1048576.0));
}

absl::Status RocksEventStore::RecoverFromWriteError() {
  const auto now = std::chrono::steady_clock::now();
  // One appender recovers at a time, with no other append or sync in flight, and not on every
  // append while the disk stays full.
  if (sync_running_ || !writers_.empty() || sync_waiters_ > 0 ||
      now - last_recovery_ < kRecoveryInterval) {
    return write_error_;
  }
  last_recovery_ = now;
  sync_running_ = true;
  // Resuming on a still-full disk would fail to create the new log and leave RocksDB stuck on
  // that log's error, so wait for room first.
  if (absl::Status space = CheckDiskSpace(0); !space.ok()) {
    sync_running_ = false;
    return space;
  }
  // RocksDB cannot resume from a failed log write (Resume keeps the log's error), so the
  // database is closed and opened again: recovery replays the log up to the failed write (a
  // torn last record is dropped; it was never acknowledged), then every memtable is flushed so
  // that the old log, which ends in that torn record, is no longer needed.
  if (absl::Status reopened = Reopen(); !reopened.ok()) {
    sync_running_ = false;
    return reopened;
  }
  mu_.Unlock();
  rocksdb::Status s = FlushAllFamilies();
  mu_.Lock();
  sync_running_ = false;
  if (!s.ok()) {
    write_error_ = FromRocks(s, "flushing after reopening the store");
    return write_error_;
  }
  write_error_ = absl::OkStatus();
  groups_synced_ = groups_written_;  // everything written so far is in table files now
  return absl::OkStatus();
}

absl::Status RocksEventStore::Reopen() {
  absl::MutexLock lock(&open_mu_);
  // Readers in flight hold the database; new ones wait on open_mu_. A reader that takes a
  // second reference while holding one would wait forever, so the wait is bounded.
  const auto deadline = std::chrono::steady_clock::now() + kReopenWait;
  while (open_.use_count() > 1) {
    if (std::chrono::steady_clock::now() > deadline) {
      return absl::UnavailableError(
          "the store is busy with reads; writing resumes after they finish");
    }
    open_mu_.Unlock();
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    open_mu_.Lock();
  }
  open_.reset();  // closes the database
  open_db_ = nullptr;
  bool fresh = false;
  absl::StatusOr<std::shared_ptr<OpenDb>> open = rocks::OpenDatabase(
      dir_, options_, &fresh, rocksdb::WALRecoveryMode::kTolerateCorruptedTailRecords, env_);
  absl::Status result = absl::OkStatus();
  if (!open.ok()) {
    // Still failing (the disk is still full, or broken): open it read-only, so that reads go on
    // while appends keep failing; the next recovery tries writable again.
    result = absl::Status(
        open.status().code(),
        absl::StrCat("reopening the store after a failed write: ", open.status().message()));
    StoreOptions read_only = options_;
    read_only.read_only = true;
    open = rocks::OpenDatabase(dir_, read_only, &fresh,
                               rocksdb::WALRecoveryMode::kTolerateCorruptedTailRecords, env_);
    if (!open.ok()) {
      closed_ = true;  // nothing can be opened: every later read and append fails
      return result;
    }
  }
  open_ = *std::move(open);
  open_db_ = open_.get();
  db_ = open_db_->db.get();
  events_ = open_db_->events;
  positions_ = open_db_->positions;
  meta_ = open_db_->meta;
  last_seq_.clear();  // re-read from the log as needed
  return result;
}

absl::StatusOr<std::vector<ThreadId>> RocksEventStore::ListThreads() {
  std::shared_ptr<OpenDb> open = Opened();
  if (!open) return ClosedError();
  std::vector<ThreadId> threads;
  std::unique_ptr<rocksdb::Iterator> it(
      open->db->NewIterator(rocksdb::ReadOptions(), open->events));
  for (it->SeekToFirst(); it->Valid(); it->Seek(keys::ThreadUpperBound(threads.back()))) {
    if (it->key().size() < ThreadId::kSize) {
      return absl::DataLossError("an event key is shorter than a thread id");
    }
    threads.push_back(ThreadId::FromBytes(it->key().ToStringView()));
  }
  if (!it->status().ok()) return FromRocks(it->status(), "listing threads");
  return threads;
}

absl::StatusOr<StoreStats> RocksEventStore::Stats() {
  StoreStats stats;
  absl::StatusOr<std::vector<ThreadId>> threads = ListThreads();
  if (!threads.ok()) return threads.status();
  stats.threads = threads->size();
  uint64_t keys_estimate = 0;
  if (std::shared_ptr<OpenDb> open = Opened()) {
    open->db->GetIntProperty(open->events, "rocksdb.estimate-num-keys", &keys_estimate);
  }
  stats.events = keys_estimate;
  std::error_code ec;
  for (const auto& entry : fs::recursive_directory_iterator(dir_, ec)) {
    if (entry.is_regular_file(ec)) stats.bytes_on_disk += entry.file_size(ec);
  }
  absl::MutexLock lock(&mu_);
  stats.last_position = last_position_;
  return stats;
}

absl::Status RocksEventStore::CompactAll() {
  std::shared_ptr<OpenDb> open = Opened();
  if (!open) return ClosedError();
  rocksdb::CompactRangeOptions options;
  options.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
  for (rocksdb::ColumnFamilyHandle* family : {open->events, open->positions, open->meta}) {
    rocksdb::Status s = open->db->CompactRange(options, family, nullptr, nullptr);
    if (!s.ok()) return FromRocks(s, "compacting");
  }
  // Obsolete WAL files are only removed after a flush; do it so disk usage is what remains.
  return FromRocks(open->db->FlushWAL(true), "flushing the WAL");
}

absl::Status RocksEventStore::Close() {
  bool log_failed = false;
  {
    absl::MutexLock lock(&mu_);
    if (closed_) return absl::OkStatus();
    closed_ = true;
    // In-flight appends finish: wait until the writer queue drains and no group awaits a sync.
    mu_.Await(absl::Condition(
        +[](RocksEventStore* store) ABSL_EXCLUSIVE_LOCKS_REQUIRED(store->mu_) {
          return store->writers_.empty() && store->sync_waiters_ == 0;
        },
        this));
    log_failed = !write_error_.ok();
  }
  // Bulk-loaded appends have no WAL: they are durable once their memtables are flushed.
  // After a failed log write the log must not be touched again (see write_error_); what was
  // acknowledged was synced before the failure.
  rocksdb::Status s = in_memory_ || read_only_ || log_failed ? rocksdb::Status::OK()
                      : bulk_load_                           ? FlushAllFamilies()
                                                             : db_->FlushWAL(true);
  db_ = nullptr;
  absl::MutexLock lock(&open_mu_);
  open_.reset();  // closes the database unless an iterator still holds it
  return FromRocks(
      s, bulk_load_ ? "flushing the bulk-loaded appends at close" : "flushing the WAL at close");
}

}  // namespace

absl::StatusOr<std::unique_ptr<EventStore>> EventStore::Open(const std::string& dir,
                                                             const StoreOptions& options) {
  if (dir.empty()) return absl::InvalidArgumentError("store directory is empty");
  return RocksEventStore::OpenAt(dir, options, nullptr);
}

namespace rocks {

absl::StatusOr<std::unique_ptr<EventStore>> OpenEventStoreOnEnv(const std::string& dir,
                                                                const StoreOptions& options,
                                                                rocksdb::Env* env) {
  if (dir.empty()) return absl::InvalidArgumentError("store directory is empty");
  return RocksEventStore::OpenAt(dir, options, env);
}

}  // namespace rocks

}  // namespace threadlog
