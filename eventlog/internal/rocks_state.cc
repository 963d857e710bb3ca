// State over RocksDB: writer, reader, iterator and the generation rebuild.
#include "eventlog/internal/rocks_state.h"

#include <cassert>

#include "absl/strings/str_cat.h"

namespace threadlog::rocks {
namespace {

rocksdb::Slice AsSlice(std::string_view s) { return rocksdb::Slice(s.data(), s.size()); }

class RocksStateIterator final : public StateIterator {
 public:
  RocksStateIterator(std::shared_ptr<OpenDb> open, rocksdb::ColumnFamilyHandle* family,
                     std::string_view prefix, std::string_view start)
      : open_(std::move(open)), prefix_(prefix) {
    it_.reset(open_->db->NewIterator(rocksdb::ReadOptions(), family));
    it_->Seek(AsSlice(start.empty() || start < prefix_ ? std::string_view(prefix_) : start));
  }
  bool Valid() const override { return it_->Valid() && it_->key().starts_with(AsSlice(prefix_)); }
  std::string_view key() const override { return it_->key().ToStringView(); }
  std::string_view value() const override { return it_->value().ToStringView(); }
  void Next() override { it_->Next(); }
  absl::Status status() const override { return FromRocks(it_->status(), "reading state"); }

 private:
  std::shared_ptr<OpenDb> open_;  // declared first: destroyed after the iterator
  std::string prefix_;
  std::unique_ptr<rocksdb::Iterator> it_;
};

class ErrorStateIterator final : public StateIterator {
 public:
  explicit ErrorStateIterator(absl::Status status) : status_(std::move(status)) {}
  bool Valid() const override { return false; }
  std::string_view key() const override { return {}; }
  std::string_view value() const override { return {}; }
  void Next() override {}
  absl::Status status() const override { return status_; }

 private:
  absl::Status status_;
};

class RocksStateRebuild final : public StateRebuild {
 public:
  RocksStateRebuild(std::shared_ptr<OpenDb> open, bool bulk_load, uint64_t generation,
                    std::vector<rocksdb::ColumnFamilyHandle*> families)
      : open_(std::move(open)),
        bulk_load_(bulk_load),
        generation_(generation),
        families_(std::move(families)),
        reader_([open = open_] { return open; }, [this](const OpenDb&) { return &families_; }) {}

  ~RocksStateRebuild() override {
    if (committed_) return;
    // Not committed: the new generation goes; the live one was never touched.
    for (rocksdb::ColumnFamilyHandle* family : families_) (void)open_->DropFamily(family);
  }

  StateReader& reader() override { return reader_; }

  std::unique_ptr<StateWriter> NewBatch() override {
    return std::make_unique<OwnedBatch>(&families_);
  }

  absl::Status Write(StateWriter& batch) override {
    auto* owned = dynamic_cast<OwnedBatch*>(&batch);
    assert(owned != nullptr && "only batches from NewBatch() can be written");
    rocksdb::WriteOptions options;
    options.disableWAL = bulk_load_;
    rocksdb::Status s = open_->db->Write(options, &owned->rep);
    owned->rep.Clear();
    return FromRocks(s, "writing rebuilt state");
  }

  absl::Status Commit() override {
    // The new generation must be durable before the record that makes it live: flush it into
    // table files, then write that record synced (or, without a WAL, flushed).
    rocksdb::FlushOptions flush;
    flush.wait = true;
    rocksdb::Status s = open_->db->Flush(flush, families_);
    if (!s.ok()) return FromRocks(s, "flushing rebuilt state");
    rocksdb::WriteOptions options;
    options.sync = !bulk_load_;
    options.disableWAL = bulk_load_;
    s = open_->db->Put(options, open_->meta, kStateGenerationKey, std::to_string(generation_));
    if (s.ok() && bulk_load_) s = open_->db->Flush(flush, open_->meta);
    if (!s.ok()) return FromRocks(s, "switching to the rebuilt state");
    committed_ = true;
    std::vector<rocksdb::ColumnFamilyHandle*> old = open_->state;
    open_->state = families_;
    open_->state_generation = generation_;
    for (rocksdb::ColumnFamilyHandle* family : old) {
      // Already unreachable; a failed drop leaves a stale family the next open drops.
      (void)open_->DropFamily(family);
    }
    return absl::OkStatus();
  }

