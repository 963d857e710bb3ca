// Reading RocksDB write-ahead log files record by record, without RocksDB's recovery: to name
// where a damaged log is damaged (RocksDB's error does not), and for `threadlog repair` to
// read what follows the damage. The physical format is RocksDB's documented one (32 KiB
// blocks; records of a 7-byte header — masked CRC32C, length, type — and a payload, a logical
// record being one FULL or a FIRST, MIDDLE..., LAST run of them); with WAL compression each
// logical record is one zstd frame.
#ifndef THREADLOG_EVENTLOG_INTERNAL_WAL_SCAN_H_
#define THREADLOG_EVENTLOG_INTERNAL_WAL_SCAN_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace threadlog::rocks {

struct WalDamage {
  std::string file;     // e.g. "000004.log", inside the store directory
  uint64_t offset = 0;  // byte offset of the damaged physical record
  std::string what;     // "checksum mismatch", "record runs past the block", ...
};

// One logical record of a log file.
struct WalRecord {
  uint64_t offset = 0;  // of its first physical record
  std::string batch;    // the payload, decompressed: a RocksDB WriteBatch's representation
};

// What one file holds: the intact records before the first damage, the damage (if any), and
// the intact records found after it (the scan resynchronises on the next record whose checksum
// holds). Damage at the very end of the last file, followed by nothing readable, is a torn
// tail (a write cut by a crash) and is reported with `torn_tail` set instead.
struct WalFileScan {
  std::string file;
  std::vector<WalRecord> before;
  std::optional<WalDamage> damage;
  bool torn_tail = false;
  std::vector<WalRecord> after;
};

// The write-ahead logs of the store in `dir` (NNNNNN.log), oldest first.
absl::StatusOr<std::vector<std::string>> WalFiles(const std::string& dir);

// Scans one log file. Errors only for a file that cannot be read.
absl::StatusOr<WalFileScan> ScanWalFile(const std::string& dir, const std::string& file);

// The first damage in the store's logs that is not a torn tail, or nullopt.
absl::StatusOr<std::optional<WalDamage>> FindWalDamage(const std::string& dir);

}  // namespace threadlog::rocks

#endif  // THREADLOG_EVENTLOG_INTERNAL_WAL_SCAN_H_
