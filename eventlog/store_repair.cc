// Store repair: point-in-time recovery of a damaged write-ahead log, and the salvage of what
// follows the damage.
#include "eventlog/store_repair.h"

#include <ctime>
#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "eventlog/internal/envelope.h"
#include "eventlog/internal/rocks_db.h"
#include "eventlog/internal/wal_scan.h"
#include "eventlog/timestamp.h"
#include "nlohmann/json.hpp"
#include "rocksdb/write_batch.h"

namespace threadlog {
namespace {

namespace fs = std::filesystem;

// Collects the events-family puts of a write batch.
class EventCollector final : public rocksdb::WriteBatch::Handler {
 public:
  EventCollector(uint32_t events_family, std::vector<RecoveredEvent>* out)
      : events_family_(events_family), out_(out) {}

  rocksdb::Status PutCF(uint32_t family, const rocksdb::Slice& key,
                        const rocksdb::Slice& value) override {
    if (family != events_family_) return rocksdb::Status::OK();
    EventView view;
    std::string scratch;
    if (absl::Status s = DecodeEnvelope(key.ToStringView(), value.ToStringView(), &view, &scratch);
        !s.ok()) {
      return rocksdb::Status::Corruption(std::string(s.message()));
    }
    absl::StatusOr<JsonText> payload = JsonText::Parse(std::string(view.payload));
    if (!payload.ok()) return rocksdb::Status::Corruption("a recovered payload is not JSON");
    RecoveredEvent e;
    e.thread = view.thread;
    e.seq = view.seq;
    e.event.kind = view.kind;
    e.event.type = std::string(view.type);
    e.event.payload = *std::move(payload);
    e.event.timestamp_ms = view.timestamp_ms;
    e.event.timestamp_text = std::string(view.timestamp_text);
    out_->push_back(std::move(e));
    return rocksdb::Status::OK();
  }
  // Every other kind of record (projection state, deletions) is derived and not needed.
  rocksdb::Status DeleteCF(uint32_t, const rocksdb::Slice&) override {
    return rocksdb::Status::OK();
  }
  rocksdb::Status MergeCF(uint32_t, const rocksdb::Slice&, const rocksdb::Slice&) override {
    return rocksdb::Status::OK();
  }
  void LogData(const rocksdb::Slice&) override {}

 private:
  const uint32_t events_family_;
  std::vector<RecoveredEvent>* out_;
};

std::string BackupDirName(const std::string& dir) {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  localtime_r(&now, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%S", &tm);
  std::string base = absl::StrCat(fs::path(dir).lexically_normal().string(), ".repair-", stamp);
  std::string name = base;
  std::error_code ec;
  for (int i = 2; fs::exists(name, ec); ++i) name = absl::StrCat(base, "-", i);
  return name;
}

}  // namespace

absl::StatusOr<LogRecovery> RecoverDamagedLog(const std::string& dir, const StoreOptions& options) {
  LogRecovery recovery;
  absl::StatusOr<std::optional<rocks::WalDamage>> damage = rocks::FindWalDamage(dir);
  if (!damage.ok()) return damage.status();
  if (!damage->has_value()) return recovery;
  recovery.damaged = true;
  recovery.file = (*damage)->file;
  recovery.offset = (*damage)->offset;
  recovery.what = (*damage)->what;

  // What the logs hold after the damage: point-in-time recovery drops all of it.
  absl::StatusOr<std::vector<std::string>> files = rocks::WalFiles(dir);
  if (!files.ok()) return files.status();
  std::vector<rocks::WalRecord> after;
  bool past_damage = false;
  for (const std::string& file : *files) {
    if (file == recovery.file) past_damage = true;
    if (!past_damage) continue;
    absl::StatusOr<rocks::WalFileScan> scan = rocks::ScanWalFile(dir, file);
    if (!scan.ok()) return scan.status();
    if (file == recovery.file) {
      ++recovery.unreadable_records;
    } else {
      for (rocks::WalRecord& r : scan->before) after.push_back(std::move(r));
      if (scan->damage) ++recovery.unreadable_records;
    }
    for (rocks::WalRecord& r : scan->after) after.push_back(std::move(r));
  }

  // Keep the originals before RocksDB recovers (and then deletes) them.
  recovery.backup_dir = BackupDirName(dir);
  std::error_code ec;
  fs::create_directories(recovery.backup_dir, ec);
  if (ec) {
    return absl::PermissionDeniedError(
        absl::StrCat("cannot create ", recovery.backup_dir, ": ", ec.message()));
  }
  for (const std::string& file : *files) {
    fs::copy_file(fs::path(dir) / file, fs::path(recovery.backup_dir) / file, ec);
    if (ec) {
      return absl::InternalError(absl::StrCat("cannot copy ", file, " to ", recovery.backup_dir,
                                              ": ", ec.message(), "; nothing was changed"));
    }
  }

  bool fresh = false;
  absl::StatusOr<std::shared_ptr<rocks::OpenDb>> open =
      rocks::OpenDatabase(dir, options, &fresh, rocksdb::WALRecoveryMode::kPointInTimeRecovery);
  if (!open.ok()) return open.status();
  const uint32_t events_family = (*open)->events->GetID();
  for (const rocks::WalRecord& record : after) {
    rocksdb::WriteBatch batch(record.batch);
    EventCollector collector(events_family, &recovery.after_damage);
    if (rocksdb::Status s = batch.Iterate(&collector); !s.ok()) ++recovery.unreadable_records;
  }
  // Closing flushes nothing new: recovery already wrote the kept prefix into table files.
  open->reset();
  return recovery;
}

absl::StatusOr<SalvageReport> SalvageEvents(EventStore& log,
                                            const std::vector<RecoveredEvent>& events) {
  SalvageReport report;
  for (const RecoveredEvent& e : events) {
    absl::StatusOr<uint64_t> last = log.LastSeq(e.thread);
    if (!last.ok()) return last.status();
    if (*last + 1 != e.seq) {
      report.lost.push_back(e);
      continue;
    }
    absl::StatusOr<AppendResult> appended =
        log.Append(e.thread, *last, std::span<const NewEvent>(&e.event, 1), Durability::kSync);
    if (!appended.ok()) return appended.status();
    report.restored.push_back(e);
  }
  return report;
}

absl::Status WriteRecoveredEvents(const std::vector<RecoveredEvent>& events,
                                  const std::string& path) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return absl::InternalError(absl::StrCat("cannot write ", path));
  for (const RecoveredEvent& e : events) {
    nlohmann::ordered_json line = {
        {"thread", e.thread.ToString()},
        {"seq", e.seq},
        {"kind", std::string(EventKindName(e.event.kind))},
        {"type", e.event.type},
        {"timestamp", e.event.timestamp_text.empty() ? FormatTimestampMs(e.event.timestamp_ms)
                                                     : e.event.timestamp_text},
        {"payload", nlohmann::ordered_json::parse(e.event.payload.str())}};
    out << line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  }
  out.flush();
  return out ? absl::OkStatus() : absl::InternalError(absl::StrCat("cannot write ", path));
}

}  // namespace threadlog