 private:
  // A batch owning its WriteBatch.
  struct OwnedBatch final : StateWriter {
    explicit OwnedBatch(const std::vector<rocksdb::ColumnFamilyHandle*>* families)
        : writer(&rep, families) {}
    void Put(StateFamily family, std::string_view key, std::string_view value) override {
      writer.Put(family, key, value);
    }
    void Delete(StateFamily family, std::string_view key) override { writer.Delete(family, key); }
    size_t buffered_bytes() const override { return rep.GetDataSize(); }
    rocksdb::WriteBatch rep;
    RocksStateWriter writer;
  };

  std::shared_ptr<OpenDb> open_;
  const bool bulk_load_;
  const uint64_t generation_;
  std::vector<rocksdb::ColumnFamilyHandle*> families_;
  RocksStateReader reader_;
  bool committed_ = false;
};

}  // namespace

void RocksStateWriter::Put(StateFamily family, std::string_view key, std::string_view value) {
  assert(family < families_->size());
  batch_->Put((*families_)[family], AsSlice(key), AsSlice(value));
}

void RocksStateWriter::Delete(StateFamily family, std::string_view key) {
  assert(family < families_->size());
  batch_->Delete((*families_)[family], AsSlice(key));
}

absl::StatusOr<std::optional<std::string>> RocksStateReader::Get(StateFamily family,
                                                                 std::string_view key) {
  std::shared_ptr<OpenDb> open = source_();
  if (!open) return absl::FailedPreconditionError("the store is closed");
  const std::vector<rocksdb::ColumnFamilyHandle*>& families = *families_(*open);
  assert(family < families.size());
  std::string value;
  rocksdb::Status s = open->db->Get(rocksdb::ReadOptions(), families[family], AsSlice(key), &value);
  if (s.IsNotFound()) return std::nullopt;
  if (!s.ok()) return FromRocks(s, "reading state");
  return value;
}

std::unique_ptr<StateIterator> RocksStateReader::Scan(StateFamily family, std::string_view prefix,
                                                      std::string_view start) {
  std::shared_ptr<OpenDb> open = source_();
  if (!open) {
    return std::make_unique<ErrorStateIterator>(
        absl::FailedPreconditionError("the store is closed"));
  }
  const std::vector<rocksdb::ColumnFamilyHandle*>& families = *families_(*open);
  if (family >= families.size()) {
    return std::make_unique<ErrorStateIterator>(
        absl::InvalidArgumentError(absl::StrCat("no state family ", family)));
  }
  return std::make_unique<RocksStateIterator>(std::move(open), families[family], prefix, start);
}

absl::StatusOr<std::unique_ptr<StateRebuild>> BeginStateRebuild(std::shared_ptr<OpenDb> open,
                                                                bool bulk_load) {
  if (open->read_only) return absl::FailedPreconditionError("the store is open read-only");
  const uint64_t generation = open->state_generation + 1;
  std::vector<rocksdb::ColumnFamilyHandle*> families;
  for (const std::string& logical : open->state_names) {
    rocksdb::ColumnFamilyHandle* created = nullptr;
    rocksdb::Status s = open->db->CreateColumnFamily(
        SmallRecordsFamilyOptions(), StateFamilyName(logical, generation), &created);
    if (!s.ok()) {
      for (rocksdb::ColumnFamilyHandle* family : families) (void)open->DropFamily(family);
      return FromRocks(s, "creating the rebuild's state families");
    }
    open->handles.push_back(created);
    families.push_back(created);
  }
  return std::unique_ptr<StateRebuild>(
      new RocksStateRebuild(std::move(open), bulk_load, generation, std::move(families)));
}

}  // namespace threadlog::rocks
