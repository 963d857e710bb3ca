// FaultFileSystem: wrapped writable files that count, fail on request, and remember syncs.
#include "tests/testutil/fault_fs.h"

#include <unistd.h>

namespace threadlog::testing {

class FaultFileSystem::File final : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  File(FaultFileSystem* fs, std::string name, std::unique_ptr<rocksdb::FSWritableFile> file)
      : FSWritableFileOwnerWrapper(std::move(file)), fs_(fs), name_(std::move(name)) {}

  rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                           rocksdb::IODebugContext* dbg) override {
    if (rocksdb::IOStatus s = fs_->Check(fs_->appends_, name_); !s.ok()) return s;
    rocksdb::IOStatus s = target()->Append(data, options, dbg);
    if (s.ok()) fs_->Written(name_, data.size());
    return s;
  }
  rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                           const rocksdb::DataVerificationInfo& info,
                           rocksdb::IODebugContext* dbg) override {
    if (rocksdb::IOStatus s = fs_->Check(fs_->appends_, name_); !s.ok()) return s;
    rocksdb::IOStatus s = target()->Append(data, options, info, dbg);
    if (s.ok()) fs_->Written(name_, data.size());
    return s;
  }
  rocksdb::IOStatus Sync(const rocksdb::IOOptions& options, rocksdb::IODebugContext* dbg) override {
    if (rocksdb::IOStatus s = fs_->Check(fs_->syncs_, name_); !s.ok()) return s;
    rocksdb::IOStatus s = target()->Sync(options, dbg);
    if (s.ok()) fs_->Synced(name_);
    return s;
  }
  rocksdb::IOStatus Fsync(const rocksdb::IOOptions& options,
                          rocksdb::IODebugContext* dbg) override {
    if (rocksdb::IOStatus s = fs_->Check(fs_->syncs_, name_); !s.ok()) return s;
    rocksdb::IOStatus s = target()->Fsync(options, dbg);
    if (s.ok()) fs_->Synced(name_);
    return s;
  }

 private:
  FaultFileSystem* fs_;
  std::string name_;
};

FaultFileSystem::FaultFileSystem() : FileSystemWrapper(rocksdb::FileSystem::Default()) {}

void FaultFileSystem::FailAppends(Fault fault, std::string suffix, int skip) {
  std::lock_guard lock(mu_);
  appends_ = {true, fault, std::move(suffix), skip};
}

void FaultFileSystem::FailSyncs(Fault fault, std::string suffix, int skip) {
  std::lock_guard lock(mu_);
  syncs_ = {true, fault, std::move(suffix), skip};
}

void FaultFileSystem::Heal() {
  std::lock_guard lock(mu_);
  appends_.active = syncs_.active = false;
}

int FaultFileSystem::injected() const {
  std::lock_guard lock(mu_);
  return injected_;
}

rocksdb::IOStatus FaultFileSystem::Check(Rule& rule, const std::string& name) {
  std::lock_guard lock(mu_);
  if (!rule.active || !name.ends_with(rule.suffix)) return rocksdb::IOStatus::OK();
  if (rule.skip > 0) {
    --rule.skip;
    return rocksdb::IOStatus::OK();
  }
  ++injected_;
  if (rule.fault == Fault::kNoSpace) {
    return rocksdb::IOStatus::NoSpace("injected: No space left on device");
  }
  return rocksdb::IOStatus::IOError("injected: Input/output error");
}

void FaultFileSystem::Written(const std::string& name, uint64_t size) {
  std::lock_guard lock(mu_);
  files_[name].written += size;
}

void FaultFileSystem::Synced(const std::string& name) {
  std::lock_guard lock(mu_);
  Sizes& sizes = files_[name];
  sizes.synced = sizes.written;
}

void FaultFileSystem::DropUnsyncedData() {
  std::lock_guard lock(mu_);
  for (const auto& [name, sizes] : files_) {
    if (sizes.synced < sizes.written) (void)::truncate(name.c_str(), sizes.synced);
  }
}

rocksdb::IOStatus FaultFileSystem::NewWritableFile(const std::string& name,
                                                   const rocksdb::FileOptions& options,
                                                   std::unique_ptr<rocksdb::FSWritableFile>* file,
                                                   rocksdb::IODebugContext* dbg) {
  std::unique_ptr<rocksdb::FSWritableFile> real;
  rocksdb::IOStatus s = target()->NewWritableFile(name, options, &real, dbg);
  if (!s.ok()) return s;
  {
    std::lock_guard lock(mu_);
    files_[name] = {};  // a new file starts empty
  }
  *file = std::make_unique<File>(this, name, std::move(real));
  return s;
}

rocksdb::IOStatus FaultFileSystem::ReopenWritableFile(
    const std::string& name, const rocksdb::FileOptions& options,
    std::unique_ptr<rocksdb::FSWritableFile>* file, rocksdb::IODebugContext* dbg) {
  std::unique_ptr<rocksdb::FSWritableFile> real;
  rocksdb::IOStatus s = target()->ReopenWritableFile(name, options, &real, dbg);
  if (!s.ok()) return s;
  *file = std::make_unique<File>(this, name, std::move(real));
  return s;
}

}  // namespace threadlog::testing
