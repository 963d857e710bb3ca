// The state interfaces (eventlog/state.h) over RocksDB column families: a writer into a
// WriteBatch, a reader of a set of families, and the rebuild of a fresh generation.
#ifndef THREADLOG_EVENTLOG_INTERNAL_ROCKS_STATE_H_
#define THREADLOG_EVENTLOG_INTERNAL_ROCKS_STATE_H_

#include <functional>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "eventlog/internal/rocks_db.h"
#include "eventlog/state.h"
#include "rocksdb/write_batch.h"

namespace threadlog::rocks {

// Adds state writes to `batch` (not owned), family i going to `families[i]`. Both must outlive
// the writer.
class RocksStateWriter final : public StateWriter {
 public:
  RocksStateWriter(rocksdb::WriteBatch* batch,
                   const std::vector<rocksdb::ColumnFamilyHandle*>* families)
      : batch_(batch), families_(families) {}
  void Put(StateFamily family, std::string_view key, std::string_view value) override;
  void Delete(StateFamily family, std::string_view key) override;
  size_t buffered_bytes() const override { return batch_->GetDataSize(); }
  rocksdb::WriteBatch* batch() { return batch_; }

 private:
  rocksdb::WriteBatch* batch_;
  const std::vector<rocksdb::ColumnFamilyHandle*>* families_;
};

// Reads the families `families(*source())` names, both looked up at each call: `source` gives
// the open database (null once closed: reads then fail), so a live reader follows a committed
// rebuild and never keeps a closed store open.
class RocksStateReader final : public StateReader {
 public:
  using Source = std::function<std::shared_ptr<OpenDb>()>;
  using Families = std::function<const std::vector<rocksdb::ColumnFamilyHandle*>*(const OpenDb&)>;
  RocksStateReader(Source source, Families families)
      : source_(std::move(source)), families_(std::move(families)) {}
  absl::StatusOr<std::optional<std::string>> Get(StateFamily family, std::string_view key) override;
  std::unique_ptr<StateIterator> Scan(StateFamily family, std::string_view prefix,
                                      std::string_view start) override;

 private:
  Source source_;
  Families families_;
};

// Creates generation open->state_generation + 1 of every state family, empty, and returns the
// rebuild that fills and commits it (see StateRebuild). Requires a writable database that
// nothing else uses until the rebuild is committed or destroyed.
absl::StatusOr<std::unique_ptr<StateRebuild>> BeginStateRebuild(std::shared_ptr<OpenDb> open,
                                                                bool bulk_load);

}  // namespace threadlog::rocks

#endif  // THREADLOG_EVENTLOG_INTERNAL_ROCKS_STATE_H_
