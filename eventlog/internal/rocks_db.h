// The RocksDB database under an EventStore: how it is opened (column families, their options,
// the live generation of the state families), and the status mapping every part of the RocksDB
// implementation shares.
#ifndef THREADLOG_EVENTLOG_INTERNAL_ROCKS_DB_H_
#define THREADLOG_EVENTLOG_INTERNAL_ROCKS_DB_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "eventlog/event_store.h"
#include "rocksdb/db.h"
#include "rocksdb/env.h"

namespace threadlog::rocks {

inline constexpr char kEventsFamily[] = "events";
inline constexpr char kPositionsFamily[] = "positions";
inline constexpr char kMetaFamily[] = "meta";
// Keys of the meta family.
inline constexpr char kFormatVersionKey[] = "format_version";
inline constexpr char kStateGenerationKey[] = "state_generation";

// Maps a RocksDB status to the absl code the EventStore contract names (kDataLoss for
// corruption, kResourceExhausted for a full disk, kUnavailable for a store another process
// holds, ...); `context` says what was being done.
absl::Status FromRocks(const rocksdb::Status& s, std::string_view context);

// The open database. Shared by the store, its iterators and readers, so that one outliving
// Close() keeps reading a valid database; the last owner closes it.
struct OpenDb {
  std::unique_ptr<rocksdb::Env> env;  // the in-memory Env of an in-memory store; null otherwise
  std::unique_ptr<rocksdb::DB> db;
  bool read_only = false;
  rocksdb::ColumnFamilyHandle* events = nullptr;
  rocksdb::ColumnFamilyHandle* positions = nullptr;
  rocksdb::ColumnFamilyHandle* meta = nullptr;
  // The live generation of each state family, indexed by StateFamily. Replaced only by a state
  // rebuild's commit, which requires that nothing else uses the store meanwhile.
  std::vector<rocksdb::ColumnFamilyHandle*> state;
  std::vector<std::string> state_names;  // logical names, same order
  uint64_t state_generation = 0;
  // Every handle opened (the ones above included), each destroyed once.
  std::vector<rocksdb::ColumnFamilyHandle*> handles;

  ~OpenDb();
  // Drops and forgets `family` (a state family of a generation no longer live).
  rocksdb::Status DropFamily(rocksdb::ColumnFamilyHandle* family);
};

// The physical column family of a state family in a generation: generation 0 is the logical
// name itself (stores made before generations existed), later ones "<name>@<generation>".
std::string StateFamilyName(std::string_view logical, uint64_t generation);

// Options of the state families (and of meta): small records, point lookups, short scans.
rocksdb::ColumnFamilyOptions SmallRecordsFamilyOptions();

// Opens (or, unless options say not to, creates) the database in `dir` with the events,
// positions and meta families and the live generation of options.state_families; a writable
// open also drops state families of other generations (left by a rebuild that did not finish).
// `*fresh` is set when the store did not exist before. With the default `recovery`, a
// write-ahead log damaged in its middle is kDataLoss naming the file and offset (a torn tail
// from a crash is dropped: those writes were never acknowledged); store repair recovers with
// kPointInTimeRecovery instead, which keeps the log up to the damage.
// `env`, when not null (tests: a fault-injecting one), is the Env the database runs on; not
// owned, must outlive the database.
absl::StatusOr<std::shared_ptr<OpenDb>> OpenDatabase(
    const std::string& dir, const StoreOptions& options, bool* fresh,
    rocksdb::WALRecoveryMode recovery = rocksdb::WALRecoveryMode::kTolerateCorruptedTailRecords,
    rocksdb::Env* env = nullptr);

// EventStore::Open on `env` (see OpenDatabase), for tests of I/O failures.
absl::StatusOr<std::unique_ptr<EventStore>> OpenEventStoreOnEnv(const std::string& dir,
                                                                const StoreOptions& options,
                                                                rocksdb::Env* env);

}  // namespace threadlog::rocks

#endif  // THREADLOG_EVENTLOG_INTERNAL_ROCKS_DB_H_
