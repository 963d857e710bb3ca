// Opening the RocksDB database of an EventStore: families, options, the state generation.
#include "eventlog/internal/rocks_db.h"

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <filesystem>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "eventlog/absl_compat.h"
#include "eventlog/internal/wal_scan.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/listener.h"
#include "rocksdb/table.h"

namespace threadlog::rocks {
namespace {

namespace fs = std::filesystem;

rocksdb::ColumnFamilyOptions EventsFamilyOptions() {
  rocksdb::ColumnFamilyOptions cf;
  rocksdb::BlockBasedTableOptions table;
  // Large blocks: events of one thread are adjacent and share most of their structure, so
  // bigger blocks compress much better; reads of a thread are range scans anyway. Measured with
  // `threadlog bench append` (stored bytes per rollout JSONL byte after a full compaction):
  // 64 KiB blocks, level 9: 9.5-9.9%; 256 KiB + 256 KiB dictionary, level 15: 8.2%; restart
  // points every 64 keys (keys share 23 of 24 bytes with their neighbours): 8.1%; bottom
  // level 17: 7.65% (19: 7.44%, for no measurable import slowdown but far costlier compactions).
  // No bloom filter: every read of this family is a seek into a thread's range, never a point
  // lookup, so a filter would cost flush CPU and ~1.25 bytes per event for nothing.
  table.block_size = 256 << 10;
  table.block_restart_interval = 64;
  table.format_version = 5;
  cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  // Upper levels are short-lived: cheap zstd without a dictionary keeps flushes off the
  // critical path of imports; the bottom level, where data settles, gets the expensive setup.
  cf.compression = rocksdb::kZSTD;
  cf.compression_opts.level = 1;
  cf.bottommost_compression = rocksdb::kZSTD;
  cf.bottommost_compression_opts.enabled = true;
  cf.bottommost_compression_opts.level = 17;
  cf.bottommost_compression_opts.max_dict_bytes = 256 << 10;
  cf.bottommost_compression_opts.zstd_max_train_bytes = 100 * (256 << 10);
  cf.level_compaction_dynamic_level_bytes = true;
  return cf;
}

rocksdb::ColumnFamilyOptions PositionsFamilyOptions() {
  rocksdb::ColumnFamilyOptions cf;
  rocksdb::BlockBasedTableOptions table;
  table.block_size = 16 << 10;
  table.format_version = 5;
  cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  cf.compression = rocksdb::kZSTD;
  cf.bottommost_compression = rocksdb::kZSTD;
  cf.level_compaction_dynamic_level_bytes = true;
  return cf;
}

rocksdb::ColumnFamilyOptions OptionsFor(const std::string& name) {
  if (name == kEventsFamily) return EventsFamilyOptions();
  if (name == kPositionsFamily) return PositionsFamilyOptions();
  return SmallRecordsFamilyOptions();
}

// Which state family and generation a physical family name is, if it is one of `logical`.
bool ParseStateFamilyName(const std::string& name, const std::vector<std::string>& logical,
                          size_t* index, uint64_t* generation) {
  for (size_t i = 0; i < logical.size(); ++i) {
    if (name == logical[i]) {
      *index = i;
      *generation = 0;
      return true;
    }
    const std::string prefix = logical[i] + "@";
    if (name.size() > prefix.size() && name.compare(0, prefix.size(), prefix) == 0 &&
        absl::SimpleAtoi(name.substr(prefix.size()), generation) && *generation > 0) {
      *index = i;
      return true;
    }
  }
  return false;
}

// RocksDB's own diagnostics (warnings and worse) go to stderr rather than to a LOG file in the
// store: a read-only open must write nothing, and a LOG file that hit a full disk makes RocksDB
// abort when it writes to it again (its debug builds assert on a writer with a past error).
class StderrLogger final : public rocksdb::Logger {
 public:
  StderrLogger() : rocksdb::Logger(rocksdb::InfoLogLevel::WARN_LEVEL) {}
  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override {
    char line[1024];
    vsnprintf(line, sizeof line, format, ap);
    std::fprintf(stderr, "threadlog: rocksdb: %s\n", line);
  }
};

// RocksDB waits for free space equal to its largest memtable (64 MiB) before it resumes after a
// full disk by itself, which a small disk never has; threadlog resumes instead (the next append
// after a failed write calls Resume), so the automatic recovery, which would make Resume busy,
// is turned off.
class ManualRecovery final : public rocksdb::EventListener {
 public:
  void OnErrorRecoveryBegin(rocksdb::BackgroundErrorReason, rocksdb::Status,
                            bool* auto_recovery) override {
    *auto_recovery = false;
  }
};

// A store whose write-ahead log fails recovery: say where it is damaged (the RocksDB error
// does not), and what to do.
absl::Status DamagedLogError(const std::string& dir, const rocksdb::Status& s) {
  absl::StatusOr<std::optional<WalDamage>> damage = FindWalDamage(dir);
  if (damage.ok() && damage->has_value()) {
    const WalDamage& d = **damage;
    return absl::DataLossError(absl::StrCat(
        "the store's write-ahead log ", d.file, " is damaged at byte ", d.offset, " (", d.what,
        "); acknowledged writes from there on cannot be read. Nothing was changed. Run "
        "`threadlog repair` to keep everything before the damage and save what can still be "
        "read after it (RocksDB: ",
        s.ToString(), ")"));
  }
  return FromRocks(s, absl::StrCat("opening store ", dir));
}

}  // namespace

absl::Status FromRocks(const rocksdb::Status& s, std::string_view context) {
  if (s.ok()) return absl::OkStatus();
  std::string message = absl::StrCat(ToAbsl(context), ": ", s.ToString());
  if (s.IsCorruption()) return absl::DataLossError(message);
  if (s.IsNoSpace() || s.subcode() == rocksdb::Status::kNoSpace ||
      s.ToString().find("No space left on device") != std::string::npos) {
    return absl::ResourceExhaustedError(
        absl::StrCat(message, " (the disk holding the store is full)"));
  }
  if (s.IsIOError() && s.ToString().find("lock") != std::string::npos) {
    return absl::UnavailableError(
        absl::StrCat(message, " (is another threadlog process using this store?)"));
  }
  if (s.IsNotFound()) return absl::NotFoundError(message);
  if (s.IsInvalidArgument()) return absl::InvalidArgumentError(message);
  return absl::InternalError(message);
}

OpenDb::~OpenDb() {
  if (db == nullptr) return;
  for (rocksdb::ColumnFamilyHandle* h : handles) db->DestroyColumnFamilyHandle(h);
  db->Close();
  db.reset();  // before the Env it runs on
}

rocksdb::Status OpenDb::DropFamily(rocksdb::ColumnFamilyHandle* family) {
  rocksdb::Status s = db->DropColumnFamily(family);
  if (!s.ok()) return s;
  handles.erase(std::remove(handles.begin(), handles.end(), family), handles.end());
  return db->DestroyColumnFamilyHandle(family);
}

std::string StateFamilyName(std::string_view logical, uint64_t generation) {
  if (generation == 0) return std::string(logical);
  return absl::StrCat(ToAbsl(logical), "@", generation);
}

rocksdb::ColumnFamilyOptions SmallRecordsFamilyOptions() {
  rocksdb::ColumnFamilyOptions cf;
  rocksdb::BlockBasedTableOptions table;
  table.format_version = 5;
  // A short scan never profits from readahead, and RocksDB's automatic one costs a readahead()
  // system call per new iterator (one per thread/list request).
  table.max_auto_readahead_size = 0;
  cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  cf.compression = rocksdb::kZSTD;
  return cf;
}

absl::StatusOr<std::shared_ptr<OpenDb>> OpenDatabase(const std::string& dir,
                                                     const StoreOptions& options, bool* fresh,
                                                     rocksdb::WALRecoveryMode recovery,
                                                     rocksdb::Env* env) {
  auto open = std::make_shared<OpenDb>();
  open->read_only = options.read_only;
  if (options.in_memory) open->env.reset(rocksdb::NewMemEnv(rocksdb::Env::Default()));
  std::error_code ec;
  const bool exists = !options.in_memory && fs::exists(fs::path(dir) / "CURRENT", ec);
  *fresh = !exists;
  if (!exists && (options.read_only || !options.create_if_missing)) {
    return absl::NotFoundError(absl::StrCat("no threadlog store at ", dir));
  }
  if (!exists && !options.in_memory) {
    fs::create_directories(dir, ec);
    if (ec) {
      return absl::PermissionDeniedError(
          absl::StrCat("cannot create store directory ", dir, ": ", ec.message()));
    }
  }

  rocksdb::DBOptions db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.wal_compression = rocksdb::kZSTD;
  db_options.paranoid_checks = true;
  // A record torn by a crash at the end of the log is dropped (it was never acknowledged); any
  // other damage fails the open instead of silently ending the history there.
  db_options.wal_recovery_mode = recovery;
  db_options.max_background_jobs = 2;
  db_options.keep_log_file_num = 3;
  db_options.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  db_options.info_log = std::make_shared<StderrLogger>();
  db_options.listeners.push_back(std::make_shared<ManualRecovery>());
  // Without a WAL, a crash would otherwise keep whatever families happened to be flushed.
  db_options.atomic_flush = options.bulk_load;
  if (open->env) db_options.env = open->env.get();
  if (env != nullptr) db_options.env = env;

  std::vector<std::string> names = {rocksdb::kDefaultColumnFamilyName, kEventsFamily,
                                    kPositionsFamily, kMetaFamily};
  if (exists) {
    // Every existing family must be opened, a newer binary's and stale state generations
    // included; the format check and the generation below sort them out.
    std::vector<std::string> listed;
    rocksdb::Status s = rocksdb::DB::ListColumnFamilies(db_options, dir, &listed);
    if (!s.ok()) return FromRocks(s, absl::StrCat("opening store ", dir));
    for (const std::string& name : listed) {
      if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
    }
  } else {
    for (const std::string& name : options.state_families) names.push_back(name);
  }
  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  for (const std::string& name : names) families.push_back({name, OptionsFor(name)});
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = options.read_only
                          ? rocksdb::DB::OpenForReadOnly(db_options, dir, families, &handles, &raw)
                          : rocksdb::DB::Open(db_options, dir, families, &handles, &raw);
  if (s.IsCorruption() && !options.in_memory &&
      recovery == rocksdb::WALRecoveryMode::kTolerateCorruptedTailRecords) {
    return DamagedLogError(dir, s);
  }
  if (!s.ok()) return FromRocks(s, absl::StrCat("opening store ", dir));
  open->db.reset(raw);
  open->handles = handles;
  open->events = handles[1];
  open->positions = handles[2];
  open->meta = handles[3];

  std::string generation_text;
  s = raw->Get(rocksdb::ReadOptions(), open->meta, kStateGenerationKey, &generation_text);
  if (s.ok()) {
    if (!absl::SimpleAtoi(generation_text, &open->state_generation)) {
      return absl::DataLossError(absl::StrCat(
          "store ", dir, " has an unreadable state generation '", generation_text, "'"));
    }
  } else if (!s.IsNotFound()) {
    return FromRocks(s, "reading the state generation");
  }

  // The live generation of each state family; other generations are leftovers.
  open->state_names = options.state_families;
  open->state.assign(options.state_families.size(), nullptr);
  std::vector<rocksdb::ColumnFamilyHandle*> stale;
  for (size_t i = 0; i < names.size(); ++i) {
    size_t index = 0;
    uint64_t generation = 0;
    if (!ParseStateFamilyName(names[i], options.state_families, &index, &generation)) continue;
    if (generation == open->state_generation) {
      open->state[index] = handles[i];
    } else {
      stale.push_back(handles[i]);
    }
  }
  for (size_t i = 0; i < open->state.size(); ++i) {
    if (open->state[i] != nullptr) continue;
    const std::string name = StateFamilyName(options.state_families[i], open->state_generation);
    if (options.read_only) {
      return absl::FailedPreconditionError(absl::StrCat(
          "store ", dir, " has no family ", name,
          " yet; open it once with this threadlog in writable mode (e.g. `threadlog serve`)"));
    }
    rocksdb::ColumnFamilyHandle* created = nullptr;
    s = raw->CreateColumnFamily(SmallRecordsFamilyOptions(), name, &created);
    if (!s.ok()) return FromRocks(s, absl::StrCat("creating family ", name));
    open->handles.push_back(created);
    open->state[i] = created;
  }
  if (!options.read_only) {
    for (rocksdb::ColumnFamilyHandle* family : stale) {
      s = open->DropFamily(family);
      if (!s.ok()) return FromRocks(s, "dropping an unfinished rebuild's families");
    }
  }
  return open;
}

}  // namespace threadlog::rocks
